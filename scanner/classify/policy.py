"""Policy: (tier, capabilities, environment, location, flags) -> verdict, severity, why.

The defaults follow design.md; `[tool.credscope.policy]` may change the severity of each
named rule of the policy (see POLICY_RULES) or switch one off with "off".
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from scanner.errors import ConfigError
from scanner.model import DESTRUCTIVE, Capability, Environment, Flag, LocationClass, Severity, Tier
from scanner.model import Verdict as V

_NON_PROD_PLACES = frozenset({LocationClass.TESTS, LocationClass.FIXTURES, LocationClass.EXAMPLES})


@dataclass(frozen=True, slots=True)
class Facts:
    tier: Tier  # effective tier (UNKNOWN already resolved to its worst case)
    capabilities: frozenset[Capability]
    environment: Environment
    location: LocationClass
    flags: frozenset[Flag]
    staging_path: bool = False


@dataclass(frozen=True, slots=True)
class Judgement:
    policy_rule: str
    verdict: V
    severity: Severity
    why: str


# name -> (default severity, verdict, why). Order matters: the first that applies decides.
POLICY_RULES: dict[str, tuple[Severity, V, str]] = {
    "agent-config": (Severity.ERROR, V.AGENT_REACHABLE,
                     "it sits in agent configuration or instructions: every prompt to the "
                     "agent can use it"),
    "client-bundle": (Severity.ERROR, V.MISPLACED,
                      "it sits in code shipped to browsers or apps, where anyone can read it"),
    "production-in-nonprod": (Severity.ERROR, V.MISPLACED,
                              "a production credential does not belong in tests, fixtures, "
                              "examples or staging"),
    "admin-committed": (Severity.ERROR, V.OVERPRIVILEGED,
                        "an ADMIN or destructive credential is committed to the repository"),
    "admin-ignored": (Severity.WARNING, V.AGENT_REACHABLE,
                      "it is gitignored but present on disk, where any agent working here "
                      "reads it"),
    "public-key": (Severity.NOTE, V.OK, "it is a publishable key meant for clients"),
    "test-credential": (Severity.NOTE, V.OK,
                        "it is a test, sandbox or local credential"),
    "committed-secret": (Severity.WARNING, V.EXPOSED,
                         "a live credential is committed to the repository"),
}


def severity_overrides(policy: Mapping[str, Any], source: str) -> dict[str, Severity | None]:
    """Validate `[tool.credscope.policy]`: each key a policy rule, each value a severity or
    "off". Errors name the file, the key and the reason."""
    out: dict[str, Severity | None] = {}
    for key, value in policy.items():
        if key not in POLICY_RULES:
            raise ConfigError(f"policy.{key}: unknown policy rule "
                              f"(known: {', '.join(POLICY_RULES)})", path=source)
        if value == "off":
            out[key] = None
            continue
        try:
            sev = Severity(value)
        except ValueError:
            raise ConfigError(f"policy.{key}: {value!r} is not error, warning, note or off",
                              path=source) from None
        out[key] = sev
    return out


class Policy:
    def __init__(self, overrides: Mapping[str, Severity | None] | None = None) -> None:
        self.overrides = dict(overrides or {})

    def judge(self, facts: Facts) -> Judgement:
        for name in POLICY_RULES:
            if name in self.overrides and self.overrides[name] is None:
                continue
            if _applies(name, facts):
                default, verdict, why = POLICY_RULES[name]
                sev = self.overrides.get(name) or default
                return Judgement(name, verdict, sev, why)
        return Judgement("none", V.OK, Severity.NOTE, "nothing in the policy applies")


def _applies(name: str, f: Facts) -> bool:
    committed = Flag.IGNORED_BUT_PRESENT not in f.flags
    nonprod_env = f.environment in (Environment.TEST, Environment.LOCAL, Environment.STAGING)
    match name:
        case "agent-config":
            return f.location is LocationClass.AGENT_CONFIG and f.tier is not Tier.PUBLIC
        case "client-bundle":
            return f.location is LocationClass.CLIENT_BUNDLE and f.tier is not Tier.PUBLIC \
                and not nonprod_env
        case "production-in-nonprod":
            return f.environment is Environment.PRODUCTION and (
                f.location in _NON_PROD_PLACES or f.staging_path)
        case "admin-committed":
            return committed and not nonprod_env and (
                f.tier is Tier.ADMIN or bool(f.capabilities & DESTRUCTIVE))
        case "admin-ignored":
            return not committed and f.tier in (Tier.ADMIN, Tier.WRITE) and not nonprod_env
        case "public-key":
            return f.tier is Tier.PUBLIC
        case "test-credential":
            return nonprod_env
        case "committed-secret":
            return committed
    return False
