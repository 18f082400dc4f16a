"""Context, environment and placement: names around a match, hosts beside it, path segments,
location classes (agent configuration, client bundles) and the forced location of a source."""

from __future__ import annotations

import pytest

from scanner.classify.classifier import DefaultClassifier
from scanner.classify.context import assigned_name, surroundings
from scanner.classify.decoders import Surroundings
from scanner.classify.environment import path_environment, resolve
from scanner.classify.placement import location_class
from scanner.matching.schema import Rule
from scanner.model import (
    Blob,
    Environment,
    Flag,
    LocationClass,
    Match,
    Scope,
    Severity,
    Tier,
    Verdict,
)

E, L = Environment, LocationClass


@pytest.mark.parametrize(("before", "name"), [
    ("RAILWAY_API_TOKEN=", "RAILWAY_API_TOKEN"),
    ('export RAILWAY_TOKEN="', "RAILWAY_TOKEN"),
    ('    "GITHUB_PERSONAL_ACCESS_TOKEN": "', "GITHUB_PERSONAL_ACCESS_TOKEN"),
    ("Project-Access-Token: ", "Project-Access-Token"),
    ('headers = {"Authorization": "Bearer ', "Authorization"),
    ("DATABASE_URL=postgres://postgres:", "DATABASE_URL"),
    ("stripe_key: ${{ ", "stripe_key"),
    ("print(", ""),
])
def test_assigned_name(before: str, name: str) -> None:
    assert assigned_name(before) == name


def test_surroundings_has_key_line_and_window() -> None:
    data = b"one\ntwo\nthree\nfour\nSTRIPE_KEY_PROD=sk_x\nfive\nsix\nseven\neight\n"
    start = data.index(b"sk_x")
    around = surroundings(Blob("a.env", data), Match("r", start, start + 4, "sk_x", 5, 17, 21, 5))
    assert around.key == "STRIPE_KEY_PROD"
    assert around.line == "STRIPE_KEY_PROD=sk_x"
    assert around.window.splitlines() == ["two", "three", "four", "STRIPE_KEY_PROD=sk_x",
                                          "five", "six", "seven"]


@pytest.mark.parametrize(("path", "env"), [
    (".env.production", E.PRODUCTION), ("k8s/prod/secret.yaml", E.PRODUCTION),
    ("deploy/staging/values.yaml", E.STAGING), (".env.staging", E.STAGING),
    ("tests/conftest.py", E.TEST), (".env.local", E.LOCAL), ("config/dev.json", E.LOCAL),
    ("src/app.py", E.UNKNOWN), ("src/products/x.py", E.UNKNOWN),
])
def test_path_environment(path: str, env: Environment) -> None:
    assert path_environment(path) is env


@pytest.mark.parametrize(("around", "path", "env", "said"), [
    (Surroundings(key="STRIPE_KEY_PROD"), "src/a.py", E.PRODUCTION, "name"),
    (Surroundings(key="PAYMENTS_LIVE_SECRET"), "src/a.py", E.PRODUCTION, "name"),
    (Surroundings(key="API_TOKEN_STAGING"), ".env.production", E.STAGING, "name"),
    (Surroundings(key="TOKEN", line="url = https://api.staging.acme.io"), "a.py", E.STAGING,
     "host"),
    (Surroundings(key="TOKEN", window="API=http://localhost:8080"), "a.py", E.LOCAL, "host"),
    (Surroundings(key="TOKEN"), "infra/prod/main.tf", E.PRODUCTION, "path"),
    (Surroundings(key="TOKEN"), "src/a.py", E.UNKNOWN, "nothing"),
])
def test_environment_from_context(around: Surroundings, path: str, env: Environment,
                                  said: str) -> None:
    got = resolve(None, E.UNKNOWN, around, path, L.SOURCE)
    assert got.environment is env and said in got.evidence[0]


def test_token_and_rule_environment_beat_context() -> None:
    around = Surroundings(key="KEY_TEST")
    assert resolve(E.PRODUCTION, E.UNKNOWN, around, "tests/x", L.TESTS).environment \
        is E.PRODUCTION
    assert resolve(None, E.STAGING, around, "tests/x", L.TESTS).environment is E.STAGING
    assert resolve(None, E.UNKNOWN, Surroundings(), "x/fixture.json", L.FIXTURES
                   ).environment is E.TEST


@pytest.mark.parametrize(("path", "cls"), [
    (".mcp.json", L.AGENT_CONFIG), (".cursor/mcp.json", L.AGENT_CONFIG),
    (".vscode/mcp.json", L.AGENT_CONFIG), (".claude/settings.local.json", L.AGENT_CONFIG),
    ("AGENTS.md", L.AGENT_CONFIG), ("pkg/CLAUDE.md", L.AGENT_CONFIG),
    (".github/copilot-instructions.md", L.AGENT_CONFIG), (".cursorrules", L.AGENT_CONFIG),
    ("web/src/lib/stripe.ts", L.CLIENT_BUNDLE), ("frontend/app.jsx", L.CLIENT_BUNDLE),
    ("dist/assets/index-4f2a.js", L.CLIENT_BUNDLE), (".next/static/chunks/main.js",
                                                      L.CLIENT_BUNDLE),
    ("web/server.py", L.SOURCE), (".github/workflows/deploy.yml", L.CI),
    ("infra/prod.tfvars", L.INFRA), (".env", L.DOTENV), (".env.example", L.EXAMPLES),
    ("tests/fixtures/keys.json", L.FIXTURES), ("tests/test_api.py", L.TESTS),
    ("docs/setup.md", L.DOCS), ("config/app.yaml", L.CONFIG), ("scripts/deploy.sh", L.SOURCE),
])
def test_location_classes(path: str, cls: LocationClass) -> None:
    assert location_class(path) is cls


def _rule(**over: object) -> Rule:
    base: dict[str, object] = dict(
        id="acme.token", provider="Acme", title="Acme token", description="d",
        pattern=r"(acme_[a-z0-9]{16})", keywords=("acme_",), tier=Tier.ADMIN,
        worst_case=Tier.ADMIN, scope=Scope.ACCOUNT, capabilities=(), environment=E.UNKNOWN,
        remediation="Revoke it.", source_file="x.toml")
    base.update(over)
    return Rule(**base)  # type: ignore[arg-type]


def _classify(rule: Rule, text: str, path: str, **blob: object):  # type: ignore[no-untyped-def]
    data = text.encode()
    secret = "acme_" + "k3j9x0q2m7v1w8z4"
    start = data.index(secret.encode())
    match = Match(rule.id, start, start + len(secret), secret, 1, start + 1,
                  start + 1 + len(secret), 1)
    return DefaultClassifier().classify(rule, match, Blob(path, data, **blob))  # type: ignore[arg-type]


def test_location_hint_is_graded_by_the_policy() -> None:
    c = _classify(_rule(), "TOKEN=acme_k3j9x0q2m7v1w8z4\n", ".bash_history",
                  location_hint=L.SHELL_HISTORY, display_path="~/.bash_history")
    assert (c.location, c.verdict, c.severity) == (L.SHELL_HISTORY, Verdict.AGENT_REACHABLE,
                                                   Severity.ERROR)
    assert "~/.bash_history" in c.reason
    # credscope: allow: the next line holds a deliberate fake or public value
    mcp = _classify(_rule(), '{"env": {"ACME_TOKEN": "acme_k3j9x0q2m7v1w8z4"}}', "mcp.json",
                    location_hint=L.AGENT_CONFIG)
    assert mcp.severity is Severity.ERROR and "every prompt to this agent can use it" in mcp.reason
    cli = _classify(_rule(), "token = acme_k3j9x0q2m7v1w8z4", ".config/acme/hosts",
                    location_hint=L.CLI_CREDENTIALS)
    assert (cli.verdict, cli.severity) == (Verdict.AGENT_REACHABLE, Severity.WARNING)


def test_public_build_variable_makes_it_a_client_bundle() -> None:
    c = _classify(_rule(tier=Tier.READ, worst_case=Tier.READ),
                  "NEXT_PUBLIC_ACME_TOKEN=acme_k3j9x0q2m7v1w8z4\n", "apps/site/.env")
    assert c.location is L.CLIENT_BUNDLE and c.verdict is Verdict.MISPLACED
    assert any("NEXT_PUBLIC_ACME_TOKEN is inlined" in e for e in c.evidence)


def test_reason_sentence_and_narrower_remediation() -> None:
    rule = _rule(narrower="an Acme project token", title="Acme account token")
    c = _classify(rule, "ACME=acme_k3j9x0q2m7v1w8z4\n", "scripts/notes.md")
    assert c.reason.startswith("Acme account token: ADMIN, account-wide")
    assert "it sits in scripts/notes.md (docs), which any agent working in this repository " \
           "reads" in c.reason
    assert c.remediation.endswith("Narrower credential to use instead: an Acme project token.")
    ignored = _classify(rule, "ACME=acme_k3j9x0q2m7v1w8z4\n", ".env",
                        flags=frozenset({Flag.IGNORED_BUT_PRESENT}))
    assert "gitignored but on disk" in ignored.reason and ignored.severity is Severity.WARNING
    gone = _classify(rule, "ACME=acme_k3j9x0q2m7v1w8z4\n", "old.txt",
                     flags=frozenset({Flag.HISTORY_ONLY}))
    assert "still in git history" in gone.reason


def test_unknown_tier_ranks_as_worst_case_and_says_so() -> None:
    c = _classify(_rule(tier=Tier.UNKNOWN, worst_case=Tier.ADMIN), "x acme_k3j9x0q2m7v1w8z4",
                  "src/a.py")
    assert c.tier is Tier.UNKNOWN and c.worst_case is Tier.ADMIN
    assert c.effective_tier is Tier.ADMIN  # ranked (reports sort by it) as its worst case
    # ... but judged by what is known: UNKNOWN is not ADMIN (design.md, severity from evidence)
    assert "UNKNOWN (worst case ADMIN)" in c.reason and c.verdict is Verdict.UNVERIFIED_SCOPE
    assert c.severity is Severity.WARNING


def test_environment_from_structured_label() -> None:
    from scanner.classify.environment import label_environment
    from scanner.model import Environment

    assert label_environment("[prod] aws_secret_access_key") is Environment.PRODUCTION
    assert label_environment("mcpServers.github-staging.env.TOKEN") is Environment.STAGING
    assert label_environment("[default] aws_secret_access_key") is Environment.UNKNOWN
    assert label_environment(None) is Environment.UNKNOWN
