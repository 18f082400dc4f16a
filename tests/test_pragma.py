"""Inline `credscope: allow` pragmas, in every comment syntax, through the real pipeline."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from scanner.config import Config
from scanner.filters.pragma import allowed_rules
from scanner.model import ScanResult, SuppressionKind
from scanner.pipeline import scan
from scanner.reporters import REPORTERS, ReportContext
from scanner.sources.worktree import WorktreeSource
from tests.helpers import stripe_key

KEY = stripe_key(seed="pragma")


def scan_file(tmp_path: Path, name: str, text: str) -> ScanResult:
    (tmp_path / name).write_text(text.replace("{k}", KEY))
    config = Config(root=tmp_path, engine="re", progress=False)
    return scan(config, WorktreeSource(config))


ALLOWED = [
    ("app.py", "KEY = '{k}'  # credscope: allow\n"),
    ("app.py", "# credscope: allow\nKEY = '{k}'\n"),
    ("app.py", "#credscope:allow=stripe.secret-key\nKEY = '{k}'\n"),
    ("app.js", "const key = '{k}'; // credscope: allow=stripe.secret-key\n"),
    ("app.go", "/* credscope: allow */\nkey := \"{k}\"\n"),
    ("notes.md", "<!-- credscope: allow=stripe -->\n`{k}`\n"),
    ("db.sql", "-- credscope: allow\nSELECT '{k}';\n"),
    ("app.ini", "; credscope: allow=other.rule, stripe.secret-key\nkey={k}\n"),
    ("paper.tex", "% credscope: allow\n\\def\\key{{k}}\n"),
    ("app.py", "KEY = '{k}'  # noqa: S105 -- credscope: allow\n"),
]


@pytest.mark.parametrize(("name", "text"), ALLOWED)
def test_pragma_suppresses_in_any_comment_syntax(tmp_path: Path, name: str, text: str) -> None:
    result = scan_file(tmp_path, name, text)
    assert result.findings == ()
    [finding] = result.suppressed
    assert finding.suppression is not None
    assert finding.suppression.kind is SuppressionKind.PRAGMA
    assert finding.rule_id == "stripe.secret-key"


NOT_ALLOWED = [
    ("other rule", "app.py", "KEY = '{k}'  # credscope: allow=github.classic-pat\n"),
    ("not a dotted prefix", "app.py", "KEY = '{k}'  # credscope: allow=stripe.secret\n"),
    ("two lines above", "app.py", "# credscope: allow\n\nKEY = '{k}'\n"),
    ("line after", "app.py", "KEY = '{k}'\n# credscope: allow\n"),
    ("not in a comment", "app.py", "msg = 'credscope: allow'\nKEY = '{k}'\n"),
    ("misspelt", "app.py", "KEY = '{k}'  # credscope: allowed\n"),
]


@pytest.mark.parametrize(("why", "name", "text"), NOT_ALLOWED)
def test_pragma_does_not_suppress(tmp_path: Path, why: str, name: str, text: str) -> None:
    result = scan_file(tmp_path, name, text)
    assert [f.rule_id for f in result.findings] == ["stripe.secret-key"], why
    assert result.suppressed == ()


def test_pragma_findings_are_counted_in_reports(tmp_path: Path) -> None:
    (tmp_path / "b.py").write_text(f"KEY = '{stripe_key(seed='other')}'\n")
    result = scan_file(tmp_path, "a.py", "KEY = '{k}'  # credscope: allow\n")
    doc = json.loads(REPORTERS["json"](result, ReportContext()))
    assert doc["summary"]["suppressedBy"] == {"pragma": 1}
    assert doc["summary"]["findings"] == 1
    assert doc["suppressed"][0]["suppression"]["kind"] == "pragma"
    assert KEY not in json.dumps(doc)
    assert "1 suppressed" in REPORTERS["terminal"](result, ReportContext())


@pytest.mark.parametrize(("line", "expected"), [
    (b"x = 1", None),
    (b"# credscope: allow", ()),
    (b"// credscope: allow = a.b , c.d", ("a.b", "c.d")),
    (b"<!-- credscope: allow=a.b-->", ("a.b",)),
    (b"<!-- credscope: allow=a.b -->", ("a.b",)),
    (b"'credscope: allow'", None),
])
def test_allowed_rules_parses_the_pragma(line: bytes, expected: tuple[str, ...] | None) -> None:
    assert allowed_rules(line) == expected
