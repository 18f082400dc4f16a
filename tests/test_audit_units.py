"""The audit's parts that need no cluster: the repository list, mirrors, the store, the keys
that decide reuse, the worker's version check and the command's usage errors."""

from __future__ import annotations

import os
import pickle
import sqlite3
from pathlib import Path

import pytest
from typer.testing import CliRunner

from scanner.audit.keys import analysis_key, portable, repository_key
from scanner.audit.outcome import Outcome, without_secret
from scanner.audit.repos import (
    read_locations,
    refresh_mirror,
    repositories,
    repository_state,
)
from scanner.audit.store import Store
from scanner.audit.work import RepoTask, plan_repository
from scanner.baseline import sha1_hex
from scanner.cli import app
from scanner.config import Config
from scanner.errors import ConfigError, InternalError
from scanner.model import Blob, ScanResult, ScanStats, Severity, Skipped
from scanner.pipeline import build_stages, findings_in
from tests.helpers import commit_all, git, github_token, init_repo


def test_repository_list_file(tmp_path: Path) -> None:
    listing = tmp_path / "lists" / "repos.txt"
    listing.parent.mkdir()
    listing.write_text("# the org\n\nsvc/api\n  /abs/web  \nhttps://h.example/o/r.git\n"
                       "git@h.example:o/r.git\nsvc/api\n# svc/old\n", encoding="utf-8")
    assert read_locations(listing) == [str(tmp_path / "lists/svc/api"), "/abs/web",
                                       "https://h.example/o/r.git", "git@h.example:o/r.git"]


def test_repository_directory(tmp_path: Path) -> None:
    init_repo(tmp_path / "b-work")
    git(tmp_path, "init", "-q", "--bare", "a-bare.git")
    (tmp_path / "not-a-repo").mkdir()
    (tmp_path / "file.txt").write_text("x", encoding="utf-8")
    assert read_locations(tmp_path) == [str(tmp_path / "a-bare.git"), str(tmp_path / "b-work")]


def test_urls_are_named_without_credentials_and_unsafe_transports_refused(tmp_path: Path
                                                                         ) -> None:
    [repo] = repositories(["https://bot:s3cr3t@h.example/o/r.git"], tmp_path)
    assert repo.name == "https://h.example/o/r.git" and "s3cr3t" not in str(repo.path)
    assert repo.path.parent == tmp_path and repo.url is not None
    with pytest.raises(ConfigError, match="unsupported transport 'ext'"):
        repositories(["ext://sh -c id"], tmp_path)
    # git's ext::/fd:: forms are not URLs to the list: paths that do not exist, never a
    # transport git is handed
    assert all(r.url is None for r in repositories(["ext::sh -c id", "fd::3"], tmp_path))
    with pytest.raises(ConfigError, match="listed twice"):
        repositories(["https://a:1@h.example/r.git", "https://a:2@h.example/r.git"], tmp_path)


def test_mirror_is_cloned_then_fetched(tmp_path: Path) -> None:
    upstream = init_repo(tmp_path / "up")
    (upstream / "a.txt").write_text("one\n", encoding="utf-8")
    commit_all(upstream, "one")
    [repo] = repositories([f"file://{upstream}"], tmp_path / "cache")
    refresh_mirror(repo)
    first = repository_state(repo.path)
    (upstream / "a.txt").write_text("two\n", encoding="utf-8")
    commit_all(upstream, "two")
    assert repository_state(repo.path) == first
    refresh_mirror(repo)
    assert repository_state(repo.path) != first
    assert git(repo.path, "rev-parse", "HEAD") == git(upstream, "rev-parse", "HEAD")


def test_a_failing_mirror_names_the_repository_not_the_url(tmp_path: Path) -> None:
    [repo] = repositories([f"file://{tmp_path}/nowhere"], tmp_path / "cache")
    with pytest.raises(Exception, match="nowhere") as err:
        refresh_mirror(repo)
    assert "clone" in str(err.value)


def _result() -> ScanResult:
    return ScanResult(root="r", findings=(), suppressed=(), skipped=(), stats=ScanStats(1, 2))


def test_store_round_trip_and_no_duplicates(tmp_path: Path) -> None:
    store = Store(tmp_path / "s.sqlite")
    outcome = Outcome(12, (), None)
    skipped = Outcome(skipped=Skipped("", "binary file", "binary"))
    path = os.fsdecode(b"caf\xe9.txt")  # git paths need not be UTF-8
    store.put_outcomes("k", [(("b1", path), outcome), (("b2", "x"), skipped)])
    store.put_outcomes("k", [(("b1", path), outcome)])  # a shard delivered twice
    assert store.known("k", [("b1", path), ("b2", "x"), ("b3", "x")]) == {("b1", path),
                                                                          ("b2", "x")}
    assert store.known("other", [("b1", path)]) == set()
    assert dict(store.outcomes("k", [("b1", path), ("b2", "x")])) == {
        ("b1", path): outcome, ("b2", "x"): skipped}
    assert store.count_places() == 2
    store.put_repository("repo", "state", _result(), "now")
    assert store.repository("repo") == ("state", _result())
    store.close()


class _Boom:
    def __reduce__(self) -> tuple[object, tuple[str]]:
        return (os.system, ("touch pwned",))


def test_store_never_unpickles_anything_but_the_model(tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    store = Store(tmp_path / "s.sqlite")
    store.put_outcomes("k", [(("b", "p"), Outcome())])
    with sqlite3.connect(tmp_path / "s.sqlite") as db:
        db.execute("UPDATE places SET outcome=?", (pickle.dumps(_Boom()),))
    assert store.known("k", [("b", "p")]) == {("b", "p")}
    assert list(store.outcomes("k", [("b", "p")])) == []  # unreadable: analysed again
    assert not (tmp_path / "pwned").exists()
    store.close()


def test_store_of_another_schema_is_refused(tmp_path: Path) -> None:
    Store(tmp_path / "s.sqlite").close()
    with sqlite3.connect(tmp_path / "s.sqlite") as db:
        db.execute("UPDATE meta SET value='0' WHERE key='schema'")
    with pytest.raises(Exception, match="schema 0"):
        Store(tmp_path / "s.sqlite")


def test_what_changes_the_keys(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    base = Config(root=tmp_path)
    key = analysis_key(base)
    assert analysis_key(base.with_overrides(root=tmp_path / "x", fail_on=Severity.NOTE,
                                            jobs=3)) == key
    for changed in (base.with_overrides(allowlist_values=("x",)),
                    base.with_overrides(disable_rules=("github.classic-pat",)),
                    base.with_overrides(max_file_size=10),
                    base.with_overrides(policy={"misplaced": "warning"})):
        assert analysis_key(changed) != key
    monkeypatch.setenv("CREDSCOPE_FINGERPRINT_KEY", "team-key")
    assert analysis_key(base) != key
    monkeypatch.delenv("CREDSCOPE_FINGERPRINT_KEY")
    state = repository_key(base, "refs")
    assert repository_key(base, "other refs") != state
    assert repository_key(base.with_overrides(fail_on=Severity.NOTE), "refs") != state
    (tmp_path / ".credscope-baseline.json").write_text("{}", encoding="utf-8")
    assert repository_key(base, "refs") != state


def test_workers_refuse_a_driver_running_other_code(tmp_path: Path) -> None:
    init_repo(tmp_path)
    task = RepoTask("r", portable(Config(root=tmp_path)), scanner="another credscope")
    with pytest.raises(InternalError, match="different credscope"):
        plan_repository(task)


def test_kept_findings_hold_no_secret(tmp_path: Path) -> None:
    token = github_token(seed="kept")
    stages = build_stages(Config(root=tmp_path))
    blob = Blob("a.py", f'T = "{token}"\n'.encode())
    found = list(findings_in(blob, stages.engine.scan(blob.data), stages,
                             {r.id: r for r in stages.rules}, stages.filters))
    assert found
    kept = [without_secret(f) for f in found]
    assert all(k.finding.secret == "" and len(k.sha1_keys) == len(token) - 15 for k in kept)
    assert token.encode() not in pickle.dumps(kept)
    assert sha1_hex(token) not in {k for kept_one in kept for k in kept_one.sha1_keys}


@pytest.mark.parametrize(("args", "message"), [
    (["--scheduler", "banana"], "--scheduler takes `local` or a scheduler address"),
])
def test_usage_errors_exit_2(tmp_path: Path, args: list[str], message: str) -> None:
    repo = init_repo(tmp_path / "r")
    (repo / "a.txt").write_text("a\n", encoding="utf-8")
    commit_all(repo, "a")
    listing = tmp_path / "repos.txt"
    listing.write_text("r\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["audit", str(listing), "--out", str(tmp_path / "o"),
                                      "--no-progress", *args])
    assert result.exit_code == 2 and message in result.output


def test_empty_or_missing_list_exits_2(tmp_path: Path) -> None:
    (tmp_path / "empty.txt").write_text("# nothing\n", encoding="utf-8")
    for listing in (tmp_path / "empty.txt", tmp_path / "missing.txt"):
        result = CliRunner().invoke(app, ["audit", str(listing), "--out", str(tmp_path / "o")])
        assert result.exit_code == 2
        assert "no repositories listed" in result.output or "cannot read" in result.output
