"""The terminal report, laid out for triage: golden output at 80 and 160 columns, and the
properties it must keep whatever the data (order, one reason each, filters, widths, safety).

The ScanResult is built from model objects (no clock, disk or rules), with fixed fingerprints
and redacted forms, so the golden files change only when the report does. Regenerate them
with CREDSCOPE_UPDATE_GOLDEN=1 after a deliberate change, and read the diff.
"""

from __future__ import annotations

import hashlib
import os
import re
from dataclasses import replace
from pathlib import Path

import pytest

from scanner.explain import find
from scanner.model import (
    Capability,
    Classification,
    Commit,
    Confidence,
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
from scanner.reporters.cells import cell_len, fit
from scanner.reporters.terminal import by_file, render, short_ids, why

GOLDEN = Path(__file__).parent / "terminal_golden"
E, L, V, S, C = Environment, LocationClass, Verdict, Severity, Confidence
COMMIT = Commit(sha="a1b2c3d4e5f60718293a4b5c6d7e8f9012345678", author="Dana Dev",
                email="dana@example.invalid", date="2024-03-04T05:06:07+00:00")
WHY = {
    "admin-committed": (V.OVERPRIVILEGED, S.ERROR),
    "agent-config": (V.AGENT_REACHABLE, S.ERROR),
    "client-bundle": (V.MISPLACED, S.ERROR),
    "admin-ignored": (V.AGENT_REACHABLE, S.WARNING),
    "committed-secret": (V.EXPOSED, S.WARNING),
    "test-credential": (V.OK, S.NOTE),
}


def _finding(name: str, path: str, line: int, column: int, provider: str, tier: Tier,
             env: Environment, where: LocationClass, policy: str, confidence: Confidence,
             excerpt: tuple[str, str], *, worst: Tier | None = None, label: str | None = None,
             commit: Commit | None = None, also: int = 0,
             flags: frozenset[Flag] = frozenset()) -> Finding:
    verdict, severity = WHY[policy]
    secret = name.upper() * 4  # never shown: every output here is redacted
    digest = hashlib.sha256(name.encode()).hexdigest()
    loc = Location(path, line, column, column + 20, line, commit=commit, label=label)
    others = tuple(replace(loc, path=f"other/{name}-{i}.py", line=i + 1) for i in range(also))
    return Finding(
        rule_id=f"{provider.lower()}.token", provider=provider, title=f"{provider} token",
        location=loc, secret=secret,
        redacted=f"{secret[:4]}…[{len(secret)} chars #{digest[:6]}]",
        fingerprint=f"v1:{digest[:40]}",
        classification=Classification(
            tier=tier, worst_case=worst or tier, scope=Scope.ACCOUNT,
            capabilities=(Capability.READ_DATA,), environment=env, location=where,
            flags=flags, verdict=verdict, severity=severity,
            reason=f"{provider} token: {tier}; it sits in {path} ({where}), which any agent "
                   "working in this repository reads: " + name,
            remediation=f"Revoke the {provider} token and issue one scoped to a single "
                        "project; keep it in the CI secret store.",
            details=(("policy-rule", policy),), confidence=confidence),
        occurrences=(loc, *others) if also else (),
        excerpt=excerpt)


def synthetic() -> ScanResult:
    findings = [
        _finding("stripe", "app/settings.py", 12, 15, "Stripe", Tier.ADMIN, E.PRODUCTION,
                 L.SOURCE, "admin-committed", C.HIGH, ('STRIPE_KEY = "', '"  # billing')),
        _finding("generic", "app/settings.py", 40, 14, "Generic", Tier.UNKNOWN, E.UNKNOWN,
                 L.SOURCE, "committed-secret", C.LOW, ("password = '", "'"),
                 worst=Tier.WRITE),
        _finding("github", ".mcp.json", 6, 48, "GitHub", Tier.UNKNOWN, E.UNKNOWN,
                 L.AGENT_CONFIG, "agent-config", C.HIGH,
                 ('"env": {"GITHUB_PERSONAL_ACCESS_TOKEN": "', '"}'), worst=Tier.ADMIN,
                 label="mcpServers.github.env.GITHUB_PERSONAL_ACCESS_TOKEN"),
        _finding("railway", "infra/deploy/production/terraform.tfvars", 3, 19, "Railway",
                 Tier.ADMIN, E.PRODUCTION, L.INFRA, "admin-committed", C.MEDIUM,
                 ("railway_token = \"", "\""), commit=COMMIT, also=3),
        _finding("supabase", "web/dist/assets/app.min.js", 1, 90412, "Supabase", Tier.ADMIN,
                 E.UNKNOWN, L.CLIENT_BUNDLE, "client-bundle", C.HIGH,
                 ("…" + "function(e){return e&&e.__esModule?e:{default:e}}" * 3
                  + 'createClient(url,"', '",{auth:{persistSession:!1}});'
                  + "var r=Object.defineProperty;" * 4 + "…")),
        _finding("dotenv", ".env", 2, 19, "Stripe", Tier.ADMIN, E.PRODUCTION, L.DOTENV,
                 "admin-ignored", C.HIGH, ("STRIPE_SECRET_KEY=", ""),
                 flags=frozenset({Flag.IGNORED_BUT_PRESENT})),
        _finding("fixture", "tests/fixtures/stripe.json", 1, 14, "Stripe", Tier.ADMIN, E.TEST,
                 L.FIXTURES, "test-credential", C.HIGH, ('{"api_key": "', '", "amount": 1}')),
        _finding("wide", "docs/日本語/メモ.md", 4, 9, "OpenAI", Tier.WRITE, E.UNKNOWN,
                 L.DOCS, "committed-secret", C.MEDIUM, ("キー: `", "` を使う")),
        _finding("hostile", "docs/evil\x1b[31m\u202e.md", 2, 7, "Slack", Tier.WRITE,
                 E.UNKNOWN, L.DOCS, "committed-secret", C.MEDIUM,
                 ("\ttoken\x07=", "\x1b]8;;http://x\x07\r\nFAKE: 0 findings")),
    ]
    suppressed = [replace(findings[0], fingerprint="v1:" + "f" * 40,
                          suppression=Suppression(SuppressionKind.PRAGMA, "pragma"))]
    return ScanResult(
        root="/src/demo", findings=tuple(findings), suppressed=tuple(suppressed),
        skipped=(Skipped("data/huge.csv", "larger than max-file-size (90,000,000 bytes)",
                         "too-large"),
                 Skipped("logo.png", "binary file", "binary")),
        stats=ScanStats(files=1234, bytes=5 * 1024 * 1024, seconds=1.5),
        notes=("shallow clone: history before the boundary is not scanned",),
        stale_baseline=tuple(f"v1:{i:040x}" for i in range(7)),
    )


@pytest.mark.parametrize(("width", "verbose"), [(80, False), (160, False), (100, True)])
def test_golden_layout(width: int, verbose: bool) -> None:
    text = render(synthetic(), ReportContext(width=width, verbose=verbose))
    golden = GOLDEN / f"report-{width}{'-verbose' if verbose else ''}.txt"
    if os.environ.get("CREDSCOPE_UPDATE_GOLDEN"):
        golden.parent.mkdir(exist_ok=True)
        golden.write_text(text, encoding="utf-8")
    assert text == golden.read_text(encoding="utf-8"), f"regenerate {golden.name}?"


@pytest.mark.parametrize("width", [60, 80, 120, 160, 240])
def test_lines_fit_the_width(width: int) -> None:
    text = render(synthetic(), ReportContext(width=width))
    findings_part = text.split("\nwhy\n")[0]

    locations = [f"{f.location.path}:{f.location.line}:{f.location.column}"
                 for f in synthetic().findings]
    for line in findings_part.splitlines():
        if cell_len(line) > width:  # only a location longer than the room for it may
            [loc] = [loc for loc in locations if loc in line]
            assert cell_len(line) - cell_len(loc) < 30, line


def test_one_line_per_finding_when_wide_two_when_narrow() -> None:
    result = synthetic()
    wide = render(result, ReportContext(width=160)).splitlines()
    ids = short_ids(result)
    for f in result.findings:
        rows = [ln for ln in wide if ln.rstrip().endswith(ids[f.fingerprint])]
        assert len(rows) == 1
        for fact in ("provider", "severity"):
            value = f.provider if fact == "provider" else str(f.severity)
            if "\x1b" not in value:
                assert value in rows[0]
    narrow = render(result, ReportContext(width=80)).splitlines()
    first = next(i for i, ln in enumerate(narrow) if ln.endswith(ids[result.findings[0]
                                                                     .fingerprint]))
    assert "Stripe" in narrow[first + 1] and "overprivileged" in narrow[first + 1]


def test_order_is_severity_then_confidence_grouped_by_file() -> None:
    groups = by_file(synthetic().findings)
    firsts = [(g[0].severity.rank, g[0].classification.confidence.rank) for g in groups]
    assert firsts == sorted(firsts, reverse=True)
    settings = next(g for g in groups if g[0].location.path == "app/settings.py")
    assert [f.classification.confidence for f in settings] == [C.HIGH, C.LOW]
    assert all(len({f.location.path for f in g}) == 1 for g in groups)


def test_each_reason_is_said_once_with_its_count() -> None:
    result = synthetic()
    many = replace(result, findings=tuple(
        replace(result.findings[0], fingerprint=f"v1:{i:040x}") for i in range(183)))
    text = render(many, ReportContext(width=120))
    reason = why(result.findings[0])
    assert text.count(reason) == 1
    assert re.search(rf"overprivileged  183  {reason}", text)
    assert text.count("\n") < 183 * 3 + 20  # no paragraph per finding


def test_verbose_gives_every_finding_its_paragraph_and_fix() -> None:
    text = render(synthetic(), ReportContext(width=120, verbose=True))
    assert text.count("fix: Revoke the") == len(synthetic().findings)
    assert "\nwhy\n" not in text


def test_show_filters_the_list_not_the_summary() -> None:
    result = synthetic()
    text = render(result, ReportContext(width=160, show=frozenset({S.ERROR})))
    ids = short_ids(result)
    for f in result.findings:
        assert (ids[f.fingerprint] in text) is (f.severity is S.ERROR)
    assert "9 findings (4 error, 4 warning, 1 note)" in text
    assert "4 shown (--show error)" in text


def test_summary_names_files_skipped_for_size_and_stale_entries_briefly() -> None:
    text = render(synthetic(), ReportContext(width=160))
    assert "skipped for size (raise max-file-size to scan them): data/huge.csv" in text
    assert "7 baseline entries no longer match any finding (stale)" in text
    assert "v1:0000" not in text  # `baseline check` names them; 200,000 would be a wall


def test_short_ids_are_unique_prefixes_that_explain_finds() -> None:
    result = synthetic()
    twin = replace(result.findings[1], fingerprint=result.findings[0].fingerprint[:14] + "0" * 29)
    result = replace(result, findings=(*result.findings, twin))
    ids = short_ids(result)
    assert len(set(ids.values())) == len(ids)
    assert all(len(i) >= 8 for i in ids.values())
    assert len(ids[twin.fingerprint]) > 8  # it shares 11 characters with another
    for f in result.findings:
        assert find(result, ids[f.fingerprint]) is f


def test_repository_text_cannot_drive_the_terminal() -> None:
    text = render(synthetic(), ReportContext(width=160))
    assert not re.search("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]", text)
    assert "docs/evil\\x1b[31m\\u202e.md:2:7" in text
    assert "\nFAKE: 0 findings" not in text and "\\x0d\\x0aFAKE" in text


def test_colour_marks_severity_and_the_secret_only_when_asked() -> None:
    plain = render(synthetic(), ReportContext(width=160))
    color = render(synthetic(), ReportContext(width=160, color=True))
    assert "\x1b[" not in plain.replace("\\x1b[", "")
    assert "\x1b[1;31merror" in color
    assert re.sub(r"\x1b\[[0-9;]*m", "", color) == plain


@pytest.mark.parametrize(("before", "middle", "after", "room"), [
    ("a" * 100, "SECRET", "b" * 100, 40),
    ("", "SECRET", "b" * 100, 20),
    ("a" * 100, "SECRET", "", 20),
    ("short ", "SECRET", " tail", 80),
    ("a" * 10, "S" * 50, "b" * 10, 30),
])
def test_fit_keeps_the_secret_and_marks_each_cut(before: str, middle: str, after: str,
                                                 room: int) -> None:
    b, m, a = fit(before, middle, after, room)
    assert len(b) + len(m) + len(a) <= room
    if len(middle) < room - 1:
        assert m == middle
        assert b == before or b.startswith("…")
        assert a == after or a.endswith("…")
    else:
        assert m.endswith("…")
