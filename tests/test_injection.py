"""Terminal injection: everything the scanned repository controls (paths, commit authors,
structured labels, source lines, baseline entries) reaches the terminal neutralised, in every
command that prints it. Each test builds a hostile repository in tmp_path and runs the real
CLI in a subprocess; raw control or bidi characters in its output fail the test."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers import commit_all, git, github_token, init_repo, stripe_key

# ESC (escape sequences, OSC), BEL, CR, a forged line, a right-to-left override and isolate
HOSTILE = "\x1b]0;pwned\x07\x1b[2J\x1b[31m\r\nFAKE: 0 findings \u202egnp.\u2066x\u2069"
UNSAFE = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069"
                    "\u200e\u200f\u061c]")


def cli(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "COLUMNS": "160"}
    return subprocess.run([sys.executable, "-m", "scanner", *args], capture_output=True,
                          text=True, check=False, cwd=cwd, env=env)


def assert_neutralised(text: str) -> None:
    assert not UNSAFE.search(text), repr(UNSAFE.search(text))
    assert "\nFAKE: 0 findings" not in text


def fingerprints(root: Path, *extra: str) -> list[dict[str, object]]:
    out = cli("scan", str(root), "--no-progress", "--engine", "re", "-f", "json",
              "--fail-on", "never", *extra)
    findings = json.loads(out.stdout)["findings"]
    assert isinstance(findings, list)
    return findings


@pytest.fixture
def hostile_repo(tmp_path: Path) -> Path:
    """A file named with escapes, committed by an author whose name holds escapes."""
    repo = init_repo(tmp_path / "repo")
    name = "cfg" + HOSTILE.replace("\n", "").replace("/", "") + ".py"
    (repo / name).write_text(f"KEY = '{stripe_key(seed='inject')}'  # \x1b[8m hidden\n")
    git(repo, "add", "-A")
    env_author = {"GIT_AUTHOR_NAME": "Eve\x1b[31m\x07\u202eX", "GIT_AUTHOR_EMAIL": "e\x1b@x"}
    subprocess.run(["git", "commit", "-q", "-m", "hostile"], cwd=repo, check=True,
                   env={**os.environ, **env_author})
    return repo


def test_scan_neutralises_paths_and_source_lines(hostile_repo: Path) -> None:
    for args in ((), ("--verbose",), ("--history",)):
        out = cli("scan", str(hostile_repo), "--no-progress", "--engine", "re", *args)
        assert out.returncode == 1, out.stderr
        assert_neutralised(out.stdout + out.stderr)
        assert "\\x1b]0;pwned\\x07" in out.stdout and "\\u202e" in out.stdout
        assert "# \\x1b[8m hidden" in out.stdout  # the source line, shown safely


def test_explain_neutralises_paths_and_commit_authors(hostile_repo: Path) -> None:
    [finding] = fingerprints(hostile_repo, "--history")
    out = cli("explain", str(finding["fingerprint"]), str(hostile_repo), "--history")
    assert out.returncode == 0, out.stderr
    assert_neutralised(out.stdout)
    assert "by Eve\\x1b[31m\\x07\\u202eX <e\\x1b@x>" in out.stdout
    assert "\\x1b[2J" in out.stdout  # the path, escaped


def test_the_hook_neutralises_paths(hostile_repo: Path) -> None:
    name = next(p.name for p in hostile_repo.iterdir() if p.name.startswith("cfg"))
    out = subprocess.run([sys.executable, "-c", "import sys; from scanner.hook import main; "
                          "sys.exit(main(sys.argv[1:]))", name, "--engine", "re"],
                         cwd=hostile_repo, capture_output=True, text=True, check=False)
    assert out.returncode == 1, out.stderr
    assert_neutralised(out.stdout + out.stderr)


def test_a_hostile_baseline_cannot_forge_the_summary_or_baseline_check(tmp_path: Path) -> None:
    repo = init_repo(tmp_path / "repo")
    token = github_token(seed="baseline-inject")
    (repo / "notes.md").write_text(f"token: {token}\n")
    commit_all(repo, "notes")
    [finding] = fingerprints(repo)
    entries = [
        {"fingerprint": finding["fingerprint"], "reason": f"accepted{HOSTILE}",
         "source": HOSTILE},
        {"fingerprint": f"v1:{HOSTILE}", "hint": HOSTILE},  # stale, named in `check`
    ]
    (repo / ".credscope-baseline.json").write_text(json.dumps({"version": 1,
                                                               "entries": entries}))
    for args in (("scan", str(repo), "--no-progress", "--engine", "re"),
                 ("baseline", "check", str(repo)),
                 ("explain", str(finding["fingerprint"]), str(repo))):
        out = cli(*args)
        assert out.returncode in (0, 1), out.stderr
        assert_neutralised(out.stdout + out.stderr)
    check = cli("baseline", "check", str(repo))
    assert "stale: v1:\\x1b]0;pwned\\x07" in check.stdout
    said = cli("explain", str(finding["fingerprint"]), str(repo)).stdout
    assert "suppressed: baseline: accepted\\x1b]0;pwned" in said


def test_structured_labels_are_neutralised(tmp_path: Path) -> None:
    repo = init_repo(tmp_path / "repo")
    home = tmp_path / "home"
    (home / ".cursor").mkdir(parents=True)
    server = "gh\x1b[2J\u202e\x07"
    config = {"mcpServers": {server: {"env": {"GITHUB_TOKEN": github_token(seed="label")}}}}
    (home / ".cursor" / "mcp.json").write_text(json.dumps(config))  # the parser decodes \u001b
    out = cli("scan", str(repo), "--agent-surface", "--home", str(home), "--no-progress",
              "--engine", "re")
    assert out.returncode == 1, out.stderr
    assert_neutralised(out.stdout)
    assert "at mcpServers[" in out.stdout and ".env.GITHUB_TOKEN" in out.stdout


def test_error_messages_are_neutralised(tmp_path: Path) -> None:
    missing = tmp_path / f"base{HOSTILE.replace(chr(10), '')}.json"
    out = cli("scan", str(tmp_path), "--no-progress", "--baseline", str(missing))
    assert out.returncode == 2
    assert_neutralised(out.stderr)
    assert "baseline file does not exist" in out.stderr
