"""Confidence on every finding (high: checksum or decoded structure; medium: a provider's shape
or a keyed generated value; low: a weak shape), and --min-confidence / `min-confidence`, which
suppress findings below the minimum with the reason, never dropping them."""

from __future__ import annotations

import json
import string
from pathlib import Path

import pytest
from typer.testing import CliRunner

from scanner.cli import app
from scanner.config import Config
from scanner.model import Confidence, Finding, SuppressionKind
from scanner.pipeline import build_stages, scan
from scanner.sources.worktree import WorktreeSource
from tests.helpers import github_token, rand, uuid4_like

ALNUM = string.ascii_letters + string.digits
PW = "pass" + "word"  # joined at run time: the self-scan sees no sample assignment here


def _tree(root: Path) -> dict[str, str]:
    """One value per confidence level, each in ordinary source code."""
    values = {
        "checksum": github_token(seed="conf"),
        "keyed": rand(ALNUM, 21, "keyed") + "q7Z",
        "dictionary": "Sunflower" + "2024",
        "id": uuid4_like("client-id"),
    }
    root.mkdir(parents=True, exist_ok=True)
    (root / "app.py").write_text(
        f'GITHUB_TOKEN = "{values["checksum"]}"\n'
        f'API_SECRET = "{values["keyed"]}"\n'
        f'DB_{PW.upper()} = "{values["dictionary"]}"\n'
        f'CLIENT_ID = "{values["id"]}"\n', encoding="utf-8")
    return values


def _by_secret(findings: tuple[Finding, ...]) -> dict[str, Finding]:
    return {f.secret: f for f in findings}


def test_every_finding_has_a_computed_confidence(tmp_path: Path) -> None:
    values = _tree(tmp_path)
    config = Config(root=tmp_path, use_default_baseline=False)
    result = scan(config, WorktreeSource(config), build_stages(config))
    found = _by_secret(result.findings)
    expect = {"checksum": Confidence.HIGH, "keyed": Confidence.MEDIUM,
              "dictionary": Confidence.LOW, "id": Confidence.LOW}
    got = {name: found[value].classification.confidence for name, value in values.items()}
    assert got == expect
    evidence = found[values["checksum"]].classification.evidence
    assert any(e.startswith("confidence high: its checksum is valid") for e in evidence)


@pytest.mark.parametrize(("minimum", "kept"), [
    ("low", {"checksum", "keyed", "dictionary", "id"}),
    ("medium", {"checksum", "keyed"}),
    ("high", {"checksum"}),
])
def test_min_confidence_option_suppresses_with_the_reason(tmp_path: Path, minimum: str,
                                                          kept: set[str]) -> None:
    values = _tree(tmp_path / "tree")
    names = {v: n for n, v in values.items()}
    out = tmp_path / "report.json"
    result = CliRunner().invoke(app, ["scan", str(tmp_path / "tree"), "--no-progress",
                                      "--no-baseline", "--min-confidence", minimum,
                                      "--show-secrets", "-f", "json", "-o", str(out),
                                      "--fail-on", "never"])
    assert result.exit_code == 0, result.output
    report = json.loads(out.read_text())
    assert {names[f["secret"]] for f in report["findings"]} == kept
    below = [f for f in report["suppressed"] if f["secret"] in names]
    assert {names[f["secret"]] for f in below} == set(values) - kept
    assert all(f["suppression"]["kind"] == str(SuppressionKind.CONFIDENCE) and
               f"below the minimum {minimum}" in f["suppression"]["reason"] for f in below)


def test_min_confidence_config_key_and_bad_values(tmp_path: Path) -> None:
    tree = tmp_path / "tree"
    tree.mkdir()
    _tree(tree)
    (tree / "pyproject.toml").write_text('[tool.credscope]\nmin-confidence = "high"\n',
                                         encoding="utf-8")
    out = tmp_path / "r.json"
    args = ["scan", str(tree), "--no-progress", "--no-baseline", "-f", "json", "-o", str(out),
            "--fail-on", "never"]
    # A higher minimum hides findings: the repository's own config may not raise it...
    assert CliRunner().invoke(app, args).exit_code == 0
    report = json.loads(out.read_text())
    assert len(report["findings"]) > 1
    assert [c["setting"] for c in report["configuration"] if not c["applied"]] == [
        "min-confidence"]
    # ... unless the invoker trusts it.
    ok = CliRunner().invoke(app, [*args, "--trust-repo-config"])
    assert ok.exit_code == 0, ok.output
    report = json.loads(out.read_text())
    assert [f["confidence"] for f in report["findings"]] == ["high"]
    (tree / "pyproject.toml").write_text('[tool.credscope]\nmin-confidence = "sure"\n',
                                         encoding="utf-8")
    bad = CliRunner().invoke(app, ["scan", str(tree), "--no-progress"])
    assert bad.exit_code == 2
    said = bad.output + (bad.stderr if bad.stderr_bytes is not None else "")
    assert "min-confidence must be high, medium or low" in said
    cli_bad = CliRunner().invoke(app, ["scan", str(tree), "--no-progress",
                                       "--min-confidence", "certain"])
    assert cli_bad.exit_code == 2
