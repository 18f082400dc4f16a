"""The hook under the real pre-commit tool, in a real git repository."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from scanner import pipeline
from scanner.cli import app
from scanner.matching.engine import ReEngine
from tests.helpers import commit_all, init_repo, stripe_key

BIN = Path(sys.executable).parent
PRE_COMMIT = BIN / "pre-commit"
MANIFEST = Path(__file__).resolve().parents[1] / ".pre-commit-hooks.yaml"
CONFIG = f"""repos:
- repo: local
  hooks:
  - id: credscope
    name: credscope
    entry: {BIN / "credscope-hook"}
    # test_hook.py covers the hyperscan database cache; a cold compile here would only
    # make this test slow.
    args: [--engine, re]
    language: system
    types: [text]
"""


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return {**os.environ, "PRE_COMMIT_HOME": str(tmp_path / "pre-commit-home")}


def run(args: list[str], cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, check=False)


def test_the_manifest_is_valid(env: dict[str, str]) -> None:
    proc = run([str(PRE_COMMIT), "validate-manifest", str(MANIFEST)], MANIFEST.parent, env)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    text = MANIFEST.read_text()
    assert "id: credscope" in text and "entry: credscope-hook" in text


def test_commits_through_pre_commit(tmp_path: Path, env: dict[str, str],
                                    monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pipeline, "make_engine", lambda rules, prefer="auto": ReEngine(rules))
    repo = init_repo(tmp_path / "repo")
    (repo / ".pre-commit-config.yaml").write_text(CONFIG)
    (repo / "README.md").write_text("# demo\n")
    commit_all(repo, "init")
    proc = run([str(PRE_COMMIT), "install"], repo, env)
    assert proc.returncode == 0, proc.stdout + proc.stderr

    def commit(message: str) -> subprocess.CompletedProcess[str]:
        assert run(["git", "add", "-A"], repo, env).returncode == 0
        return run(["git", "commit", "-q", "-m", message], repo, env)

    # A clean commit passes.
    (repo / "app.py").write_text("import os\n\nKEY = os.environ['STRIPE_KEY']\n")
    clean = commit("clean")
    assert clean.returncode == 0, clean.stdout + clean.stderr

    # An ADMIN key is blocked, with the one-screen message, redacted.
    key = stripe_key(seed="precommit")
    (repo / "app.py").write_text(f"import os\n\nKEY = '{key}'\n")
    blocked = commit("add key")
    out = blocked.stdout + blocked.stderr
    assert blocked.returncode != 0
    assert "credscope" in out and "Failed" in out
    assert "commit blocked" in out and "app.py:3" in out and "ADMIN" in out
    assert "credscope: allow=stripe.secret-key" in out
    assert key not in out
    assert run(["git", "log", "--format=%s"], repo, env).stdout.split("\n")[0] == "clean"

    # Once the key is baselined (and the baseline committed with it), the commit passes.
    result = CliRunner().invoke(app, ["baseline", "create", str(repo), "--reason", "demo"])
    assert result.exit_code == 0, result.output
    accepted = commit("add key, baselined")
    assert accepted.returncode == 0, accepted.stdout + accepted.stderr
    assert run(["git", "log", "--format=%s", "-1"], repo, env).stdout.strip() == \
        "add key, baselined"
