"""--staged reads the index, never the working tree: what the next commit would write."""

from __future__ import annotations

import functools
import subprocess
import sys
from pathlib import Path

import pytest

from scanner.config import Config
from scanner.errors import SourceError
from scanner.matching.loader import load_rules
from scanner.model import ScanResult
from scanner.pipeline import Stages, build_stages, scan
from scanner.sources.staged import StagedSource
from tests.helpers import commit_all, git, init_repo, stripe_key


def _scan(repo: Path, paths: list[str] | None = None, **kw: object) -> ScanResult:
    config = Config(root=repo, **kw)  # type: ignore[arg-type]
    return scan(config, StagedSource(config, paths=paths), stripe_stages())


@functools.lru_cache(maxsize=1)
def stripe_stages() -> Stages:
    """Only the Stripe rules: these tests are about what is read, not about the rule set, and
    compiling one rule file keeps them fast however many rules the project grows."""
    others = tuple(r.id for r in load_rules() if not r.id.startswith("stripe."))
    return build_stages(Config(root=Path(), disable_rules=others))


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "scanner", *args, "--no-progress",
                           "--engine", "re"], capture_output=True, text=True, check=False)


def _secrets(result: ScanResult) -> list[str]:
    return sorted(f.secret for f in result.findings if f.rule_id.startswith("stripe."))


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    repo = init_repo(tmp_path / "repo")
    (repo / "README.md").write_text("hello\n")
    commit_all(repo, "init")
    return repo


def test_staged_content_is_scanned_and_unstaged_edits_are_not(repo: Path) -> None:
    staged, unstaged = stripe_key(seed="staged"), stripe_key(seed="unstaged")
    (repo / "app.py").write_text(f'K = "{staged}"\n')
    git(repo, "add", "app.py")
    (repo / "app.py").write_text(f'K = "{unstaged}"\n')  # edited after `git add`
    (repo / "untracked.py").write_text(f'K = "{unstaged}"\n')
    result = _scan(repo)
    assert _secrets(result) == [staged]
    [finding] = result.findings
    assert finding.location.path == "app.py" and finding.location.commit is None
    assert result.mode == "staged"


def test_a_secret_removed_in_the_index_is_not_reported_though_still_on_disk(repo: Path) -> None:
    key = stripe_key(seed="cleaned")
    (repo / "app.py").write_text("K = None\n")
    git(repo, "add", "app.py")
    (repo / "app.py").write_text(f'K = "{key}"\n')
    assert _secrets(_scan(repo)) == []


def test_only_what_differs_from_head_and_deletions_are_ignored(repo: Path) -> None:
    old = stripe_key(seed="committed")
    (repo / "old.py").write_text(f'K = "{old}"\n')
    (repo / "gone.py").write_text("X = 1\n")
    commit_all(repo, "old")
    git(repo, "rm", "-q", "gone.py")
    new = stripe_key(seed="new")
    (repo / "new.py").write_text(f'K = "{new}"\n')
    git(repo, "add", "new.py")
    result = _scan(repo)
    assert _secrets(result) == [new]
    assert result.stats.blobs == 1 and result.skipped == ()


def test_before_the_first_commit_every_index_entry_is_staged(tmp_path: Path) -> None:
    repo = init_repo(tmp_path / "fresh")
    key = stripe_key(seed="first")
    (repo / "a.py").write_text(f'K = "{key}"\n')
    (repo / "b.txt").write_text("b\n")
    git(repo, "add", "-A")
    result = _scan(repo)
    assert _secrets(result) == [key] and result.stats.blobs == 2


def test_size_limit_binary_paths_filter_and_gitlinks(repo: Path) -> None:
    key = stripe_key(seed="filtered")
    (repo / "big.txt").write_bytes(b"y" * 200_000)
    (repo / "blob.bin").write_bytes(b"\0\1\2" * 10)
    (repo / "a.py").write_text(f'K = "{key}"\n')
    (repo / "b.py").write_text(f'K = "{stripe_key(seed="other")}"\n')
    git(repo, "add", "-A")
    git(repo, "update-index", "--add", "--cacheinfo", f"160000,{'2' * 40},vendor/sub")
    result = _scan(repo, max_file_size=100_000)
    assert {(s.path, s.kind) for s in result.skipped} == {("big.txt", "too-large"),
                                                          ("blob.bin", "binary")}
    assert any("submodule" in n for n in result.notes)
    assert _secrets(_scan(repo, paths=["a.py"])) == [key]


def test_outside_a_repository_is_a_usage_error(tmp_path: Path) -> None:
    with pytest.raises(SourceError, match="not inside a git work tree"):
        StagedSource(Config(root=tmp_path))
    outcome = _cli("scan", "--staged", str(tmp_path))
    assert outcome.returncode == 2 and "Traceback" not in outcome.stderr


def test_cli_staged_fails_on_a_staged_live_key(repo: Path) -> None:
    (repo / "settings.py").write_text(f'STRIPE = "{stripe_key(seed="cli")}"\n')
    git(repo, "add", "settings.py")
    outcome = _cli("scan", "--staged", str(repo))
    assert outcome.returncode == 1, outcome.stderr
    assert "settings.py" in outcome.stdout
