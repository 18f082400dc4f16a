"""History scans on real repositories: each blob once, with its first commit; history-only per
secret; ranges for CI; and every awkward repository scanned without a crash."""

from __future__ import annotations

import json
import os
import random
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import TypeVar

import pytest

from scanner import parallel
from scanner.config import Config
from scanner.errors import SourceError
from scanner.model import Finding, Flag, ScanResult
from scanner.pipeline import group_by_fingerprint, report_order, scan
from scanner.sources import git, history
from scanner.sources.history import HistorySource
from tests.helpers import commit_all, init_repo, stripe_key
from tests.helpers import git as run
from tests.test_staged import stripe_stages

T = TypeVar("T")
D1, D2, D3, D4 = (f"2024-0{m}-01T12:00:00+00:00" for m in (1, 2, 3, 4))


def _scan(repo: Path, **kw: object) -> ScanResult:
    opts = {k: kw.pop(k) for k in ("since", "rev_range", "include_stash") if k in kw}
    config = Config(root=repo, **kw)  # type: ignore[arg-type]
    return scan(config, HistorySource(config, **opts), stripe_stages())  # type: ignore[arg-type]


# jobs=1 reads in one stream (items); jobs=2 in shards, each read by a worker (stream_shards
# and read_shard).
BOTH_PATHS = pytest.mark.parametrize("jobs", [1, 2], ids=["stream", "sharded"])


@pytest.fixture(autouse=True)
def stored_order_for_any_size(monkeypatch: pytest.MonkeyPatch) -> None:
    """Read in stored order (the path of any real history) however few blobs a test has."""
    monkeypatch.setattr(history, "_ORDER_MIN", 1)


def _cli(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "scanner", *args, "--no-progress",
                           "--engine", "re"],
                          capture_output=True, text=True, cwd=cwd, check=False)


def _stripe(result: ScanResult) -> list[Finding]:
    return [f for f in result.findings if f.rule_id.startswith("stripe.")]


def _loose_object(repo: Path, oid: str) -> Path:
    return repo / ".git" / "objects" / oid[:2] / oid[2:]


@pytest.fixture
def leaked_then_deleted(tmp_path: Path) -> tuple[Path, str, str]:
    """A key committed in settings.py, then the file deleted; HEAD is clean."""
    repo = init_repo(tmp_path / "repo")
    (repo / "README.md").write_text("hello\n")
    commit_all(repo, "init", date=D1)
    key = stripe_key(seed="deleted")
    (repo / "settings.py").write_text(f'STRIPE = "{key}"\n')
    leak = commit_all(repo, "add settings", date=D2)
    (repo / "settings.py").unlink()
    commit_all(repo, "remove settings", date=D3)
    return repo, key, leak


@BOTH_PATHS
def test_deleted_secret_is_found_once_as_history_only_with_its_first_commit(
        jobs: int, leaked_then_deleted: tuple[Path, str, str]) -> None:
    repo, key, leak = leaked_then_deleted
    [finding] = _stripe(_scan(repo, jobs=jobs))
    assert finding.secret == key
    assert Flag.HISTORY_ONLY in finding.classification.flags
    assert finding.location.path == "settings.py"
    commit = finding.first_seen
    assert commit is not None and commit.sha == leak
    assert (commit.author, commit.email) == ("Test Author", "author@example.invalid")
    assert commit.date == "2024-02-01T12:00:00+00:00"


def test_secret_that_survives_edits_is_not_history_only_and_first_seen_is_oldest(
        tmp_path: Path) -> None:
    repo = init_repo(tmp_path / "repo")
    key = stripe_key(seed="survivor")
    (repo / "app.py").write_text(f'KEY = "{key}"\n')
    first = commit_all(repo, "add", date=D1)
    (repo / "app.py").write_text(f'# edited\nKEY = "{key}"\n')
    commit_all(repo, "edit", date=D2)
    (repo / "app.py").write_text(f'# edited twice\nKEY = "{key}"\n')
    commit_all(repo, "edit again", date=D3)
    [finding] = _stripe(_scan(repo))
    assert Flag.HISTORY_ONLY not in finding.classification.flags  # still in HEAD's blob
    assert len(finding.occurrences) == 3  # three distinct blobs held it
    assert finding.first_seen is not None and finding.first_seen.sha == first
    assert finding.location.line == 1  # the location of the first-seen blob


@BOTH_PATHS
def test_secret_in_three_branches_is_one_finding_with_three_occurrences(jobs: int,
                                                                       tmp_path: Path) -> None:
    repo = init_repo(tmp_path / "repo")
    (repo / "README.md").write_text("base\n")
    commit_all(repo, "base", date=D1)
    key = stripe_key(seed="branches")
    shas = {}
    for branch, date in (("feature-c", D4), ("feature-a", D2), ("feature-b", D3)):
        run(repo, "checkout", "-q", "-b", branch, "main")
        (repo / f"{branch}.py").write_text(f'# {branch}\nKEY = "{key}"\n')
        shas[branch] = commit_all(repo, f"work on {branch}", date=date)
    run(repo, "checkout", "-q", "main")
    result = _scan(repo, jobs=jobs)
    [finding] = _stripe(result)
    assert sorted(o.path for o in finding.occurrences) == [
        "feature-a.py", "feature-b.py", "feature-c.py"]
    assert {o.commit.sha for o in finding.occurrences if o.commit} == set(shas.values())
    # The earliest of the three commits speaks for the finding; main's HEAD never had it.
    assert finding.first_seen is not None and finding.first_seen.sha == shas["feature-a"]
    assert Flag.HISTORY_ONLY in finding.classification.flags


def test_every_unique_blob_is_read_once_however_often_it_recurs(tmp_path: Path) -> None:
    repo = init_repo(tmp_path / "repo")
    key = stripe_key(seed="once")
    content = f'KEY = "{key}"\n'
    (repo / "a.py").write_text(content)
    commit_all(repo, "one", date=D1)
    for i in range(3):  # the same blob at new paths, and on a tag and a branch
        (repo / f"copy{i}.py").write_text(content)
        commit_all(repo, f"copy {i}", date=D2)
    run(repo, "tag", "v1")
    run(repo, "branch", "side")
    result = _scan(repo)
    assert result.stats.blobs == 1
    [finding] = _stripe(result)
    assert finding.location.path == "a.py" and len(finding.occurrences) == 1


@BOTH_PATHS
def test_since_scans_only_the_new_commits(jobs: int, tmp_path: Path) -> None:
    repo = init_repo(tmp_path / "repo")
    old_key, new_key = stripe_key(seed="old"), stripe_key(seed="new")
    (repo / "old.py").write_text(f'K = "{old_key}"\n')
    base = commit_all(repo, "old", date=D1)
    (repo / "new.py").write_text(f'K = "{new_key}"\n')
    new = commit_all(repo, "new", date=D2)
    result = _scan(repo, jobs=jobs, since=base)
    assert [f.secret for f in _stripe(result)] == [new_key]
    assert result.stats.blobs == 1
    assert _stripe(result)[0].first_seen.sha == new  # type: ignore[union-attr]
    ranged = _scan(repo, jobs=jobs, rev_range=f"{base}..{new}")
    assert [f.secret for f in _stripe(ranged)] == [new_key]
    assert _scan(repo, jobs=jobs, since=new).stats.blobs == 0


def test_a_merge_introduces_only_its_own_resolution(tmp_path: Path) -> None:
    """A topic branch that merged main: `--since main` must not rescan what main brought in,
    yet a conflict resolution that adds a secret is the merge's own content and is found."""
    repo = init_repo(tmp_path / "repo")
    (repo / "conf.py").write_text("A = 1\n")
    commit_all(repo, "base", date=D1)
    run(repo, "checkout", "-q", "-b", "topic")
    (repo / "conf.py").write_text("A = 2\n")
    commit_all(repo, "topic", date=D2)
    run(repo, "checkout", "-q", "main")
    main_key = stripe_key(seed="main-only")
    (repo / "main.py").write_text(f'K = "{main_key}"\n')
    (repo / "conf.py").write_text("A = 3\n")
    commit_all(repo, "main", date=D2)
    run(repo, "checkout", "-q", "topic")
    subprocess.run(["git", "merge", "-q", "main"], cwd=repo, capture_output=True, check=False)
    merge_key = stripe_key(seed="resolution")
    (repo / "conf.py").write_text(f'A = "{merge_key}"\n')
    merge = commit_all(repo, "merge main, resolved", date=D3)
    result = _scan(repo, since="main")
    assert [f.secret for f in _stripe(result)] == [merge_key]
    assert _stripe(result)[0].first_seen.sha == merge  # type: ignore[union-attr]
    assert {f.secret for f in _stripe(_scan(repo))} == {main_key, merge_key}


def test_bad_revision_and_non_repository_fail_with_exit_2(tmp_path: Path) -> None:
    repo = init_repo(tmp_path / "repo")
    (repo / "a.txt").write_text("a\n")
    commit_all(repo, "a", date=D1)
    with pytest.raises(SourceError, match="unknown revision or range"):
        HistorySource(Config(root=repo), since="no-such-branch")
    plain = tmp_path / "plain"
    plain.mkdir()
    outcome = _cli("scan", "--history", str(plain))
    assert outcome.returncode == 2
    assert "not a git repository" in outcome.stderr and "Traceback" not in outcome.stderr
    injected = _cli("scan", "--history", "--since", "--output=/tmp/x", str(repo))
    assert injected.returncode == 2


def test_empty_repository_is_clean_with_a_note(tmp_path: Path) -> None:
    repo = init_repo(tmp_path / "empty")
    result = _scan(repo)
    assert result.findings == () and result.stats.blobs == 0
    assert any("no commits" in n for n in result.notes)


def test_bare_repository_and_shallow_clone(leaked_then_deleted: tuple[Path, str, str],
                                           tmp_path: Path) -> None:
    repo, key, leak = leaked_then_deleted
    bare = tmp_path / "bare.git"
    run(tmp_path, "clone", "-q", "--bare", str(repo), str(bare))
    result = _scan(bare)
    assert [f.secret for f in _stripe(result)] == [key]
    assert _stripe(result)[0].first_seen.sha == leak  # type: ignore[union-attr]
    assert any("bare repository" in n for n in result.notes)

    (repo / "live.py").write_text(f'K = "{stripe_key(seed="shallow")}"\n')
    commit_all(repo, "live", date=D4)
    shallow = tmp_path / "shallow"
    run(tmp_path, "clone", "-q", "--depth", "1", f"file://{repo}", str(shallow))
    result = _scan(shallow)
    assert [f.secret for f in _stripe(result)] == [stripe_key(seed="shallow")]  # not `key`
    assert any("shallow clone" in n for n in result.notes)


@BOTH_PATHS
def test_missing_and_corrupt_objects_are_skipped_and_the_scan_goes_on(jobs: int,
                                                                      tmp_path: Path) -> None:
    repo = init_repo(tmp_path / "repo")
    keys = [stripe_key(seed=f"corrupt{i}") for i in range(3)]
    for i, key in enumerate(keys):
        (repo / f"f{i}.py").write_text(f'K = "{key}"\n')
    commit_all(repo, "three files", date=D1)
    oids = [run(repo, "rev-parse", f"HEAD:f{i}.py").strip() for i in range(3)]
    _loose_object(repo, oids[0]).unlink()
    garbage = _loose_object(repo, oids[1])
    garbage.chmod(0o644)
    garbage.write_bytes(b"this is not a zlib stream")
    result = _scan(repo, jobs=jobs)
    assert [f.secret for f in _stripe(result)] == [keys[2]]
    unreadable = {s.path for s in result.skipped if s.kind == "unreadable"}
    assert unreadable == {"f0.py", "f1.py"}


@BOTH_PATHS
def test_a_git_that_dies_mid_stream_is_restarted(jobs: int, tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    repo = init_repo(tmp_path / "repo")
    keys = [stripe_key(seed=f"die{i}") for i in range(4)]
    for i, key in enumerate(keys):
        (repo / f"f{i}.py").write_text(f'K = "{key}"\n')
    commit_all(repo, "files", date=D1)
    victim = run(repo, "rev-parse", "HEAD:f1.py").strip().encode()
    real = git._CatFile.receive

    def dying(self: git._CatFile, oid: bytes, limit: int) -> bytes | git.Unreadable:
        if oid == victim:  # as if git died on this object: whatever it had buffered is lost
            self.proc.kill()
            self.proc.wait()
            raise git._CatFileDied
        return real(self, oid, limit)

    monkeypatch.setattr(git._CatFile, "receive", dying)
    result = _scan(repo, jobs=jobs)
    assert sorted(f.secret for f in _stripe(result)) == sorted(k for i, k in enumerate(keys)
                                                               if i != 1)
    assert [s.path for s in result.skipped if s.kind == "unreadable"] == ["f1.py"]


@BOTH_PATHS
def test_large_and_binary_blobs_are_skipped_without_losing_the_stream(jobs: int,
                                                                      tmp_path: Path) -> None:
    repo = init_repo(tmp_path / "repo")
    (repo / "big.txt").write_bytes(b"x" * 300_000)
    (repo / "image.bin").write_bytes(b"\x89PNG\0\0" + b"\x01" * 100)
    key = stripe_key(seed="after-big")
    (repo / "z_after.py").write_text(f'K = "{key}"\n')
    commit_all(repo, "mixed", date=D1)
    result = _scan(repo, jobs=jobs, max_file_size=100_000)
    assert {(s.path, s.kind) for s in result.skipped} == {("big.txt", "too-large"),
                                                          ("image.bin", "binary")}
    assert [f.secret for f in _stripe(result)] == [key]


@BOTH_PATHS
def test_submodules_symlinks_and_non_utf8_paths(jobs: int, tmp_path: Path) -> None:
    repo = init_repo(tmp_path / "repo")
    key = stripe_key(seed="latin1")
    raw_name = b"caf\xe9.py"  # Latin-1, not UTF-8
    (repo / os.fsdecode(raw_name)).write_bytes(f'K = "{key}"\n'.encode())
    (repo / "link").symlink_to("caf")
    commit_all(repo, "files", date=D1)
    run(repo, "update-index", "--add", "--cacheinfo", f"160000,{'1' * 40},vendor/lib")
    run(repo, "commit", "-q", "-m", "add a submodule", date=D2)
    result = _scan(repo, jobs=jobs)
    [finding] = _stripe(result)
    assert os.fsencode(finding.location.path) == raw_name
    assert any("submodules (gitlinks) skipped" in n for n in result.notes)
    assert any("symlinks skipped" in n for n in result.notes)


def test_detached_head_stash_and_excludes(tmp_path: Path) -> None:
    repo = init_repo(tmp_path / "repo")
    (repo / "a.py").write_text("A = 1\n")
    commit_all(repo, "a", date=D1)
    (repo / "vendor").mkdir()
    (repo / "vendor" / "lib.py").write_text(f'K = "{stripe_key(seed="vendored")}"\n')
    commit_all(repo, "vendor", date=D2)
    stashed = stripe_key(seed="stashed")
    (repo / "a.py").write_text(f'A = "{stashed}"\n')
    run(repo, "stash", "-q")
    run(repo, "checkout", "-q", "--detach", "HEAD~1")
    result = _scan(repo, exclude=("vendor/**",))
    assert [f.secret for f in _stripe(result)] == [stashed]
    assert any("detached" in n for n in result.notes)
    assert _stripe(_scan(repo, exclude=("vendor/**",), include_stash=False)) == []


def test_repository_config_and_inherited_git_environment_are_ignored(
        leaked_then_deleted: tuple[Path, str, str], tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    repo, key, _ = leaked_then_deleted
    marker = tmp_path / "fsmonitor-ran"
    hook = tmp_path / "hook.sh"
    hook.write_text(f"#!/bin/sh\ntouch {marker}\n")
    hook.chmod(0o755)
    for name, value in (("core.fsmonitor", str(hook)), ("log.showRoot", "false"),
                        ("diff.relative", "true"), ("log.showSignature", "true")):
        run(repo, "config", name, value)
    other = init_repo(tmp_path / "other")
    monkeypatch.setenv("GIT_DIR", str(other / ".git"))
    monkeypatch.setenv("GIT_WORK_TREE", str(other))
    result = _scan(repo)
    assert [f.secret for f in _stripe(result)] == [key]
    assert not marker.exists()


def test_a_parallel_scan_finds_exactly_what_a_serial_one_finds(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    repo = init_repo(tmp_path / "repo")
    for i in range(12):  # twelve commits, each leaking a key in a new file, some deleted later
        (repo / f"m{i}.py").write_text(f'K = "{stripe_key(seed=f"par{i}")}"\n' + "x\n" * 500)
        commit_all(repo, f"c{i}", date=f"2024-01-{i + 1:02d}T00:00:00+00:00")
    for i in range(0, 12, 3):
        (repo / f"m{i}.py").unlink()
    commit_all(repo, "cleanup", date=D4)
    monkeypatch.setattr(parallel, "PARALLEL_MIN_BYTES", 0)  # fork a pool even for this
    serial, forked = _scan(repo, jobs=1), _scan(repo, jobs=2)

    def facts(result: ScanResult) -> list[tuple[str, str | None, bool]]:
        return [(f.secret, f.first_seen.sha if f.first_seen else None,
                 Flag.HISTORY_ONLY in f.classification.flags) for f in _stripe(result)]

    assert len(facts(serial)) == 12 and sum(h for *_, h in facts(serial)) == 4
    assert facts(serial) == facts(forked)
    assert serial.stats.blobs == forked.stats.blobs


def test_progress_sees_blobs_and_bytes(leaked_then_deleted: tuple[Path, str, str]) -> None:
    repo, _, _ = leaked_then_deleted
    calls: list[tuple[int, int, str]] = []
    config = Config(root=repo, jobs=1)
    result = scan(config, HistorySource(config), stripe_stages(),
                  progress=lambda n, size, path: calls.append((n, size, path)))
    assert calls[-1][0] == result.stats.blobs == 2
    assert calls[-1][1] == result.stats.bytes > 0


def test_cli_reports_the_first_commit_in_json_and_terminal(
        leaked_then_deleted: tuple[Path, str, str]) -> None:
    repo, _, leak = leaked_then_deleted
    outcome = _cli("scan", "--history", str(repo), "--format", "json")
    assert outcome.returncode in (0, 1), outcome.stderr
    doc = json.loads(outcome.stdout)
    [finding] = [f for f in doc["findings"] if f["ruleId"].startswith("stripe.")]
    assert json.dumps(finding).count(leak) >= 1
    assert doc["scan"]["mode"] == "history"
    terminal = _cli("scan", "--history", str(repo))
    assert f"@{leak[:10]}" in terminal.stdout


def test_git_missing_is_a_clear_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    repo = init_repo(tmp_path / "repo")
    (repo / "a.txt").write_text("a\n")
    commit_all(repo, "a", date=D1)
    source = HistorySource(Config(root=repo))
    monkeypatch.setenv("PATH", str(tmp_path / "nowhere"))
    assert shutil.which("git") is None
    with pytest.raises(SourceError, match="git is not installed"):
        list(source.items())


def test_one_cat_file_serves_shard_after_shard(tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    """A worker reads history shard after shard through one `git cat-file --batch` (a fresh
    git per shard re-inflated the delta chains it had just resolved); a read stopped early
    closes its git instead of keeping one with unread output."""
    repo = init_repo(tmp_path / "repo")
    for i in range(6):
        (repo / f"f{i}.txt").write_text(f"line {i}\n" * 50)
        commit_all(repo, f"c{i}")
    started: list[int] = []
    real_init = git._CatFile.__init__

    def counting(self: git._CatFile, workdir: Path) -> None:
        started.append(1)
        real_init(self, workdir)

    monkeypatch.setattr(git._CatFile, "__init__", counting)
    git._close_idle()
    source = HistorySource(Config(root=repo))
    changes = list(source._first_seen(source._walk()))
    assert len(changes) == 6
    for shard in (changes[:2], changes[2:4], changes[4:]):
        assert all(blob.data for blob in source.read_shard(shard))  # type: ignore[union-attr]
    assert started == [1]
    kept = git._IDLE[0][2]
    early = source.read_shard(changes)
    next(early)
    early.close()  # stopped with blobs still in flight
    assert kept.proc.poll() is not None and not git._IDLE  # closed, not kept
    assert all(blob.data for blob in source.read_shard(changes))  # type: ignore[union-attr]
    assert started == [1, 1]
    git._close_idle()


def _requested(monkeypatch: pytest.MonkeyPatch) -> list[bytes]:
    """Spy: every blob id the history source asks `cat-file` for, in order."""
    asked: list[bytes] = []
    real = git.read_blobs

    def spy(workdir: Path, requests: Iterable[T], oid: Callable[[T], bytes],
            limit: int) -> Iterator[tuple[T, bytes | git.Unreadable]]:
        listed = list(requests)
        asked.extend(oid(r) for r in listed)
        return real(workdir, listed, oid, limit)

    monkeypatch.setattr(git, "read_blobs", spy)
    return asked


@pytest.fixture
def packed_versions(tmp_path: Path) -> tuple[Path, list[str]]:
    """Eight versions of one file, packed by `git gc` (each a delta of another), then a
    ninth left loose; each version leaks its own key on the same line."""
    repo = init_repo(tmp_path / "repo")
    keys = [stripe_key(seed=f"version{i}") for i in range(9)]
    body = "".join(f"setting_{n} = {n}\n" for n in range(300))
    for i, key in enumerate(keys):
        (repo / "settings.py").write_text(f'KEY = "{key}"\n' + body + f"# v{i}\n")
        commit_all(repo, f"v{i}", date=f"2024-01-{i + 1:02d}T00:00:00+00:00")
        if i == 7:
            run(repo, "gc", "-q", "--aggressive")
    return repo, keys


@BOTH_PATHS
def test_blobs_are_read_in_the_order_git_stores_them(
        jobs: int, packed_versions: tuple[Path, list[str]],
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Pack order (a delta after its base) lets `cat-file` resolve each delta once; commit
    order re-inflated whole delta chains. Only the reading order changes: each key keeps
    the commit that introduced it."""
    repo, keys = packed_versions
    monkeypatch.setattr(parallel, "PARALLEL_MIN_BYTES", 0)
    asked = _requested(monkeypatch)
    stored = list(git.stored_order(repo))
    walked = [c.oid for c in HistorySource(Config(root=repo))._first_seen(
        git.log_changes(repo, ["--all"]))]
    result = _scan(repo, jobs=jobs)
    if jobs == 2:  # workers read (and ask) in their own processes: the shards say the order
        asked = [change.oid for shard in HistorySource(Config(root=repo)).stream_shards(
            2 * history.BLOB_ESTIMATE) for change in shard.work]  # type: ignore[union-attr]
    assert len(walked) == 9 and asked == sorted(walked, key=stored.index) != walked
    first_seen = {f.secret: f.location.commit.date[:10] for f in _stripe(result)
                  if f.location.commit}
    assert first_seen == {key: f"2024-01-{i + 1:02d}" for i, key in enumerate(keys)}


def test_a_short_walk_is_read_in_commit_order_without_listing_objects(
        packed_versions: tuple[Path, list[str]], monkeypatch: pytest.MonkeyPatch) -> None:
    repo, _ = packed_versions
    monkeypatch.setattr(history, "_ORDER_MIN", 10)  # nine blobs: too few to be worth it
    monkeypatch.setattr(git, "stored_order", _must_not_run)
    asked = _requested(monkeypatch)
    assert len(_stripe(_scan(repo, jobs=1))) == 9
    assert asked == [run(repo, "rev-parse", f"HEAD~{8 - i}:settings.py").strip().encode()
                     for i in range(9)]


def test_a_walk_too_long_to_hold_streams_in_commit_order(
        packed_versions: tuple[Path, list[str]], monkeypatch: pytest.MonkeyPatch) -> None:
    repo, keys = packed_versions
    monkeypatch.setattr(history, "_ORDER_MAX", 4)  # hold four blobs at most
    monkeypatch.setattr(git, "stored_order", _must_not_run)
    asked = _requested(monkeypatch)
    assert sorted(f.secret for f in _stripe(_scan(repo, jobs=1))) == sorted(keys)
    assert asked == [run(repo, "rev-parse", f"HEAD~{8 - i}:settings.py").strip().encode()
                     for i in range(9)]


def _must_not_run(workdir: Path) -> Iterator[bytes]:
    raise AssertionError(f"listed the objects of {workdir}")


def test_if_git_cannot_list_its_objects_the_rest_is_read_in_commit_order(
        packed_versions: tuple[Path, list[str]], monkeypatch: pytest.MonkeyPatch) -> None:
    repo, keys = packed_versions
    real = git.stored_order

    def failing(workdir: Path) -> Iterator[bytes]:
        listing = real(workdir)
        yield next(listing)
        yield next(listing)
        listing.close()
        raise SourceError("git could not list the repository's objects")

    monkeypatch.setattr(git, "stored_order", failing)
    asked = _requested(monkeypatch)
    result = _scan(repo, jobs=1)
    assert len(asked) == len(set(asked)) == 9  # every blob, once
    assert sorted(f.secret for f in _stripe(result)) == sorted(keys)


def test_the_report_does_not_depend_on_the_order_findings_arrive_in(
        packed_versions: tuple[Path, list[str]]) -> None:
    """Findings arrive in the order workers finish. Nine keys on the same line of nine
    versions tie on path, line and column, and still come out in one order."""
    repo, _ = packed_versions
    result = _scan(repo, jobs=1)
    arrived = [replace(f, location=loc, occurrences=()) for f in result.findings
               for loc in f.occurrences]
    assert len(arrived) >= 9
    expected = group_by_fingerprint(arrived)
    for seed in range(5):
        shuffled = list(arrived)
        random.Random(seed).shuffle(shuffled)
        assert group_by_fingerprint(shuffled) == expected
    assert group_by_fingerprint(list(reversed(arrived))) == expected
    # Suppressed findings are listed per occurrence, not grouped: the same secret in each
    # version ties on everything but its commit and blob.
    one_secret = [replace(f, fingerprint="v1:same") for f in arrived]
    listed = sorted(one_secret, key=report_order)
    assert sorted(reversed(one_secret), key=report_order) == listed
    assert [f.location.commit.date for f in listed if f.location.commit] == sorted(
        f.location.commit.date for f in arrived if f.location.commit)


def _tangled_history(repo: Path) -> None:
    """Branches, a merge that resolves a conflict with content of its own, a second root
    (an orphan branch), an empty commit, a deletion and a rename."""
    init_repo(repo)
    for i in range(6):
        (repo / f"f{i % 3}.txt").write_text(f"main {i}\n")
        commit_all(repo, f"main {i}", date=f"2024-01-0{i + 1}T00:00:00Z")
    run(repo, "checkout", "-q", "-b", "topic", "HEAD~3")
    for i in range(4):
        (repo / "f0.txt").write_text(f"topic {i}\n")
        (repo / f"t{i}.txt").write_text(f"topic file {i}\n")
        commit_all(repo, f"topic {i}", date=f"2024-02-0{i + 1}T00:00:00Z")
    run(repo, "checkout", "-q", "main")
    subprocess.run(["git", "merge", "-q", "topic"], cwd=repo, capture_output=True, check=False)
    (repo / "f0.txt").write_text("resolved by hand\n")
    commit_all(repo, "merge topic", date="2024-03-01T00:00:00Z")
    run(repo, "commit", "-q", "--allow-empty", "-m", "empty")
    run(repo, "mv", "f1.txt", "moved.txt")
    run(repo, "rm", "-q", "f2.txt")
    commit_all(repo, "move and delete", date="2024-03-02T00:00:00Z")
    run(repo, "checkout", "-q", "--orphan", "other")
    run(repo, "rm", "-rqf", ".")
    (repo / "own.txt").write_text("another root\n")
    commit_all(repo, "second root", date="2024-01-15T00:00:00Z")


@pytest.mark.parametrize("parts", [1, 2, 3, 7])
def test_a_walk_split_between_gits_lists_what_one_git_log_lists(
        parts: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The walk is rev-list, then diff-tree over runs of commits in parallel: the changes,
    and their order, are those of one `git log --reverse --topo-order` with combined merge
    diffs (the oracle here), whatever the number of runs."""
    repo = tmp_path / "repo"
    _tangled_history(repo)
    monkeypatch.setattr(git, "_PARALLEL_WALK_MIN", 1)
    oracle = subprocess.run(
        ["git", "log", "--raw", "-z", "--no-abbrev", "--no-renames", "--root",
         "--diff-merges=combined", "--topo-order", "--reverse", git.LOG_FORMAT, "--all"],
        cwd=repo, capture_output=True, check=True).stdout
    expected = list(git._parse_log(iter(oracle.split(b"\0"))))
    walked = list(git.log_changes(repo, ["--all"], parts=parts))
    assert walked == expected
    assert any(len(change.commit.sha) == 40 for change in walked)
    merge = run(repo, "rev-parse", "main~2").strip()
    assert [c.path for c in walked if c.commit.sha == merge] == ["f0.txt"]  # its own content


def test_a_walk_stopped_early_leaves_no_git_behind(tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    repo = tmp_path / "repo"
    _tangled_history(repo)
    monkeypatch.setattr(git, "_PARALLEL_WALK_MIN", 1)
    started: list[subprocess.Popen[bytes]] = []
    real = subprocess.Popen

    def popen(*args: object, **kwargs: object) -> subprocess.Popen[bytes]:
        proc = real(*args, **kwargs)  # type: ignore[call-overload]
        started.append(proc)
        return proc  # type: ignore[no-any-return]

    monkeypatch.setattr(git.subprocess, "Popen", popen)
    walk = git.log_changes(repo, ["--all"], parts=3)
    next(walk)
    walk.close()
    diffs = [proc for proc in started if "diff-tree" in proc.args]  # type: ignore[operator]
    assert len(diffs) == 3 and all(proc.poll() is not None for proc in started)
    with pytest.raises(SourceError):
        list(git.log_changes(repo, ["--end-of-options", "no-such-branch"], parts=2))
