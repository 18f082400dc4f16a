"""The policy: defaults of design.md, per-rule overrides from [tool.credscope.policy], and bad
entries that fail with file, key and reason (exit 2)."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from scanner.classify.policy import Facts, Policy, severity_overrides
from scanner.cli import app
from scanner.errors import ConfigError
from scanner.model import (
    Capability,
    Confidence,
    Environment,
    Flag,
    LocationClass,
    Severity,
    Tier,
    Verdict,
)

L, E = LocationClass, Environment
IGNORED = frozenset({Flag.IGNORED_BUT_PRESENT})


def facts(tier: Tier = Tier.WRITE, env: Environment = E.UNKNOWN, loc: LocationClass = L.SOURCE,
          flags: frozenset[Flag] = frozenset(), caps: frozenset[Capability] = frozenset(),
          staging: bool = False, inert: str = "", confidence: Confidence = Confidence.MEDIUM,
          worst: Tier = Tier.UNKNOWN, env_decoded: bool = False, public_host: str = ""
          ) -> Facts:
    return Facts(tier=tier, capabilities=caps, environment=env, location=loc, flags=flags,
                 staging_path=staging, inert=inert, confidence=confidence, worst_case=worst,
                 env_decoded=env_decoded, public_host=public_host)


def unknown(env: Environment = E.UNKNOWN, loc: LocationClass = L.SOURCE,
            confidence: Confidence = Confidence.MEDIUM, **kw: object) -> Facts:
    """A secret whose power the text cannot tell (a generic detector's, mostly), with the
    worst case its rule fears; `kw` as for facts()."""
    return facts(Tier.UNKNOWN, env, loc, confidence=confidence, worst=Tier.ADMIN,
                 caps=frozenset({Capability.DELETE_DATA}), **kw)  # type: ignore[arg-type]


DEFAULTS = [
    (facts(Tier.ADMIN, loc=L.DOCS), "admin-committed", Verdict.OVERPRIVILEGED, Severity.ERROR),
    (facts(Tier.WRITE, caps=frozenset({Capability.DELETE_BACKUPS})), "admin-committed",
     Verdict.OVERPRIVILEGED, Severity.ERROR),
    (facts(Tier.ADMIN, E.PRODUCTION, L.CONFIG, staging=True), "production-in-nonprod",
     Verdict.MISPLACED, Severity.ERROR),
    (facts(Tier.READ, E.PRODUCTION, L.FIXTURES), "production-in-nonprod", Verdict.MISPLACED,
     Severity.ERROR),
    (facts(Tier.ADMIN, loc=L.CLIENT_BUNDLE), "client-bundle", Verdict.MISPLACED, Severity.ERROR),
    (facts(Tier.PUBLIC, E.PRODUCTION, L.CLIENT_BUNDLE), "public-key", Verdict.OK, Severity.NOTE),
    (facts(Tier.LIMITED, loc=L.AGENT_CONFIG), "agent-config", Verdict.AGENT_REACHABLE,
     Severity.ERROR),
    (facts(Tier.PUBLIC, loc=L.AGENT_CONFIG), "public-key", Verdict.OK, Severity.NOTE),
    (facts(Tier.ADMIN, E.PRODUCTION, L.DOTENV, IGNORED), "admin-ignored",
     Verdict.AGENT_REACHABLE, Severity.WARNING),
    (facts(Tier.READ, E.PRODUCTION, L.DOTENV, IGNORED), "ignored-secret", Verdict.OK,
     Severity.NOTE),
    (facts(Tier.ADMIN, E.TEST, L.FIXTURES), "test-credential", Verdict.OK, Severity.NOTE),
    (facts(Tier.WRITE, E.STAGING, L.CI, staging=True), "committed-secret", Verdict.EXPOSED,
     Severity.WARNING),
    (facts(Tier.ADMIN, inert="it has expired"), "inert", Verdict.OK, Severity.NOTE),
    (facts(Tier.ADMIN, loc=L.SHELL_HISTORY), "shell-history", Verdict.AGENT_REACHABLE,
     Severity.ERROR),
    (facts(Tier.LIMITED, loc=L.SHELL_HISTORY), "shell-history-low", Verdict.AGENT_REACHABLE,
     Severity.WARNING),
    (facts(Tier.ADMIN, loc=L.CLI_CREDENTIALS), "cli-credentials-admin", Verdict.AGENT_REACHABLE,
     Severity.WARNING),
    (facts(Tier.READ, loc=L.CLI_CREDENTIALS), "cli-credentials", Verdict.OK, Severity.NOTE),
]

# Severity from evidence (docs/classification.md): what is known against what is guessed.
SEVERITY_FROM_EVIDENCE = [
    # UNKNOWN is not ADMIN: a committed secret of unknown power is a warning, whatever its
    # worst case and the capabilities that worst case would bring.
    (unknown(), "unverified-scope", Verdict.UNVERIFIED_SCOPE, Severity.WARNING),
    (unknown(loc=L.DOCS), "unverified-scope", Verdict.UNVERIFIED_SCOPE, Severity.WARNING),
    (unknown(loc=L.CLIENT_BUNDLE), "unverified-scope", Verdict.UNVERIFIED_SCOPE,
     Severity.WARNING),
    # ... an error with plain production evidence: a production file, host or name, or a
    # committed .env file the application loads.
    (unknown(E.PRODUCTION, L.CONFIG), "unverified-production", Verdict.UNVERIFIED_SCOPE,
     Severity.ERROR),
    (unknown(loc=L.DOTENV), "unverified-production", Verdict.UNVERIFIED_SCOPE, Severity.ERROR),
    (unknown(E.PRODUCTION, L.INFRA), "unverified-production", Verdict.UNVERIFIED_SCOPE,
     Severity.ERROR),
    # ... and in agent configuration or instructions, any secret is an error.
    (unknown(loc=L.AGENT_CONFIG), "agent-config", Verdict.AGENT_REACHABLE, Severity.ERROR),
    # A weak shape is a note, wherever it is.
    (unknown(loc=L.AGENT_CONFIG, confidence=Confidence.LOW), "low-confidence",
     Verdict.UNVERIFIED_SCOPE, Severity.NOTE),
    (unknown(E.PRODUCTION, L.DOTENV, confidence=Confidence.LOW), "low-confidence",
     Verdict.UNVERIFIED_SCOPE, Severity.NOTE),
    # Test, fixture and example values are notes.
    (unknown(loc=L.EXAMPLES), "example-value", Verdict.OK, Severity.NOTE),
    (unknown(E.TEST, L.TESTS), "test-credential", Verdict.OK, Severity.NOTE),
    # (a credential known to be ADMIN is an error even in an example: samples are
    # placeholders, and a well-formed admin credential there was pasted, not made up)
    (facts(Tier.ADMIN, loc=L.EXAMPLES), "admin-committed", Verdict.OVERPRIVILEGED,
     Severity.ERROR),
    (facts(Tier.READ, loc=L.EXAMPLES), "example-value", Verdict.OK, Severity.NOTE),
    (unknown(E.LOCAL, L.DOTENV), "test-credential", Verdict.OK, Severity.NOTE),
    # A production name on a guessed secret in tests is not a known production credential...
    (unknown(E.PRODUCTION, L.TESTS), "example-value", Verdict.OK, Severity.NOTE),
    # ... but one the token itself says is live is.
    (unknown(E.PRODUCTION, L.TESTS, env_decoded=True), "production-in-nonprod",
     Verdict.MISPLACED, Severity.ERROR),
    # Known danger stays an error: ADMIN or destructive, committed.
    (facts(Tier.ADMIN, loc=L.SOURCE), "admin-committed", Verdict.OVERPRIVILEGED, Severity.ERROR),
    (facts(Tier.READ, loc=L.SOURCE), "committed-secret", Verdict.EXPOSED, Severity.WARNING),
    # Gitignored: unknown power is a note, known ADMIN a warning.
    (unknown(flags=IGNORED), "ignored-secret", Verdict.OK, Severity.NOTE),
    # A CLI store: the right place, unless the credential is ADMIN or for production.
    (unknown(loc=L.CLI_CREDENTIALS), "cli-credentials", Verdict.OK, Severity.NOTE),
    (unknown(E.PRODUCTION, L.CLI_CREDENTIALS), "cli-credentials-admin",
     Verdict.AGENT_REACHABLE, Severity.WARNING),
    # A credential for a public service's own host works against the live service, even in
    # a test: a warning (not an error: the file says test).
    (unknown(E.TEST, L.TESTS, public_host="gitlab.com"), "public-service",
     Verdict.UNVERIFIED_SCOPE, Severity.WARNING),
    (unknown(E.TEST, L.TESTS, confidence=Confidence.LOW, public_host="github.com"),
     "low-confidence", Verdict.UNVERIFIED_SCOPE, Severity.NOTE),
    # Shell history: unknown power is a warning; known ADMIN or WRITE an error.
    (unknown(loc=L.SHELL_HISTORY), "shell-history-low", Verdict.AGENT_REACHABLE,
     Severity.WARNING),
]


@pytest.mark.parametrize(("f", "rule", "verdict", "severity"), SEVERITY_FROM_EVIDENCE,
                         ids=[f"{d[1]}-{i}" for i, d in enumerate(SEVERITY_FROM_EVIDENCE)])
def test_severity_from_evidence(f: Facts, rule: str, verdict: Verdict, severity: Severity
                                ) -> None:
    j = Policy().judge(f)
    assert (j.policy_rule, j.verdict, j.severity) == (rule, verdict, severity)
    assert j.why and "{" not in j.why


def test_unknown_tier_is_never_overprivileged() -> None:
    """Whatever the worst case and the place, a guess never makes the verdict overprivileged."""
    for loc in LocationClass:
        for env in Environment:
            for conf in Confidence:
                j = Policy().judge(unknown(env, loc, conf))
                assert j.verdict is not Verdict.OVERPRIVILEGED, (loc, env, conf)
                if conf is Confidence.LOW:
                    assert j.severity is Severity.NOTE, (loc, env)


def test_every_default_rule_is_documented() -> None:
    from pathlib import Path

    doc = (Path(__file__).resolve().parents[1] / "docs" / "classification.md").read_text()
    from scanner.classify.policy import DEFAULT_RULES

    missing = [r.name for r in DEFAULT_RULES if f"`{r.name}`" not in doc]
    assert not missing, f"policy rules missing from docs/classification.md: {missing}"


def test_new_rules_can_be_overridden() -> None:
    policy = Policy(severity_overrides({"unverified-scope": "error", "low-confidence": "off"},
                                       "pyproject.toml"))
    assert policy.judge(unknown()).severity is Severity.ERROR
    low = policy.judge(unknown(confidence=Confidence.LOW))
    assert low.policy_rule == "unverified-scope" and low.severity is Severity.ERROR


@pytest.mark.parametrize(("f", "rule", "verdict", "severity"), DEFAULTS,
                         ids=[f"{d[1]}-{i}" for i, d in enumerate(DEFAULTS)])
def test_default_policy(f: Facts, rule: str, verdict: Verdict, severity: Severity) -> None:
    j = Policy().judge(f)
    assert (j.policy_rule, j.verdict, j.severity) == (rule, verdict, severity)
    assert j.why and "{" not in j.why


def test_expired_reason_is_spelled_out() -> None:
    assert Policy().judge(facts(inert="it has expired")).why.startswith("it has expired")


def test_overrides_change_severity_switch_off_and_reword() -> None:
    policy = Policy(severity_overrides({
        "admin-committed": "warning",
        "agent-config": {"severity": "note", "why": "we trust our agents"},
        "inert": "off",
    }, "pyproject.toml"))
    assert policy.judge(facts(Tier.ADMIN)).severity is Severity.WARNING
    agent = policy.judge(facts(Tier.LIMITED, loc=L.AGENT_CONFIG))
    assert (agent.severity, agent.why) == (Severity.NOTE, "we trust our agents")
    assert policy.judge(facts(Tier.ADMIN, inert="it has expired")).policy_rule == \
        "admin-committed"


@pytest.mark.parametrize(("policy", "fragment"), [
    ({"no-such-rule": "error"}, "policy.no-such-rule: unknown policy rule"),
    ({"admin-committed": "fatal"}, "policy.admin-committed: 'fatal' is not error"),
    ({"admin-committed": 3}, "policy.admin-committed: 3 is not error"),
    ({"agent-config": {"level": "note"}}, "policy.agent-config.level: unknown key"),
    ({"agent-config": {"severity": "loud"}}, "policy.agent-config.severity: 'loud'"),
    ({"agent-config": {"why": ""}}, "policy.agent-config.why: must be a non-empty string"),
])
def test_bad_policy_entries_name_file_key_and_reason(policy: dict[str, object],
                                                     fragment: str) -> None:
    with pytest.raises(ConfigError) as err:
        severity_overrides(policy, "/repo/pyproject.toml")
    assert err.value.path == "/repo/pyproject.toml"
    assert fragment in str(err.value)


def test_bad_policy_entry_exits_2_through_the_cli(tmp_path: object) -> None:
    from pathlib import Path

    root = Path(str(tmp_path))
    (root / "pyproject.toml").write_text(
        '[tool.credscope.policy]\nadmin-committed = "loud"\n', encoding="utf-8")
    (root / "app.py").write_text("x = 1\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["scan", str(root), "--no-progress"])
    assert result.exit_code == 2, result.output
    said = result.output + (result.stderr if result.stderr_bytes is not None else "")
    assert str(root / "pyproject.toml") in said
    assert "policy.admin-committed" in said and "'loud' is not error, warning, note or off" in said
    assert "Traceback" not in said
