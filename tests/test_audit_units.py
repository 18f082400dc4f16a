"""The audit's parts that need no cluster: the repository list, mirrors, the store, the keys
that decide reuse, the worker's version check and the command's usage errors."""

from __future__ import annotations

import os
import pickle
import sqlite3
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from scanner.audit import tree
from scanner.audit.driver import Driver, RepoRun
from scanner.audit.identity import RepoScheme, repo_scheme
from scanner.audit.keys import analysis_key, portable, repository_key, rules_digest
from scanner.audit.outcome import Kept, Outcome, without_secret
from scanner.audit.repos import (
    read_locations,
    refresh_mirror,
    repositories,
    repository_state,
)
from scanner.audit.store import Store
from scanner.audit.tree import TreeFile, tree_state
from scanner.audit.waiting import Waiting
from scanner.audit.work import RepoTask, ShardTask, analyse_shard, place_of, plan_repository
from scanner.baseline import Entry, dump_baseline, sha1_candidates, sha1_hex
from scanner.cli import app
from scanner.config import Config
from scanner.errors import BaselineError, ConfigError, InternalError, ReportError
from scanner.findings import DEFAULT_COST, Cost, Fingerprinter, legacy_fingerprint, repository_salt
from scanner.model import Blob, Finding, Flag, ScanResult, ScanStats, Severity, Skipped
from scanner.pipeline import build_stages, findings_in, scan
from scanner.sources.combined import HistoryAndTreeSource
from scanner.sources.history import HistorySource
from tests.helpers import commit_all, git, github_token, init_repo, stripe_key


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


SCHEME = RepoScheme(b"s" * 16, DEFAULT_COST)
AUDIT_SALT = b"a" * 16
_RULE = """
[[rules]]
id = "acme.token"
provider = "Acme"
title = "Acme token"
description = "x"
remediation = "x"
keywords = ["acme_"]
tier = "READ"
pattern = '{pattern}'
"""


def _finding(tmp_path: Path, seed: str) -> Finding:
    """A real finding of a fake GitHub token, its secret still in it."""
    stages = replace(build_stages(Config(root=tmp_path)), fingerprinter=SCHEME.fingerprinter())
    blob = Blob("a.py", f'T = "{github_token(seed=seed)}"\n'.encode())
    [found] = findings_in(blob, stages.engine.scan(blob.data), stages,
                          {r.id: r for r in stages.rules}, stages.filters)
    return found


def _kept(tmp_path: Path, seed: str) -> Kept:
    """A real finding, kept as a worker keeps it."""
    return without_secret(_finding(tmp_path, seed), SCHEME, Fingerprinter(AUDIT_SALT))


def test_store_round_trip_and_no_duplicates(tmp_path: Path) -> None:
    store = Store(tmp_path / "s.sqlite")
    outcome = Outcome(12, (), None)
    skipped = Outcome(skipped=Skipped("", "binary file", "binary"))
    path = os.fsdecode(b"caf\xe9.txt")  # git paths need not be UTF-8
    store.put_outcomes("k", "x", [(("b1", path), outcome), (("b2", "x"), skipped)])
    store.put_outcomes("k", "x", [(("b1", path), outcome)])  # a shard delivered twice
    assert store.known("k", "x", [("b1", path), ("b2", "x"), ("b3", "x")]) == {("b1", path),
                                                                               ("b2", "x")}
    assert store.known("other", "x", [("b1", path)]) == set()
    assert dict(store.outcomes("k", "x", [("b1", path), ("b2", "x")])) == {
        ("b1", path): outcome, ("b2", "x"): skipped}
    assert store.count_places() == 2
    store.put_repository("repo", "state", _result(), {"v2:fp": "v2:id"}, "now")
    assert store.repository("repo") == ("state", _result(), {"v2:fp": "v2:id"})
    store.close()


def test_outcomes_with_findings_are_kept_per_fingerprint_scheme(tmp_path: Path) -> None:
    """Without findings an outcome serves every scheme; with findings (whose fingerprints
    are one scheme's) only its own."""
    store = Store(tmp_path / "s.sqlite")
    found = Outcome(30, (_kept(tmp_path, "store"),))
    store.put_outcomes("k", "salt-a", [(("b1", "a.py"), found), (("b2", "b.py"), Outcome(3))])
    assert store.known("k", "salt-a", [("b1", "a.py"), ("b2", "b.py")]) == {
        ("b1", "a.py"), ("b2", "b.py")}
    assert store.known("k", "salt-b", [("b1", "a.py"), ("b2", "b.py")]) == {("b2", "b.py")}
    store.put_outcomes("k", "salt-b", [(("b1", "a.py"), found)])
    assert store.count_places() == 3
    store.close()


def test_the_audit_salt_is_random_and_kept_with_the_store(tmp_path: Path) -> None:
    first = Store(tmp_path / "one.sqlite")
    salt = first.audit_salt
    first.close()
    assert len(salt) == 16 and Store(tmp_path / "one.sqlite").audit_salt == salt
    assert Store(tmp_path / "two.sqlite").audit_salt != salt
    with sqlite3.connect(tmp_path / "one.sqlite") as db:
        db.execute("UPDATE meta SET value='zz' WHERE key='audit-salt'")
    with pytest.raises(ReportError, match="audit salt is damaged"):
        Store(tmp_path / "one.sqlite")


class _Boom:
    def __reduce__(self) -> tuple[object, tuple[str]]:
        return (os.system, ("touch pwned",))


def test_store_never_unpickles_anything_but_the_model(tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    store = Store(tmp_path / "s.sqlite")
    store.put_outcomes("k", "x", [(("b", "p"), Outcome())])
    with sqlite3.connect(tmp_path / "s.sqlite") as db:
        db.execute("UPDATE places SET outcome=?", (pickle.dumps(_Boom()),))
    assert store.known("k", "x", [("b", "p")]) == {("b", "p")}
    assert list(store.outcomes("k", "x", [("b", "p")])) == []  # unreadable: analysed again
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
    # A fork's config file at another path, and where settings came from, change nothing.
    assert analysis_key(base.with_overrides(config_file=tmp_path / "fork/.credscope.toml",
                                            exclude=("docs/**",))) == key
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "mine.toml").write_text(_RULE.format(pattern="acme_[a-z]{{20}}"), encoding="utf-8")
    with_rules = base.with_overrides(rules_dirs=(rules,))
    edited = analysis_key(with_rules)
    assert edited != key
    (rules / "mine.toml").write_text(_RULE.format(pattern="acme_[a-z]{{24}}"), encoding="utf-8")
    rules_digest.cache_clear()  # as each audit does
    assert analysis_key(with_rules) != edited  # the rule's content, not only its path
    state = repository_key(base, "refs")
    assert repository_key(base, "other refs") != state
    assert repository_key(base.with_overrides(fail_on=Severity.NOTE), "refs") != state
    (tmp_path / ".credscope-baseline.json").write_text("{}", encoding="utf-8")
    assert repository_key(base, "refs") != state


def test_workers_refuse_a_driver_running_other_code(tmp_path: Path) -> None:
    init_repo(tmp_path)
    config = Config(root=tmp_path)
    task = RepoTask("r", portable(config), analysis_key(config), repo_scheme(config),
                    b"a" * 16, scanner="another credscope")
    with pytest.raises(InternalError, match="different credscope"):
        plan_repository(task)


def test_a_worker_fingerprints_under_the_scheme_and_keeps_no_secret(tmp_path: Path) -> None:
    """analyse_shard, in this process: fingerprints and redactions under the repository's
    scheme (as `scan` makes them there), the identity under the audit's salt, and nothing
    in what it returns that holds the secret or an unsalted hash of it."""
    token = github_token(seed="kept")
    repo = init_repo(tmp_path / "r")
    (repo / "a.py").write_text(f'T = "{token}"\n', encoding="utf-8")
    commit_all(repo, "a")
    config = Config(root=repo)
    task = RepoTask("r", portable(config), analysis_key(config), SCHEME, AUDIT_SALT)
    plan = plan_repository(task)
    result = analyse_shard(ShardTask(task, tuple((c, (c.path,)) for c in plan.reads)))
    [(_, outcome)] = result.outcomes
    [kept] = outcome.findings
    assert kept.finding.secret == "" and kept.entries == ()
    mine = SCHEME.fingerprinter()
    # A provider-issued token: its key is a salted HMAC (pipeline.cheap_key), as in `scan`.
    issued = {"quick": True}
    assert kept.finding.fingerprint == mine.fingerprint("github.classic-pat", token, **issued)
    assert kept.finding.redacted == mine.redact(token, **issued)
    assert kept.identity == Fingerprinter(AUDIT_SALT).fingerprint("github.classic-pat", token,
                                                                   **issued)
    stored = pickle.dumps(result)
    assert token.encode() not in stored
    assert not any(digest.encode() in stored for digest in sha1_candidates(token))


def test_entries_only_the_secret_matches_are_matched_on_the_worker(tmp_path: Path) -> None:
    """v1 fingerprints and imported sha1s need the secret: the worker keeps only the keys of
    the entries it matched (public: the baseline lists them)."""
    token = github_token(seed="entries")
    legacy = legacy_fingerprint("github.classic-pat", token)
    scheme = RepoScheme(b"s" * 16, DEFAULT_COST, frozenset({legacy, "v1:other"}),
                        frozenset({sha1_hex(token[:20]), sha1_hex("other")}))
    finding = _finding(tmp_path, "entries")
    assert scheme.entries_matched(finding) == (legacy, f"sha1:{sha1_hex(token[:20])}")
    assert RepoScheme(b"s" * 16, DEFAULT_COST).entries_matched(finding) == ()


def test_a_repositorys_scheme_is_the_one_scan_uses(tmp_path: Path) -> None:
    """Its v2 baseline's salt and cost; else its root commit's salt, which a clone shares
    and an unrelated repository does not; the entries keyed by the secret itself."""
    upstream = init_repo(tmp_path / "up")
    (upstream / "a.txt").write_text("a\n", encoding="utf-8")
    commit_all(upstream, "a")
    git(tmp_path, "clone", "-q", str(upstream), str(tmp_path / "fork"))
    other = init_repo(tmp_path / "other")
    (other / "a.txt").write_text("a\n", encoding="utf-8")
    commit_all(other, "a", date="2025-06-01T00:00:00+00:00")
    schemes = {name: repo_scheme(Config(root=tmp_path / name)) for name in ("up", "fork",
                                                                            "other")}
    assert schemes["up"].salt == schemes["fork"].salt == repository_salt(upstream)
    assert schemes["up"].key == schemes["fork"].key != schemes["other"].key
    cost = Cost(n=2**10, r=8, p=1)
    entries = [Entry(fingerprint="v1:" + "0" * 40), Entry(sha1="ab" * 20),
               Entry(fingerprint="v2:" + "1" * 40)]
    (upstream / ".credscope-baseline.json").write_text(
        dump_baseline(entries, b"own-salt-16bytes", cost), encoding="utf-8")
    baselined = repo_scheme(Config(root=upstream))
    assert (baselined.salt, baselined.cost) == (b"own-salt-16bytes", cost)
    assert baselined.legacy == {"v1:" + "0" * 40} and baselined.sha1s == {"ab" * 20}
    stages = build_stages(Config(root=upstream))  # what `scan` fingerprints with
    assert (stages.fingerprinter.salt, stages.fingerprinter.cost) == (baselined.salt, cost)
    (upstream / ".credscope-baseline.json").write_text("{", encoding="utf-8")
    with pytest.raises(BaselineError):
        repo_scheme(Config(root=upstream))


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


class _Finished:
    """A task run at once, in this process, answering as a Dask future does."""

    def __init__(self, fn: Callable[[Any], Any], task: Any) -> None:
        self.task = task
        try:
            self.value, self.error = fn(task), None
        except Exception as err:  # noqa: BLE001 - handed back through result(), as Dask does
            self.value, self.error = None, err

    def result(self) -> Any:
        if self.error is not None:
            raise self.error
        return self.value


class _Client:
    """What the driver asks of a Dask client, run in order: each `take` is one batch."""

    def __init__(self) -> None:
        self.submitted: list[_Finished] = []

    def submit(self, fn: Callable[[Any], Any], task: Any, **_: Any) -> _Finished:
        self.submitted.append(_Finished(fn, task))
        return self.submitted[-1]

    def take(self) -> list[_Finished]:
        batch, self.submitted = self.submitted, []
        return batch


def test_a_place_with_findings_is_judged_again_for_another_salt_only(tmp_path: Path) -> None:
    """Two unrelated repositories (other root commits, so other salts) hold the same two
    blobs at the same paths, one with a secret. The batch's first repository reads both;
    the other takes the clean one as it is and has only the secret's place judged again,
    under its own salt; each gets the fingerprints `scan` gives it, one identity for both."""
    token = github_token(seed="two-salts")
    repos = []
    for i, name in enumerate(("first", "second")):
        repo = init_repo(tmp_path / name)
        (repo / "README.md").write_text("# shared\n", encoding="utf-8")
        (repo / "settings.py").write_text(f'T = "{token}"\n', encoding="utf-8")
        commit_all(repo, f"start {name}", date=f"2025-0{i + 1}-01T00:00:00+00:00")
        repos.append(repo)
    store = Store(tmp_path / "s.sqlite")
    finished: dict[str, Any] = {}
    runs = []
    for repo in repos:
        config = Config(root=repo).with_overrides(progress=False, jobs=1)
        runs.append(RepoRun(str(repo), config, "key", repo_scheme(config), store.audit_salt))
    assert runs[0].scheme.key != runs[1].scheme.key
    client = _Client()
    driver = Driver(client, store, 16, lambda run, done, _: finished.update({run.name: done}))
    driver.start(runs, set())
    driver.take(client.take())  # both walks, in one batch
    [shard] = client.take()
    assert shard.task.repo.name == str(repos[0]) and len(shard.task.blobs) == 2
    driver.take([shard])
    report, again = sorted(client.take(), key=lambda f: type(f.task).__name__)
    assert again.task.repo.name == str(repos[1])
    assert [(c.path, paths) for c, paths in again.task.blobs] == [("settings.py",
                                                                   ("settings.py",))]
    driver.take([report, again])
    driver.take(client.take())  # the second repository's reports
    driver.finish()
    assert driver.counts.blobs == 3 and driver.counts.rejudged == 1
    identities = set()
    for run in runs:
        assembled, texts = finished[run.name]
        scanned = scan(run.config, HistorySource(run.config))
        assert [f.fingerprint for f in assembled.result.findings] == \
            [f.fingerprint for f in scanned.findings]
        assert set(texts) == {"json", "sarif"}
        identities |= set(assembled.identities.values())
    assert len(identities) == 1
    store.close()


class _Run:
    def __init__(self, name: str) -> None:
        self.name, self.failed = name, False


def test_the_book_of_places_in_flight() -> None:
    """One analysis per scheme at most: a clean outcome serves every scheme, one with
    findings its own, and each other scheme gets one analysis again, later repositories of
    that scheme waiting on it; a failed repository is dropped, not served."""
    book: Waiting[_Run] = Waiting()
    key = ("analysis", "blob", "path")
    a, b1, b2, c = _Run("a"), _Run("b1"), _Run("b2"), _Run("c")
    book.wait(key, "A", a, analysing="A")
    book.wait(key, "B", b1)
    book.wait(key, "C", c)
    c.failed = True
    served, again = book.arrived(key, "A", salted=True)
    assert served == [a] and again == [b1]  # the failed repository's scheme is not analysed
    book.wait(key, "B", b2)  # a later repository of B: waits on B's analysis
    assert book.arrived(key, "B", salted=True) == ([b1, b2], [])
    assert key not in book and list(book.left()) == []
    book.wait(key, "A", a, analysing="A")
    book.wait(key, "B", b1)
    assert book.arrived(key, "A", salted=False) == ([a, b1], [])  # no findings: for all
    book.wait(key, "A", a, analysing="A")
    assert book.failed(key) == [a] and book.arrived(key, "A", salted=False) == ([], [])


def test_a_working_trees_state_reads_only_files_whose_stat_changed(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The tree's part of a repository's state: every file's path, content and gitignored
    flag. A file is read for it only when its stat changed or is too recent to trust (git's
    racily clean entries); an edit that restores the mtime still changes the ctime."""
    repo = init_repo(tmp_path / "r")
    (repo / ".gitignore").write_text("*.env\n", encoding="utf-8")
    (repo / "a.py").write_text("a = 1\n", encoding="utf-8")
    commit_all(repo, "a")
    (repo / "b.py").write_text("b = 2\n", encoding="utf-8")  # not committed
    (repo / "prod.env").write_text("X=1\n", encoding="utf-8")  # gitignored
    reads: list[str] = []
    real = tree.read_regular

    def counted(path: str, shown: str, limit: int) -> bytes | Skipped:
        reads.append(shown)
        return real(path, shown, limit)

    monkeypatch.setattr(tree, "read_regular", counted)
    config = Config(root=repo)
    digest, first = tree_state(config, None)
    assert first is not None and sorted(reads) == [".gitignore", "a.py", "b.py", "prod.env"]
    reads.clear()
    # Taken right after the files were written: too recent to trust their stats.
    again, second = tree_state(config, tree.Snapshot(time.time_ns(), first.files))
    assert again == digest and len(reads) == 4 and second is not None
    reads.clear()
    later = tree.Snapshot(second.taken + 2 * tree.RACY_NS, second.files)  # as if 4 s later
    assert tree_state(config, later) == (digest, None) and reads == []
    stat = (repo / "b.py").stat()
    (repo / "b.py").write_text("b = 3\n", encoding="utf-8")  # same size, and the old mtime:
    os.utime(repo / "b.py", ns=(stat.st_atime_ns, stat.st_mtime_ns))  # only ctime tells
    edited, kept = tree_state(config, later)
    assert edited != digest and reads == ["b.py"] and kept is not None
    (repo / ".git" / "info" / "exclude").write_text("b.py\n", encoding="utf-8")
    assert tree_state(config, kept)[0] != edited  # b.py is gitignored now, and only that
    git(tmp_path, "clone", "-q", "--bare", str(repo), str(tmp_path / "bare.git"))
    assert tree_state(Config(root=tmp_path / "bare.git"), None) == ("bare", None)


def _drive(runs: list[RepoRun], store: Store) -> tuple[Driver, _Client, dict[str, Any]]:
    """A driver on the in-process client, its walks submitted (and run)."""
    finished: dict[str, Any] = {}
    client = _Client()
    driver = Driver(client, store, 16, lambda run, done, _: finished.update({run.name: done}))
    driver.start(runs, set())
    return driver, client, finished


def _until_done(driver: Driver, client: _Client) -> None:
    while batch := client.take():
        driver.take(batch)
    driver.finish()


def _run(repo: Path, store: Store) -> RepoRun:
    config = Config(root=repo).with_overrides(progress=False, jobs=1)
    return RepoRun(str(repo), config, "key", repo_scheme(config), store.audit_salt)


def _as_scanned(run: RepoRun, assembled: Any) -> None:
    """The audit's findings are `scan --history`'s (the secret aside: it is never kept)."""
    scanned = scan(run.config, HistoryAndTreeSource(run.config))
    assert [replace(f, secret="") for f in scanned.findings] == \
        list(assembled.result.findings)


def test_a_file_changed_after_the_walk_is_never_stored_under_its_old_id(tmp_path: Path
                                                                       ) -> None:
    """A worker reads a new file from disk and checks it is still the blob the walk hashed:
    an outcome stored under a blob id serves every repository holding that blob. A file
    edited in between is reported skipped for this audit alone, and nothing is stored for
    it (nor the repository's result: run.py stores none with an outcome left unstored)."""
    repo = init_repo(tmp_path / "r")
    (repo / "a.txt").write_text("a\n", encoding="utf-8")
    commit_all(repo, "a")
    (repo / "new.py").write_text(f'T = "{github_token(seed="moving")}"\n', encoding="utf-8")
    store = Store(tmp_path / "s.sqlite")
    run = _run(repo, store)
    driver, client, finished = _drive([run], store)
    [walk] = client.take()
    listed = next(place_of(item) for item in walk.result().reads if item.path == "new.py")
    (repo / "new.py").write_text("T = None\n", encoding="utf-8")  # after the walk hashed it
    driver.take([walk])  # this client runs each shard as it is submitted: it reads it now
    _until_done(driver, client)
    assembled, _ = finished[str(repo)]
    assert [(s.path, s.kind) for s in assembled.result.skipped] == [("new.py", "unreadable")]
    assert "changed after the audit listed it" in assembled.result.skipped[0].reason
    assert assembled.result.findings == () and set(run.unstored) == {listed}
    assert not store.known(run.analysis, run.scheme.key, [listed])
    assert store.count_places() == 1  # a.txt's
    store.close()


def test_a_new_file_is_judged_again_from_the_repositorys_own_disk(tmp_path: Path) -> None:
    """Two unrelated repositories (other salts) hold the same uncommitted file at the same
    path. The first reads it; the second has it judged again for its own fingerprints, read
    from its own working tree (the first's file is not its own: here it is gone by then)."""
    token = github_token(seed="on-two-disks")
    repos = []
    for i, name in enumerate(("first", "second")):
        repo = init_repo(tmp_path / name)
        (repo / "README.md").write_text("# shared\n", encoding="utf-8")
        commit_all(repo, f"start {name}", date=f"2025-0{i + 1}-01T00:00:00+00:00")
        (repo / "settings.py").write_text(f'T = "{token}"\n', encoding="utf-8")
        repos.append(repo)
    store = Store(tmp_path / "s.sqlite")
    runs = [_run(repo, store) for repo in repos]
    driver, client, finished = _drive(runs, store)
    driver.take(client.take())  # both walks, in one batch
    [shard] = client.take()
    assert shard.task.repo.name == str(repos[0])
    (repos[0] / "settings.py").unlink()
    driver.take([shard])
    batch = client.take()
    [again] = [f for f in batch if isinstance(f.task, ShardTask)]
    [(item, paths)] = again.task.blobs
    assert isinstance(item, TreeFile) and item.task[0] == str(repos[1] / "settings.py")
    assert paths == ("settings.py",)
    driver.take(batch)
    _until_done(driver, client)
    assert driver.counts.rejudged == 1
    first = finished[runs[0].name][0].result
    assert [f.location.path for f in first.findings] == ["settings.py"]  # read before it went
    _as_scanned(runs[1], finished[runs[1].name][0])
    assert first.findings[0].fingerprint != finished[runs[1].name][0].result.findings[0] \
        .fingerprint  # each under its own salt
    store.close()


def test_a_gitignored_file_is_judged_apart_from_the_same_blob_not_ignored(tmp_path: Path
                                                                         ) -> None:
    """A clone (the same salt) gitignores a file its upstream leaves untracked: the same
    blob at the same path is judged ignored-but-present in one, not in the other (another
    analysis key, another shard), as `scan --history` judges each."""
    upstream = init_repo(tmp_path / "up")
    (upstream / "README.md").write_text("# up\n", encoding="utf-8")
    commit_all(upstream, "start")
    fork = tmp_path / "fork"
    git(tmp_path, "clone", "-q", str(upstream), str(fork))
    (fork / ".git" / "info" / "exclude").write_text(".env\n", encoding="utf-8")
    for repo in (upstream, fork):
        (repo / ".env").write_text(f"STRIPE_SECRET_KEY={stripe_key(seed='both')}\n",
                                   encoding="utf-8")
    store = Store(tmp_path / "s.sqlite")
    runs = [_run(upstream, store), _run(fork, store)]
    driver, client, finished = _drive(runs, store)
    driver.take(client.take())
    shards = client.take()
    assert sorted((s.task.ignored, s.task.repo.name) for s in shards) == [
        (False, str(upstream)), (True, str(fork))]
    driver.take(shards)
    _until_done(driver, client)
    flags = []
    for run in runs:
        assembled = finished[run.name][0]
        _as_scanned(run, assembled)
        [finding] = assembled.result.findings
        flags.append(Flag.IGNORED_BUT_PRESENT in finding.classification.flags)
    assert flags == [False, True]
    store.close()
