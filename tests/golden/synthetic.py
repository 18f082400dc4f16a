"""A deterministic ScanResult built from model objects, for golden reports and the HTML bench.

Nothing here reads the clock, the disk or the rule files: the golden outputs change only when
a reporter does. Secrets are built at run time and never reach an output (every finding
carries its redacted form).
"""

from __future__ import annotations

import difflib
import hashlib
import os
import random
import string
from pathlib import Path

from scanner.matching.schema import Rule
from scanner.model import (
    Capability,
    Classification,
    Commit,
    ConfigEffect,
    Environment,
    Finding,
    Flag,
    Location,
    LocationClass,
    ScanResult,
    ScanStats,
    Scope,
    Severity,
    Skipped,
    Suppression,
    SuppressionKind,
    Tier,
    Verdict,
)
from scanner.reporters import ReportContext

ROOT = "/src/demo"
REVISION = "0123456789abcdef0123456789abcdef01234567"
C = Capability

COMMIT = Commit(sha="a1b2c3d4e5f60718293a4b5c6d7e8f9012345678", author="Dana Dev",
                email="dana@example.invalid", date="2024-03-04T05:06:07+00:00")


def _rule(rid: str, provider: str, title: str, tier: Tier, caps: tuple[Capability, ...],
          worst: Tier | None = None, narrower: str | None = None) -> Rule:
    return Rule(
        id=rid, provider=provider, title=title, description=f"{title} issued by {provider}.",
        pattern=r"x", keywords=("x",), tier=tier, worst_case=worst or tier,
        scope=Scope.ACCOUNT, capabilities=caps, environment=Environment.UNKNOWN,
        remediation=f"Revoke the {title.lower()} and issue a narrower one.",
        source_file="synthetic.toml", narrower=narrower,
        references=(f"https://docs.example.invalid/{rid}",), tags=(provider.lower(),),
    )


RULES = {r.id: r for r in (
    _rule("railway.account-token", "Railway", "Railway account token", Tier.ADMIN,
          (C.DELETE_DATA, C.DELETE_BACKUPS, C.DEPLOY, C.MANAGE_CREDENTIALS),
          narrower="Railway project token scoped to one environment"),
    _rule("stripe.secret-key", "Stripe", "Stripe secret key", Tier.ADMIN,
          (C.SPEND, C.READ_DATA, C.WRITE_DATA, C.DELETE_DATA),
          narrower="Stripe restricted key (rk_live_)"),
    _rule("github.fine-grained-pat", "GitHub", "GitHub fine-grained token", Tier.UNKNOWN,
          (C.READ_DATA, C.WRITE_DATA), worst=Tier.WRITE),
    _rule("sendgrid.api-key", "SendGrid", "SendGrid API key", Tier.LIMITED, (C.SEND,)),
    _rule("stripe.publishable-key", "Stripe", "Stripe publishable key", Tier.PUBLIC, ()),
    _rule("aws.access-key", "AWS", "AWS access key", Tier.READ, (C.READ_DATA,)),
)}


def fake_secret(prefix: str, seed: str) -> str:
    rng = random.Random(seed)
    return prefix + "".join(rng.choice(string.ascii_letters + string.digits) for _ in range(32))


def _redacted(secret: str) -> str:
    return f"{secret[:4]}…[{len(secret)} chars #{hashlib.sha256(secret.encode()).hexdigest()[:6]}]"


def finding(rule_id: str, path: str, line: int, *, env: Environment, loc: LocationClass,
            verdict: Verdict, severity: Severity, reason: str, seed: str,
            tier: Tier | None = None, flags: frozenset[Flag] = frozenset(),
            commit: Commit | None = None, label: str | None = None,
            occurrences: tuple[Location, ...] = (), suppression: Suppression | None = None,
            ) -> Finding:
    rule = RULES[rule_id]
    secret = fake_secret(rule_id.split(".")[0][:2] + "_", seed)
    location = Location(path, line, 7, 7 + len(secret), line, commit, None, label)
    return Finding(
        rule_id=rule_id, provider=rule.provider, title=rule.title, location=location,
        secret=secret, redacted=_redacted(secret),
        fingerprint="v1:" + hashlib.sha256(f"{rule_id}{seed}".encode()).hexdigest()[:40],
        classification=Classification(
            tier=tier or rule.tier, worst_case=rule.worst_case, scope=rule.scope,
            capabilities=rule.capabilities, environment=env, location=loc, flags=flags,
            verdict=verdict, severity=severity, reason=reason, remediation=rule.remediation,
            evidence=(f"rule {rule_id}",)),
        occurrences=(location, *occurrences) if occurrences else (),
        suppression=suppression,
    )


def synthetic_result() -> ScanResult:
    E, L, V, S, K = Environment, LocationClass, Verdict, Severity, SuppressionKind
    findings = (
        finding("railway.account-token", ".mcp.json", 5, env=E.PRODUCTION, loc=L.AGENT_CONFIG,
                verdict=V.AGENT_REACHABLE, severity=S.ERROR, seed="rw1",
                label="mcpServers.railway.env.RAILWAY_TOKEN",
                reason="Railway account token: ADMIN, account-wide, can delete data and "
                       "backups; it sits in .mcp.json (agent-config) where agents read it"),
        finding("stripe.secret-key", "tests/fixtures/payments.py", 12, env=E.PRODUCTION,
                loc=L.FIXTURES, verdict=V.MISPLACED, severity=S.ERROR, seed="sk1",
                commit=COMMIT,
                occurrences=(Location("docs/setup.md", 40, 3, 43, 40, COMMIT),),
                reason="Stripe secret key: ADMIN live key in test fixtures"),
        finding("github.fine-grained-pat", "deploy/old.env", 2, env=E.UNKNOWN, loc=L.DOTENV,
                verdict=V.OVERPRIVILEGED, severity=S.WARNING, seed="gh1",
                flags=frozenset({Flag.HISTORY_ONLY}), commit=COMMIT,
                reason="GitHub fine-grained token of unknown permissions (worst case WRITE); "
                       "deleted from the tree, still in history"),
        finding("sendgrid.api-key", "<img src=x onerror=alert(1)>.env", 1, env=E.STAGING,
                loc=L.DOTENV, verdict=V.AGENT_REACHABLE, severity=S.WARNING, seed="sg1",
                flags=frozenset({Flag.IGNORED_BUT_PRESENT}),
                reason="SendGrid key </script><script>alert(1)</script> & <!-- in an "
                       "ignored-but-present file"),
        finding("stripe.publishable-key", "web/src/checkout.ts", 3, env=E.TEST,
                loc=L.CLIENT_BUNDLE, verdict=V.OK, severity=S.NOTE, seed="pk1",
                reason="Stripe publishable key: PUBLIC, meant for clients"),
    )
    suppressed = tuple(
        finding("aws.access-key", path, line, env=E.UNKNOWN, loc=loc, verdict=V.OVERPRIVILEGED,
                severity=S.WARNING, seed=f"aws{kind}", reason="AWS access key (READ)",
                suppression=Suppression(kind, why))
        for kind, path, line, loc, why in (
            (K.BASELINE, "infra/main.tf", 9, L.INFRA, "in baseline .credscope-baseline"),
            (K.PRAGMA, "src/app.py", 4, L.SOURCE, "credscope: allow pragma on line 4"),
            (K.PLACEHOLDER, ".env.example", 1, L.EXAMPLES, "value is a placeholder"),
            (K.ALLOWLIST, "rules/aws.toml", 30, L.CONFIG, "allowlisted path rules/**"),
        ))
    return ScanResult(
        root=ROOT, findings=findings, suppressed=suppressed,
        skipped=(Skipped("assets/logo.png", "binary file", "binary"),
                 Skipped("data/dump.sql", "larger than 25 MiB", "too-large")),
        stats=ScanStats(files=42, bytes=123456, seconds=1.25), mode="worktree",
        notes=("submodule vendor/lib was not scanned",), stale_baseline=("v1:" + "0" * 40,),
        config_effects=(
            ConfigEffect("exclude", "vendor/**", ".credscope.toml", True, "excluded 3 files"),
            ConfigEffect("allowlist-values", ".*", ".credscope.toml", False,
                         "a pattern can allowlist every secret; only your own config, the "
                         "command line or --trust-repo-config may set it"),
        ),
        fail_on=Severity.ERROR, revision=REVISION,
        repository_uri="https://github.com/example/demo", repo_prefix="",
    )


def context() -> ReportContext:
    return ReportContext(rules=RULES)


_SPREAD = (  # (rule, env, location, verdict, severity, flags)
    ("railway.account-token", Environment.PRODUCTION, LocationClass.AGENT_CONFIG,
     Verdict.AGENT_REACHABLE, Severity.ERROR, frozenset()),
    ("stripe.secret-key", Environment.PRODUCTION, LocationClass.TESTS, Verdict.MISPLACED,
     Severity.ERROR, frozenset()),
    ("stripe.secret-key", Environment.TEST, LocationClass.TESTS, Verdict.OVERPRIVILEGED,
     Severity.ERROR, frozenset()),
    ("github.fine-grained-pat", Environment.UNKNOWN, LocationClass.CI, Verdict.OVERPRIVILEGED,
     Severity.WARNING, frozenset({Flag.HISTORY_ONLY})),
    ("sendgrid.api-key", Environment.STAGING, LocationClass.DOTENV, Verdict.AGENT_REACHABLE,
     Severity.WARNING, frozenset({Flag.IGNORED_BUT_PRESENT})),
    ("aws.access-key", Environment.PRODUCTION, LocationClass.INFRA, Verdict.EXPOSED,
     Severity.ERROR, frozenset()),
    ("stripe.publishable-key", Environment.PRODUCTION, LocationClass.CLIENT_BUNDLE, Verdict.OK,
     Severity.NOTE, frozenset()),
    ("aws.access-key", Environment.LOCAL, LocationClass.SOURCE, Verdict.OK, Severity.NOTE,
     frozenset()),
)


def many_findings(n: int) -> ScanResult:
    """`n` findings spread over every tier, place and verdict (bench and browser tests)."""
    out = []
    for i in range(n):
        rid, env, loc, verdict, sev, flags = _SPREAD[i % len(_SPREAD)]
        out.append(finding(
            rid, f"pkg{i % 37}/module_{i}/{loc.value}.cfg", 1 + i % 400, env=env, loc=loc,
            verdict=verdict, severity=sev, seed=f"many{i}", flags=flags,
            commit=COMMIT if Flag.HISTORY_ONLY in flags else None,
            reason=f"{RULES[rid].title}: {verdict.value} in {loc.value} ({env.value})"))
    return ScanResult(root=ROOT, findings=tuple(out), suppressed=(), skipped=(),
                      stats=ScanStats(files=n, bytes=n * 100, seconds=1.0),
                      revision=REVISION)


GOLDEN_DIR = Path(__file__).resolve().parent
GOLDEN_VERSION = "0.0.0-golden"


def check_golden(name: str, text: str) -> None:
    """Compare with tests/golden/NAME; CREDSCOPE_UPDATE_GOLDEN=1 rewrites it instead."""
    path = GOLDEN_DIR / name
    if os.environ.get("CREDSCOPE_UPDATE_GOLDEN") == "1":
        path.write_text(text, encoding="utf-8", newline="\n")
        return
    assert path.exists(), f"{path} missing: run with CREDSCOPE_UPDATE_GOLDEN=1"
    expected = path.read_text(encoding="utf-8")
    if text != expected:
        diff = difflib.unified_diff(expected.splitlines(), text.splitlines(), "golden", "now",
                                    lineterm="", n=1)
        raise AssertionError(f"{name} differs from the golden file (CREDSCOPE_UPDATE_GOLDEN=1 "
                             "to accept):\n" + "\n".join(list(diff)[:60]))


_LEVELS = ((Severity.ERROR, Verdict.MISPLACED, LocationClass.SOURCE),
           (Severity.WARNING, Verdict.OVERPRIVILEGED, LocationClass.CONFIG),
           (Severity.NOTE, Verdict.OK, LocationClass.TESTS))


def history_result(copies: int, distinct: int, line_shift: int = 0) -> ScanResult:
    """A history as reporters see it: one Railway token in `copies` blobs (half of them
    versions of a settings file, the token moving between 100 lines of it; half copies in up
    to 997 vendored packages), and `distinct` other secrets seen once each, a third each
    error, warning and note (AWS keys, READ). `line_shift` moves every line down (an edit above)."""
    commits = [Commit(f"{i:040x}", "Dana Dev", "dana@example.invalid",
                      f"2024-01-01T00:00:{i % 60:02d}+00:00") for i in range(64)]
    rule = RULES["railway.account-token"]
    def place(i: int) -> tuple[str, int]:  # odd: a settings.py version, even: a vendored copy
        if i % 2:
            return "config/settings.py", 1 + line_shift + (i // 2) % 100
        return f"vendor/pkg{(i // 2) % 997}/settings.py", 3 + line_shift

    places = tuple(Location(path, line, 7, 47, line, commits[i % 64], f"{i:040x}")
                   for i, (path, line) in ((i, place(i)) for i in range(copies)))
    secret = fake_secret("rw_", "history")
    token = Finding(
        rule_id=rule.id, provider=rule.provider, title=rule.title, location=places[0],
        secret=secret, redacted=_redacted(secret), fingerprint="v1:" + "a" * 40,
        classification=Classification(
            tier=Tier.ADMIN, worst_case=Tier.ADMIN, scope=Scope.ACCOUNT,
            capabilities=rule.capabilities, environment=Environment.PRODUCTION,
            location=LocationClass.CONFIG, flags=frozenset(), verdict=Verdict.MISPLACED,
            severity=Severity.ERROR, reason="Railway account token: ADMIN in config",
            remediation=rule.remediation, evidence=(f"rule {rule.id}",)),
        occurrences=places)
    others = []
    for i in range(distinct):
        severity, verdict, loc = _LEVELS[i % 3]
        line = 1 + line_shift + i % 50
        others.append(finding(
            "aws.access-key", f"keys/batch{i // 100}.txt", line, env=Environment.UNKNOWN,
            loc=loc, verdict=verdict, severity=severity, seed=f"h{i}",
            commit=commits[i % 64], reason=f"AWS access key {i % 7}"))
    findings = sorted((token, *others), key=lambda f: (-f.severity.rank, f.location.path,
                                                        f.location.line, f.fingerprint))
    return ScanResult(root=ROOT, findings=tuple(findings), suppressed=(), skipped=(),
                      stats=ScanStats(files=copies + distinct, bytes=1, seconds=1.0),
                      mode="history", revision=REVISION)
