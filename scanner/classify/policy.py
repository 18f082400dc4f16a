"""Policy: (tier, capabilities, environment, location, flags, confidence) -> verdict,
severity and why.

An ordered list of named rules; the first that applies decides. Defaults follow design.md's
"Severity from evidence": an error needs danger that is shown (a known ADMIN or destructive
tier, a known production credential in the wrong place, any credential in agent
configuration, a secret of unknown power with plain production evidence); a secret whose
power is unknown is a warning (`unverified-scope`), a note at low confidence; tests,
fixtures, examples and public keys are notes.
`[tool.credscope.policy]` may set each rule's severity ("error", "warning", "note"), switch
it off ("off"), or give a table `{severity = "...", why = "..."}`. See docs/classification.md.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from typing import Any

from scanner.errors import ConfigError
from scanner.model import (
    DESTRUCTIVE,
    Capability,
    Confidence,
    Environment,
    Flag,
    LocationClass,
    Severity,
    Tier,
)
from scanner.model import Verdict as V

_NON_PROD_PLACES = frozenset({LocationClass.TESTS, LocationClass.FIXTURES, LocationClass.EXAMPLES})
_NON_PROD_ENVS = frozenset({Environment.TEST, Environment.LOCAL})


@dataclass(frozen=True, slots=True)
class Facts:
    """What the policy judges. `tier` is what is known (UNKNOWN when neither the rule nor a
    decoder can tell); `worst_case` is what it could be, shown beside it but never judged:
    UNKNOWN alone makes nothing overprivileged (design.md, "Severity from evidence")."""

    tier: Tier
    capabilities: frozenset[Capability]
    environment: Environment
    location: LocationClass
    flags: frozenset[Flag]
    staging_path: bool = False
    inert: str = ""  # why it cannot be used as found (expired, encrypted), or ""
    confidence: Confidence = Confidence.MEDIUM
    worst_case: Tier = Tier.UNKNOWN
    env_decoded: bool = False  # the environment was read from the token itself
    public_host: str = ""  # a URL credential for a public service's own host (gitlab.com)

    @property
    def known(self) -> bool:
        return self.tier is not Tier.UNKNOWN

    @property
    def committed(self) -> bool:
        return Flag.IGNORED_BUT_PRESENT not in self.flags

    @property
    def powerful(self) -> bool:
        """Known to be ADMIN or destructive (the worst case is not knowledge)."""
        return self.known and (self.tier is Tier.ADMIN or bool(self.capabilities & DESTRUCTIVE))

    @property
    def nonprod(self) -> bool:
        return self.environment in _NON_PROD_ENVS

    @property
    def secret(self) -> bool:
        """A credential that grants something: any known tier but PUBLIC, or UNKNOWN."""
        return self.tier is not Tier.PUBLIC

    @property
    def production_evidence(self) -> str:
        """Why a credential of unknown power is still plainly for production, or "": a
        production file, host or name, or a committed .env file the application loads."""
        if self.environment is Environment.PRODUCTION:
            return "it is for production"
        if self.location is LocationClass.DOTENV and self.committed:
            return "it sits in a committed .env file, which the application loads"
        return ""


@dataclass(frozen=True, slots=True)
class PolicyRule:
    name: str
    severity: Severity
    verdict: V
    why: str
    applies: Callable[[Facts], bool]


@dataclass(frozen=True, slots=True)
class Judgement:
    policy_rule: str
    verdict: V
    severity: Severity
    why: str


_KNOWN_SECRET = frozenset({Tier.ADMIN, Tier.WRITE, Tier.READ, Tier.LIMITED})
DEFAULT_RULES: tuple[PolicyRule, ...] = (
    PolicyRule("inert", Severity.NOTE, V.OK, "{inert}, so it cannot be used as found",
               lambda f: bool(f.inert)),
    PolicyRule("low-confidence", Severity.NOTE, V.UNVERIFIED_SCOPE,
               "its shape is weak ({confidence_why}), so it may well not be a credential",
               lambda f: not f.known and f.confidence is Confidence.LOW),
    PolicyRule("agent-config", Severity.ERROR, V.AGENT_REACHABLE,
               "every prompt to this agent can use it", lambda f: f.location is
               LocationClass.AGENT_CONFIG and f.secret),
    PolicyRule("shell-history", Severity.ERROR, V.AGENT_REACHABLE,
               "shell history is plain text that any agent running as you reads; rotate it",
               lambda f: f.location is LocationClass.SHELL_HISTORY and
               (f.powerful or f.tier is Tier.WRITE)),
    PolicyRule("shell-history-low", Severity.WARNING, V.AGENT_REACHABLE,
               "shell history is plain text that any agent running as you reads",
               lambda f: f.location is LocationClass.SHELL_HISTORY and f.secret),
    PolicyRule("cli-credentials-admin", Severity.WARNING, V.AGENT_REACHABLE,
               "any agent running as you can use this ADMIN or production credential; keep a "
               "narrower or short-lived one in the CLI store", lambda f: f.location is
               LocationClass.CLI_CREDENTIALS and (f.powerful or (
                   not f.known and f.environment is Environment.PRODUCTION))),
    PolicyRule("cli-credentials", Severity.NOTE, V.OK,
               "a CLI credential store is where this credential belongs",
               lambda f: f.location is LocationClass.CLI_CREDENTIALS),
    PolicyRule("client-bundle", Severity.ERROR, V.MISPLACED,
               "code shipped to browsers or apps is readable by anyone",
               lambda f: f.location is LocationClass.CLIENT_BUNDLE and f.tier in _KNOWN_SECRET
               and not f.nonprod),
    PolicyRule("production-in-nonprod", Severity.ERROR, V.MISPLACED,
               "a production credential does not belong in tests, fixtures, examples or staging",
               lambda f: ((f.environment is Environment.PRODUCTION and (f.known or f.env_decoded))
                          or (f.environment is Environment.ALL and f.known))
               and (f.location in _NON_PROD_PLACES or f.staging_path)),
    PolicyRule("admin-committed", Severity.ERROR, V.OVERPRIVILEGED,
               "an ADMIN or destructive credential must not be committed to the repository",
               lambda f: f.committed and not f.nonprod and f.powerful),
    PolicyRule("unverified-production", Severity.ERROR, V.UNVERIFIED_SCOPE,
               "what it can do is unknown, but {production}: rotate it and load it from a "
               "secret store", lambda f: not f.known and f.committed and not f.nonprod
               and f.location not in _NON_PROD_PLACES and not f.staging_path
               and bool(f.production_evidence)),
    PolicyRule("public-service", Severity.WARNING, V.UNVERIFIED_SCOPE,
               "it is a credential for {host}, a public service with no test instance: it works "
               "against the live service wherever it sits", lambda f: not f.known and
               f.committed and bool(f.public_host)),
    PolicyRule("admin-ignored", Severity.WARNING, V.AGENT_REACHABLE,
               "it is gitignored but present on disk, where any agent working here reads it",
               lambda f: not f.committed and not f.nonprod and
               (f.powerful or f.tier is Tier.WRITE)),
    PolicyRule("public-key", Severity.NOTE, V.OK, "it is a publishable key meant for clients",
               lambda f: f.tier is Tier.PUBLIC),
    PolicyRule("test-credential", Severity.NOTE, V.OK, "it is a test, sandbox or local credential",
               lambda f: f.nonprod),
    PolicyRule("example-value", Severity.NOTE, V.OK,
               "tests, fixtures and examples hold test and sample values",
               lambda f: f.location in _NON_PROD_PLACES),
    PolicyRule("unverified-scope", Severity.WARNING, V.UNVERIFIED_SCOPE,
               "a secret is committed to the repository; nothing in it tells what it can do",
               lambda f: not f.known and f.committed),
    PolicyRule("committed-secret", Severity.WARNING, V.EXPOSED,
               "a live credential is committed to the repository", lambda f: f.committed),
    PolicyRule("ignored-secret", Severity.NOTE, V.OK,
               "it is kept in a gitignored file, the usual place for local secrets",
               lambda f: True),
)
POLICY_RULES: dict[str, PolicyRule] = {r.name: r for r in DEFAULT_RULES}
_TABLE_KEYS = frozenset({"severity", "why"})


@dataclass(frozen=True, slots=True)
class Override:
    severity: Severity | None  # None: the rule is off
    why: str | None = None


def _severity(value: object, key: str, source: str) -> Severity | None:
    if value == "off":
        return None
    if isinstance(value, str) and value in ("error", "warning", "note"):
        return Severity(value)
    raise ConfigError(f"policy.{key}: {value!r} is not error, warning, note or off", path=source)


def severity_overrides(policy: Mapping[str, Any], source: str) -> dict[str, Override]:
    """Validate `[tool.credscope.policy]`; every error names the file, the key and the reason."""
    out: dict[str, Override] = {}
    for key, value in policy.items():
        if key not in POLICY_RULES:
            raise ConfigError(f"policy.{key}: unknown policy rule "
                              f"(known: {', '.join(POLICY_RULES)})", path=source)
        if not isinstance(value, dict):
            out[key] = Override(_severity(value, key, source))
            continue
        extra = sorted(set(value) - _TABLE_KEYS)
        if extra:
            raise ConfigError(f"policy.{key}.{extra[0]}: unknown key (use severity, why)",
                              path=source)
        why = value.get("why")
        if why is not None and (not isinstance(why, str) or not why.strip()):
            raise ConfigError(f"policy.{key}.why: must be a non-empty string", path=source)
        out[key] = Override(_severity(value.get("severity", POLICY_RULES[key].severity.value),
                                      f"{key}.severity", source), why)
    return out


class Policy:
    def __init__(self, overrides: Mapping[str, Override] | None = None) -> None:
        rules = []
        for rule in DEFAULT_RULES:
            o = (overrides or {}).get(rule.name)
            if o is not None and o.severity is None:
                continue
            if o is not None:
                rule = replace(rule, severity=o.severity or rule.severity, why=o.why or rule.why)
            rules.append(rule)
        self.rules = tuple(rules)

    def judge(self, facts: Facts, confidence_why: str = "") -> Judgement:
        for rule in self.rules:
            if rule.applies(facts):
                why = (rule.why.replace("{inert}", facts.inert or "it is inert")
                       .replace("{production}", facts.production_evidence or "it is live")
                       .replace("{host}", facts.public_host or "a public service")
                       .replace("{confidence_why}", confidence_why or "low confidence"))
                return Judgement(rule.name, rule.verdict, rule.severity, why)
        return Judgement("none", V.OK, Severity.NOTE, "nothing in the policy applies")
