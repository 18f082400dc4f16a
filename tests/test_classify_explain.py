"""`credscope explain FINGERPRINT [PATH]`: everything credscope knows about one finding and
why, redacted; an unknown fingerprint is a usage error (exit 2)."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from scanner.cli import app
from tests.helpers import commit_all, init_repo, uuid4_like


def _repo(tmp_path: Path) -> tuple[Path, str]:
    root = init_repo(tmp_path / "repo")
    token = uuid4_like("explain")
    (root / "scripts").mkdir()
    (root / "scripts" / "notes.md").write_text(
        f"# Railway\n\nRAILWAY_API_TOKEN={token}\n", encoding="utf-8")
    commit_all(root, "notes")
    return root, token


def _fingerprint(root: Path) -> str:
    out = CliRunner().invoke(app, ["scan", str(root), "--format", "json", "--no-progress",
                                   "--fail-on", "never"])
    assert out.exit_code == 0, out.output
    data = json.loads(out.stdout)
    findings = data["findings"] if isinstance(data, dict) else data
    railway = [f for f in findings
               if str(f.get("ruleId", f.get("rule_id", ""))).startswith("railway.")]
    assert railway, findings
    return str(railway[0]["fingerprint"])


def test_explain_prints_decoded_facts_evidence_policy_and_remediation(tmp_path: Path) -> None:
    root, token = _repo(tmp_path)
    fp = _fingerprint(root)
    result = CliRunner().invoke(app, ["explain", fp, str(root)])
    assert result.exit_code == 0, result.output
    text = result.stdout
    assert f"Finding {fp}" in text
    assert "railway.account-token" in text
    assert "overprivileged (error)" in text
    assert "kind: account token" in text and "policy-rule: admin-committed" in text
    assert "decoder railway-context" in text and "Remediation" in text
    assert "Narrower credential to use instead" in text
    assert token not in text, "explain redacts by default"
    shown = CliRunner().invoke(app, ["explain", fp.split(":")[1][:12], str(root),
                                     "--show-secrets"])
    assert shown.exit_code == 0 and token in shown.stdout


def test_explain_unknown_fingerprint_is_a_usage_error(tmp_path: Path) -> None:
    root, _ = _repo(tmp_path)
    result = CliRunner().invoke(app, ["explain", "v1:0000000000000000", str(root)])
    assert result.exit_code == 2
    said = result.output + (result.stderr if result.stderr_bytes is not None else "")
    assert "no finding with fingerprint" in said and "Traceback" not in said
