"""`--history` is one audit: the history and the working tree (ignored files included), each
blob once, with the right flags; `--history-only` keeps the history alone; `--history` and
`--agent-surface` combine."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from scanner import parallel
from scanner.config import Config
from scanner.model import Finding, Flag, ScanResult
from scanner.pipeline import scan
from scanner.sources.agent_surface import AgentSurfaceSource
from scanner.sources.combined import HistoryAndTreeSource, git_blob_id
from scanner.sources.history import HistorySource
from scanner.sources.select import SourceOptions, select_source
from tests.helpers import commit_all, init_repo, stripe_key
from tests.helpers import git as run
from tests.test_staged import stripe_stages

D1, D2, D3 = (f"2024-0{m}-01T12:00:00+00:00" for m in (1, 2, 3))


class Audit:
    """A repository holding one secret in each situation an audit must tell apart."""

    def __init__(self, root: Path) -> None:
        self.root = init_repo(root)
        k = {name: stripe_key("sk", "live", name) for name in
             ("kept", "deleted", "never", "untracked-old", "edited", "untracked")}
        self.keys = k
        (root / ".gitignore").write_text(".env.production\n")
        (root / "app.py").write_text(f'KEY = "{k["kept"]}"\n')
        (root / "old.py").write_text(f'KEY = "{k["deleted"]}"\n')
        (root / ".env.local").write_text(f"STRIPE_KEY={k['untracked-old']}\n")
        (root / "config.py").write_text("DEBUG = True\n")
        commit_all(root, "first", date=D1)
        run(root, "rm", "-q", "old.py")
        # committed once, then ignored and removed from the index, still on disk
        run(root, "rm", "-q", "--cached", ".env.local")
        (root / ".gitignore").write_text(".env.production\n.env.local\n")
        commit_all(root, "second", date=D2)
        (root / ".env.production").write_text(f"STRIPE_KEY={k['never']}\n")  # never committed
        (root / "config.py").write_text(f'DEBUG = True\nKEY = "{k["edited"]}"\n')  # not staged
        (root / "notes.txt").write_text(f"key {k['untracked']}\n")  # untracked


def _scan(root: Path, source_for: type[HistorySource] | type[HistoryAndTreeSource],
          jobs: int = 1) -> ScanResult:
    config = Config(root=root, jobs=jobs)
    return scan(config, source_for(config), stripe_stages())


def _by_key(result: ScanResult, keys: dict[str, str]) -> dict[str, Finding]:
    names = {v: k for k, v in keys.items()}
    return {names[f.secret]: f for f in result.findings}


@pytest.fixture
def audit(tmp_path: Path) -> Audit:
    return Audit(tmp_path / "repo")


@pytest.mark.parametrize("jobs", [1, 2])
def test_history_and_tree_each_blob_once(audit: Audit, jobs: int,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(parallel, "PARALLEL_MIN_BYTES", 0)  # jobs=2 really uses workers
    monkeypatch.setattr(parallel, "SHARD_BYTES", 64)
    result = _scan(audit.root, HistoryAndTreeSource, jobs)
    found = _by_key(result, audit.keys)
    assert set(found) == set(audit.keys)
    for f in found.values():
        assert len(f.occurrences) == 1, (f.location, f.occurrences)  # never twice
    flags = {name: f.classification.flags for name, f in found.items()}
    assert flags["kept"] == frozenset()
    assert flags["deleted"] == {Flag.HISTORY_ONLY}
    assert flags["never"] == {Flag.IGNORED_BUT_PRESENT}
    assert flags["untracked-old"] == {Flag.IGNORED_BUT_PRESENT}  # in history, and on disk
    assert flags["edited"] == flags["untracked"] == frozenset()
    # history blobs keep their first commit; files found only on disk have none
    assert found["kept"].location.commit is not None
    assert found["untracked-old"].location.commit is not None
    assert found["never"].location.commit is None and found["edited"].location.commit is None
    assert any("working-tree file(s) hold the same content as a history blob" in n
               for n in result.notes)


def test_blob_count_reads_each_content_once(audit: Audit) -> None:
    history = _scan(audit.root, HistorySource)
    both = _scan(audit.root, HistoryAndTreeSource)
    on_disk_only = {".env.production", "config.py", "notes.txt"}  # new contents on disk
    assert both.stats.files == history.stats.files + len(on_disk_only)


def test_history_only_is_the_old_behaviour(audit: Audit) -> None:
    found = _by_key(_scan(audit.root, HistorySource), audit.keys)
    assert set(found) == {"kept", "deleted", "untracked-old"}
    assert Flag.IGNORED_BUT_PRESENT not in found["untracked-old"].classification.flags
    assert Flag.HISTORY_ONLY in found["untracked-old"].classification.flags


def test_git_blob_id_is_git_hash_object(tmp_path: Path) -> None:
    for data in (b"", b"hello\n", bytes(range(256)) * 40, "é\r\n".encode()):
        path = tmp_path / "f"
        path.write_bytes(data)
        want = subprocess.run(["git", "hash-object", "--no-filters", str(path)],
                              capture_output=True, text=True, check=True).stdout.strip()
        assert git_blob_id(data) == want


def test_select_source(audit: Audit, tmp_path: Path) -> None:
    config = Config(root=audit.root)
    assert isinstance(select_source(config, SourceOptions(history=True)), HistoryAndTreeSource)
    assert type(select_source(config, SourceOptions(history_only=True))) is HistorySource
    # a CI scan of new commits is about what they added, not the tree
    assert type(select_source(config, SourceOptions(history=True, since="HEAD~1"))) \
        is HistorySource
    both = select_source(config, SourceOptions(history=True, agent_surface=True,
                                               home=tmp_path))
    assert isinstance(both, AgentSurfaceSource) and isinstance(both.repo, HistoryAndTreeSource)


def test_history_with_agent_surface(audit: Audit, tmp_path: Path) -> None:
    home = tmp_path / "home"
    (home / ".config/stripe").mkdir(parents=True)
    home_key = stripe_key("sk", "live", "home")
    (home / ".config/stripe/config.toml").write_text(
        f"[default]\nlive_mode_api_key = '{home_key}'\n")
    config = Config(root=audit.root)
    source = select_source(config, SourceOptions(history=True, agent_surface=True, home=home))
    result = scan(config, source, stripe_stages())
    keys = {**audit.keys, "home": home_key}
    found = _by_key(result, keys)
    assert set(found) == set(keys)
    assert found["home"].location.path == "~/.config/stripe/config.toml"
    assert found["home"].classification.flags == frozenset()  # never history-only
    assert found["deleted"].classification.flags == {Flag.HISTORY_ONLY}
    assert found["never"].classification.flags == {Flag.IGNORED_BUT_PRESENT}


def test_bare_repository_says_there_is_no_tree(audit: Audit, tmp_path: Path) -> None:
    bare = tmp_path / "bare.git"
    subprocess.run(["git", "clone", "-q", "--bare", str(audit.root), str(bare)], check=True)
    result = _scan(bare, HistoryAndTreeSource)
    assert {f.secret for f in result.findings} == {audit.keys[k] for k in
                                                   ("kept", "deleted", "untracked-old")}
    assert any("no working tree to scan" in n for n in result.notes)


def test_a_subdirectory_audits_the_whole_repository(audit: Audit) -> None:
    (audit.root / "sub").mkdir()
    (audit.root / "sub" / "x.txt").write_text("nothing\n")
    found = _by_key(_scan(audit.root / "sub", HistoryAndTreeSource), audit.keys)
    assert found["kept"].location.path == "app.py"  # repository-relative, once
    assert len(found["kept"].occurrences) == 1


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "scanner", *args, "--no-progress",
                           "--engine", "re", "--format", "json"], capture_output=True,
                          text=True, check=False)


def test_cli_history_agent_surface_and_history_only(audit: Audit, tmp_path: Path) -> None:
    import json

    home = tmp_path / "home"
    home.mkdir()
    both = _cli("scan", "--history", "--agent-surface", "--home", str(home), str(audit.root))
    assert both.returncode in (0, 1), both.stderr
    secrets_both = {f["secret"] for f in json.loads(both.stdout)["findings"]}
    only = _cli("scan", "--history-only", str(audit.root))
    secrets_only = {f["secret"] for f in json.loads(only.stdout)["findings"]}
    assert len(secrets_both) > len(secrets_only) > 0
    staged = _cli("scan", "--history", "--staged", str(audit.root))
    assert staged.returncode == 2 and "cannot be combined" in staged.stderr
