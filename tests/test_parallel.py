"""One process or several, hyperscan or `re`: the same report, byte for byte (minus timing).

The tree is big enough to be split into many shards; PARALLEL_MIN_BYTES is lowered so the
process pool really starts (a spy on `_pool` proves it), and the JSON reports of
`--jobs 1` and `--jobs 2` are compared whole, not just their finding counts.
"""

from __future__ import annotations

import dataclasses
import gc
import json
import multiprocessing
import os
import pickle
import re
import string
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from scanner import parallel
from scanner.cli import app
from scanner.matching.engine import largest_repeat, loosen_repeats
from scanner.matching.loader import load_rules
from tests.golden.synthetic import history_result, synthetic_result
from tests.helpers import github_token, rand, stripe_key

FILLER = "def handler(request):\n    return render(request, 'page.html', {'n': 1})\n" * 40


def build_tree(root: Path) -> dict[str, str]:
    """60 files in 6 directories; every 7th holds a fresh secret, one secret sits in two
    files (its occurrences must come out in the same order), plus a binary file."""
    planted: dict[str, str] = {}
    for i in range(60):
        path = root / f"pkg{i % 6}" / f"mod_{i:02d}.py"
        path.parent.mkdir(parents=True, exist_ok=True)
        body = FILLER
        if i % 7 == 0:
            key = stripe_key(seed=f"par{i}")
            planted[key] = path.relative_to(root).as_posix()
            body += f'STRIPE_KEY = "{key}"\n'
        if i % 11 == 3:
            word = rand(string.ascii_letters + string.digits, 14, f"pw{i}")
            body += f'db_password = "{word}"\n'
        path.write_text(body)
    shared = github_token(seed="shared")
    for name in ("pkg0/a_conf.py", "pkg5/z_conf.py"):
        (root / name).write_text(f'TOKEN = "{shared}"\n')
    (root / "pkg3" / "blob.bin").write_bytes(b"\0\1\2" * 1000)
    # Skipped by the walk itself, late in it: with --jobs 2 the walk still runs when the
    # pool has started (streamed shards), and its skips must still reach the report.
    (root / "pkg5" / "outside.py").symlink_to("/etc/hostname")
    return planted


def report(root: Path, out: Path, *extra: str) -> dict[str, Any]:
    res = CliRunner().invoke(app, ["scan", str(root), "--format", "json", "-o", str(out),
                                   "--no-progress", "--fail-on", "never", *extra],
                             catch_exceptions=False)
    assert res.exit_code == 0, res.output
    doc: dict[str, Any] = json.loads(out.read_text())
    del doc["scan"]["seconds"]  # the only field that may differ between runs
    return doc


@pytest.fixture()
def pool_calls(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Lower the pool threshold to 0, make shards tiny (many of them, streamed while the walk
    goes on) and count how often a pool is really started."""
    monkeypatch.setattr(parallel, "PARALLEL_MIN_BYTES", 0)
    monkeypatch.setattr(parallel, "SHARD_BYTES", 16 * 1024)
    calls: list[int] = []
    real = parallel._pool

    def spy(*args: Any) -> Any:
        calls.append(1)
        return real(*args)

    monkeypatch.setattr(parallel, "_pool", spy)
    return calls


def test_jobs_1_and_jobs_2_write_the_same_report(tmp_path: Path, pool_calls: list[int]) -> None:
    root = tmp_path / "tree"
    planted = build_tree(root)
    serial = report(root, tmp_path / "serial.json", "--jobs", "1")
    assert pool_calls == []
    forked = report(root, tmp_path / "forked.json", "--jobs", "2")
    assert pool_calls == [1]
    assert forked == serial
    found = {f["path"] for f in serial["findings"] if f["ruleId"].startswith("stripe")}
    assert found == set(planted.values())
    shared = [f for f in serial["findings"] if f["ruleId"].startswith("github")]
    assert len(shared) == 1 and shared[0]["occurrences"] == 2
    assert serial["scan"]["files"] == 62
    assert [s["kind"] for s in serial["skipped"]] == ["binary", "symlink"]


def test_more_workers_than_cores_and_both_engines_agree(tmp_path: Path,
                                                        pool_calls: list[int]) -> None:
    pytest.importorskip("hyperscan")
    root = tmp_path / "tree"
    build_tree(root)
    hs = report(root, tmp_path / "hs.json", "--jobs", "3", "--engine", "hyperscan")
    plain = report(root, tmp_path / "re.json", "--jobs", "2", "--engine", "re")
    assert len(pool_calls) == 2
    assert hs["findings"] and hs == plain


def test_workers_fork_with_the_parents_objects_frozen(
        tmp_path: Path, pool_calls: list[int], monkeypatch: pytest.MonkeyPatch) -> None:
    """The collector writes to every object it scans, so a worker that scanned what it
    inherited would copy the parent's memory page by page (a history's blob list is 280 MiB
    for a million blobs): workers fork with it frozen, and the parent unfreezes at once."""
    context = type(multiprocessing.get_context("fork"))
    real = context.Pool
    frozen_at_fork: list[int] = []

    def spy(self: Any, *args: Any, **kwargs: Any) -> Any:
        frozen_at_fork.append(gc.get_freeze_count())
        return real(self, *args, **kwargs)

    monkeypatch.setattr(context, "Pool", spy)
    root = tmp_path / "tree"
    build_tree(root)
    assert report(root, tmp_path / "out.json", "--jobs", "2")["findings"]
    assert len(frozen_at_fork) == 1 and frozen_at_fork[0] > 0
    assert gc.get_freeze_count() == 0


def test_a_small_scan_starts_no_pool(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[int] = []
    monkeypatch.setattr(parallel, "_pool", lambda *a: calls.append(1) or iter(()))
    root = tmp_path / "tree"
    build_tree(root)
    doc = report(root, tmp_path / "small.json", "--jobs", "2")
    assert calls == [] and doc["scan"]["files"] == 62 and doc["findings"]


@pytest.mark.parametrize(("pattern", "loosened"), [
    (r"a{12,1000}", r"a{12,}"),
    (r"[A-Z]{400,8000}-", r"[A-Z]{64,}-"),
    (r"x{100}", r"x{64,}"),
    (r"x{1,64}y{3}z{5,}", r"x{1,64}y{3}z{5,}"),
    (r"\{1000\}", r"\{1000\}"),
])
def test_large_repeats_are_loosened_for_the_prefilter(pattern: str, loosened: str) -> None:
    assert loosen_repeats(pattern) == loosened


def test_every_loosened_rule_still_matches_its_positive_examples() -> None:
    """The hyperscan database runs loosened patterns: they must select every blob the exact
    `re` pattern matches (here: every positive example of every rule with a large repeat)."""
    checked = 0
    for rule in load_rules():
        if rule.kind != "regex" or largest_repeat(rule.pattern) <= 64:
            continue
        loose = re.compile(loosen_repeats(rule.pattern).encode())
        for ex in rule.examples:
            if ex.positive and rule.regex.search(ex.text.encode()):
                assert loose.search(ex.text.encode()), (rule.id, ex.text)
                checked += 1
    assert checked >= 10


def test_the_baseline_counts_every_finding_however_many_workers(
        tmp_path: Path, pool_calls: list[int]) -> None:
    """Workers classify and filter; the baseline runs in the parent and still sees every
    finding (suppressed or not), so baselined counts and stale entries do not depend on
    --jobs."""
    root = tmp_path / "tree"
    build_tree(root)
    baseline = tmp_path / "baseline.json"
    res = CliRunner().invoke(app, ["baseline", "create", str(root), "-b", str(baseline)],
                             catch_exceptions=False)
    assert res.exit_code == 0, res.output
    doc = json.loads(baseline.read_text())
    accepted = len(doc["entries"])
    # One finding is new again: the token shared by two files (not the secret of mod_07,
    # allowed by a pragma below; entries are in fingerprint order, which the salt decides).
    doc["entries"] = [e for e in doc["entries"] if e["rule"] != "github.classic-pat"]
    assert len(doc["entries"]) == accepted - 1
    doc["entries"].append({**doc["entries"][0], "fingerprint": "0" * 64})  # and one is stale
    baseline.write_text(json.dumps(doc))
    # A baselined secret that a pragma also allows still counts as baselined: the baseline
    # goes first, though the pragma is seen in a worker and the baseline in the parent.
    mod = root / "pkg1" / "mod_07.py"
    mod.write_text(mod.read_text().replace('"\n', '"  # credscope: allow\n'))
    pool_calls.clear()
    serial = report(root, tmp_path / "serial.json", "--jobs", "1", "--baseline", str(baseline))
    forked = report(root, tmp_path / "forked.json", "--jobs", "2", "--baseline", str(baseline))
    assert pool_calls == [1]
    assert forked == serial
    assert len(serial["findings"]) == 1
    assert set(serial["summary"]["suppressedBy"]) == {"baseline"}  # not "pragma"
    assert len({f["fingerprint"] for f in serial["suppressed"]}) == accepted - 1
    assert len(serial["staleBaseline"]) == 1


def test_a_walk_that_fails_after_the_pool_started_raises_its_error(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Shards stream from the walk in the pool's task thread: a `git log` that dies half way
    must surface as its own error in the scan, not hang it or pass as a short scan."""
    from scanner.errors import SourceError
    from scanner.model import Blob

    class FailingWalk:
        root = "."

        def stream_shards(self, shard_bytes: int) -> Any:
            yield parallel.Shard(["a.txt"], 100)
            yield parallel.Shard(["b.txt"], 100)
            raise SourceError("git log failed: simulated")

        def read_shard(self, work: list[str]) -> Any:
            for name in work:
                yield Blob(name, b"x = 1\n")

    monkeypatch.setattr(parallel, "PARALLEL_MIN_BYTES", 0)
    with pytest.raises(SourceError, match="simulated"):
        list(parallel.scan_events(FailingWalk(), lambda blob: [], 2))  # type: ignore[arg-type]


def test_what_workers_send_pickles_by_its_fields(monkeypatch: pytest.MonkeyPatch) -> None:
    """Findings travel from workers to the parent by pickle: each model object is rebuilt by
    calling its class with its field values (not by the dataclass default, which calls
    dataclasses.fields() per object, seconds on a large history), shared objects stay
    shared, and every value survives the trip."""
    report = synthetic_result()  # flags, commits, occurrences, labels, every suppression
    history = history_result(copies=6, distinct=4)  # commits shared between findings
    findings = [*report.findings, *report.suppressed, *history.findings]
    events = [parallel.Found(findings), parallel.Progressed(2, 10, "a.py"), *report.skipped]

    def no_fields(*_: object) -> None:
        raise AssertionError("pickled through dataclasses.fields()")

    monkeypatch.setattr(dataclasses, "fields", no_fields)
    back = pickle.loads(pickle.dumps(events, protocol=pickle.HIGHEST_PROTOCOL))
    assert back == events
    sent = [loc.commit for f in findings for loc in (f.location, *f.occurrences)]
    came = [loc.commit for f in back[0].findings for loc in (f.location, *f.occurrences)]
    assert len({id(c) for c in came}) == len({id(c) for c in sent})  # shared once, as sent


def test_workers_inherit_the_repositorys_salt(tmp_path: Path, pool_calls: list[int],
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    """The salt comes from the repository's identity (its root commit: a second of git on a
    large history): worked out once before the workers fork, not once in each of them."""
    from scanner.sources import git as git_mod

    root = tmp_path / "tree"
    build_tree(root)
    asked = tmp_path / "asked"
    real = git_mod.identity

    def spy(directory: Path) -> str | None:
        with asked.open("a") as fh:
            fh.write(f"{os.getpid()}\n")
        return real(directory)

    monkeypatch.setattr(git_mod, "identity", spy)
    report(root, tmp_path / "forked.json", "--jobs", "2")
    assert pool_calls == [1]
    assert asked.read_text().split() == [str(os.getpid())]
