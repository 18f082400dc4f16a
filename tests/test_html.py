"""The HTML report without a browser: golden file, escaping, self-containment, summary data."""

from __future__ import annotations

import base64
import hashlib
import json
import re
from dataclasses import replace
from importlib import resources
from pathlib import Path

import pytest

from scanner.model import DESTRUCTIVE, Commit, ScanResult, ScanStats, Tier, Verdict
from scanner.reporters import REPORTERS, ReportContext, html
from tests.golden.synthetic import (
    GOLDEN_VERSION,
    RULES,
    check_golden,
    context,
    many_findings,
    synthetic_result,
)

CHECKOUT_TEMPLATES = Path(__file__).resolve().parents[1] / "reports" / "templates"


@pytest.fixture(scope="module")
def page() -> str:
    return REPORTERS["html"](synthetic_result(), context())


def test_golden_html(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(html, "__version__", GOLDEN_VERSION)
    check_golden("report.html", REPORTERS["html"](synthetic_result(), context()))


def test_hostile_names_are_text(page: str) -> None:
    assert "<img" not in page
    assert "&lt;img src=x onerror=alert(1)&gt;.env" in page
    assert "&lt;/script&gt;&lt;script&gt;alert(1)&lt;/script&gt; &amp; &lt;!--" in page
    # exactly our three script elements (code, row data, occurrence data), and nothing
    # closes one early
    assert page.count("<script") == 3 and page.count("</script>") == 3


def test_embedded_json_cannot_close_its_element(page: str) -> None:
    m = re.search(r'<script type="application/json" id="credscope-data">(.*?)</script>', page,
                  re.S)
    assert m is not None
    raw = m.group(1)
    assert "<" not in raw and ">" not in raw and "&" not in raw
    data = json.loads(raw)
    rows = [dict(zip(data["fields"], values, strict=True)) for values in data["rows"]]
    assert [r["path"] for r in rows if "onerror" in r["path"]] == [
        "<img src=x onerror=alert(1)>.env"]
    assert len(rows) == len(synthetic_result().findings)


def test_script_json_escapes_everything_dangerous() -> None:
    text = str(html.script_json({"a": "</script><!-- ]]> & \u2028"}))
    assert not re.search(r"[<>&\u2028]", text)
    assert json.loads(text) == {"a": "</script><!-- ]]> & \u2028"}


def test_self_contained_and_locked_down(page: str) -> None:
    assert not re.search(r"""(?:src|href|action)\s*=\s*["']?(?:https?:|//)""", page, re.I)
    assert "@import" not in page and "url(" not in page and "<link" not in page
    assert "@font-face" not in page
    csp = re.search(r'Content-Security-Policy" content="([^"]+)"', page)
    assert csp is not None and "default-src 'none'" in csp.group(1)
    script = re.search(r"<script>(.*?)</script>", page, re.S)
    assert script is not None
    digest = base64.b64encode(hashlib.sha256(script.group(1).encode()).digest()).decode()
    assert f"'sha256-{digest}'" in csp.group(1)  # the one inline script the page may run


def test_secrets_redacted_unless_asked(page: str) -> None:
    result = synthetic_result()
    for f in (*result.findings, *result.suppressed):
        assert f.secret not in page
        assert f.redacted in page
    shown = REPORTERS["html"](result, ReportContext(rules=RULES, show_secrets=True))
    assert result.findings[0].secret in shown


def test_summary_and_chart_count_what_is_there(page: str) -> None:
    result = synthetic_result()
    assert f'data-testid="count-findings">{len(result.findings)}<' in page
    assert f'data-testid="count-suppressed">{len(result.suppressed)}<' in page
    assert 'data-testid="count-error">2<' in page and 'data-testid="count-skipped">2<' in page
    chart = html.tier_location_chart(result.findings)
    cells = {(line["location"], t): n for line in chart["lines"] for t, n in line["cells"].items()}
    for f in result.findings:
        key = (str(f.classification.location), str(f.classification.effective_tier))
        expected = sum(1 for g in result.findings
                       if (str(g.classification.location),
                           str(g.classification.effective_tier)) == key)
        assert cells[key] == expected
        assert (f'data-tier="{key[1]}" data-location="{key[0]}">{expected}</td>') in page
    assert chart["tierTotals"]["WRITE"] == 1  # the UNKNOWN token counts as its worst case


def test_spotlight_is_admin_or_destructive_and_misplaced_first() -> None:
    result = many_findings(64)
    rows = html._rows(result)
    spot = html.spotlight([r for r in rows if not r.suppressed])
    assert 0 < len(spot) <= html.SPOTLIGHT
    for row in spot:
        c = row.finding.classification
        assert c.verdict is not Verdict.OK
        assert row.tier is Tier.ADMIN or DESTRUCTIVE.intersection(c.capabilities)
    assert [r.score for r in spot] == sorted((r.score for r in spot), reverse=True)


def test_rows_render_on_the_server_most_severe_first(page: str) -> None:
    body = page.split('id="findings-body"', 1)[1].split("</tbody>", 1)[0]
    assert body.count("<tr ") == len(synthetic_result().findings)
    order = re.findall(r'<span class="badge sev sev-(\w+)">', body)
    rank = {"error": 3, "warning": 2, "note": 1}
    assert [rank[s] for s in order] == sorted((rank[s] for s in order), reverse=True)
    assert "<details>" in body and "First seen" in body and "a1b2c3d4e5f6" in body


def test_empty_result_reads_clearly() -> None:
    empty = ScanResult(root="/x", findings=(), suppressed=(), skipped=(), stats=ScanStats())
    text = REPORTERS["html"](empty, ReportContext())
    assert "No active findings." in text and 'data-testid="count-findings">0<' in text


def test_templates_load_from_the_installed_package(monkeypatch: pytest.MonkeyPatch) -> None:
    """Outside a checkout the templates come from scanner._templates (the wheel's copy)."""
    asked: list[str] = []

    def files(package: str) -> Path:
        asked.append(package)
        return CHECKOUT_TEMPLATES

    monkeypatch.setattr(html, "_CHECKOUT_TEMPLATES", Path("/nonexistent/templates"))
    monkeypatch.setattr(resources, "files", files)
    html.environment.cache_clear()
    try:
        text = REPORTERS["html"](synthetic_result(), context())
    finally:
        html.environment.cache_clear()
    assert "scanner._templates" in asked and "Privilege by placement" in text


def test_every_finding_gets_one_row_and_one_data_entry() -> None:
    text = REPORTERS["html"](many_findings(500), context())
    assert re.findall(r'<tr data-i="(\d+)"', text) == [str(i) for i in range(500)]


def test_hidden_and_bidi_characters_show_and_cannot_reorder_the_page() -> None:
    """Paths, labels, reasons and authors come from the hostile repository: U+202E and its
    kin would reorder what a reader sees (`gpj.exe` shown as `exe.jpg`)."""
    base = synthetic_result()
    f = base.findings[0]
    commit = Commit("b" * 40, "Mallory\u2066 Admin\u2069", "m@example.invalid",
                    "2024-01-01T00:00:00+00:00")
    loc = replace(f.location, path="docs/\u202egpj.exe", label="env.\u200bTOKEN", commit=commit)
    other = replace(loc, path="src/\u2067x.py", line=9)
    sneaky = replace(f, location=loc, occurrences=(loc, *[replace(other, line=i)
                                                          for i in range(1, 6)]),
                     classification=replace(f.classification,
                                            reason="why\u202a not\u061c \u2028here"))
    page = REPORTERS["html"](replace(base, findings=(sneaky, *base.findings[1:])), context())
    assert not re.search("[\u202a-\u202e\u2066-\u2069\u200b\u061c\u2028]", page)
    for shown in ("docs/[U+202E]gpj.exe", "env.[U+200B]TOKEN", "Mallory[U+2066] Admin[U+2069]",
                  "why[U+202A] not[U+061C] [U+2028]here", "src/[U+2067]x.py"):
        assert shown in page
