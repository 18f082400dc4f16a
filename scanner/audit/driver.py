"""The audit's driver loop: repositories in, per-repository ScanResults out, Dask in between.

Plans (one history walk per repository) go out first and at a higher priority; as plans
come back, in batches, their places (blob id, path) are split three ways: stored by an
earlier run (nothing to do), already on their way in a shard submitted for another repository
(wait for it: this is how forks share work), or new. New places are grouped by blob, so a
blob that several of the batch's repositories hold is read and matched once and judged at
each of its paths, and cut into shards of a few hundred blobs in the owning repository's
reading order. Every finished shard is stored in one transaction before anything else
happens; a repository is assembled when its last place is in, and its reports are rendered
by a worker too (a SARIF can take minutes).

A shard judges its places under its owner's fingerprint scheme (identity.py). A place
without findings serves every repository waiting on it; one with findings serves those of
the same scheme, and is analysed again for each other scheme waiting (unrelated repositories
holding the same secret at the same path: rare, and the only way to their fingerprints).
waiting.py keeps that book.

A lost worker is Dask's to handle (its tasks run again elsewhere; a re-delivered shard is a
no-op in the store). A shard that fails for good fails the repositories waiting on it, each
with its reason, and the audit goes on.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from scanner.audit.assemble import Assembled, assemble
from scanner.audit.cluster import distributed
from scanner.audit.identity import RepoScheme
from scanner.audit.keys import analysis_key, portable
from scanner.audit.store import Place, Store
from scanner.audit.waiting import Waiting
from scanner.audit.work import (
    Plan,
    ReportTask,
    RepoTask,
    ShardResult,
    ShardTask,
    analyse_shard,
    plan_repository,
    render_reports,
)
from scanner.config import Config
from scanner.sources.git import Change

Future = Any  # dask.distributed futures (see cluster.distributed)
PLAN_PRIORITY = 10  # walks first: the more plans are in, the more blobs a batch shares
OPEN_REPOSITORIES = 256  # repositories walked and not yet done, at most


@dataclass
class Counts:
    """What the run did; tests prove incrementality with these, not with timings."""

    planned: int = 0  # repositories whose history was walked
    shards: int = 0
    blobs: int = 0  # blobs read and matched by workers
    bytes: int = 0
    reused: int = 0  # places found in the store
    rejudged: int = 0  # places with findings analysed again for another fingerprint scheme


@dataclass
class RepoRun:
    name: str
    config: Config
    key: str  # keys.repository_key: stored with the result
    scheme: RepoScheme  # identity.repo_scheme: resolved as `scan` resolves it
    audit_salt: bytes  # Store.audit_salt
    analysis: str = ""
    plan: Plan | None = None
    missing: set[Place] = field(default_factory=set)
    started: float = field(default_factory=time.perf_counter)
    failed: bool = False
    task: RepoTask = field(init=False)

    def __post_init__(self) -> None:
        self.analysis = analysis_key(self.config)
        self.task = RepoTask(self.name, portable(self.config), self.analysis, self.scheme,
                             self.audit_salt)


# (run, what was assembled and its reports' text by format) or (run, None, why it failed)
Done = Callable[[RepoRun, tuple[Assembled, dict[str, str]] | None, str | None], None]


class Driver:
    def __init__(self, client: Any, store: Store, shard_blobs: int, done: Done,
                 on_shard: Callable[[Counts], None] | None = None,
                 open_repositories: int = OPEN_REPOSITORIES) -> None:
        self.client, self.store, self.shard_blobs = client, store, shard_blobs
        self.done, self.on_shard = done, on_shard
        self.counts = Counts()
        self.waiting: Waiting[RepoRun] = Waiting()
        self.work: dict[Future, tuple[str, Any]] = {}
        self.window, self.open = open_repositories, 0
        self.queue: Iterator[RepoRun] = iter(())
        self.pending: Any = None

    def run(self, runs: Iterable[RepoRun]) -> None:
        self.start(runs, distributed().as_completed())
        for batch in self.pending.batches():
            self.take(batch)
        self.finish()

    def start(self, runs: Iterable[RepoRun], pending: Any) -> None:
        """Submit the first walks; every task submitted is added to `pending` (Dask's
        as_completed), whose batches of finished tasks go to `take`."""
        self.queue, self.pending = iter(runs), pending
        self._refill()

    def finish(self) -> None:
        for run in list(self.waiting.left()):
            self._fail(run, "internal error: a place was never analysed")

    def take(self, batch: list[Future]) -> None:
        """A batch of finished tasks: the plans first (their places may be in this batch's
        shards), then the rest in turn."""
        self._planned([f for f in batch if self.work[f][0] == "plan"])
        for future in batch:
            kind = self.work[future][0]
            if kind == "shard":
                self._analysed(future)
            elif kind == "report":
                self._reported(future)
            del self.work[future]

    def _refill(self) -> None:
        """Walk more repositories while fewer than `window` are open (planned, not done): the
        driver holds each open one's plan, so this bounds its memory on a large organisation."""
        while self.open < self.window:
            run = next(self.queue, None)
            if run is None:
                return
            self._submit_task(plan_repository, run.task, ("plan", run), f"plan-{run.name}",
                              priority=PLAN_PRIORITY)
            self.open += 1

    def _submit_task(self, fn: Callable[[Any], Any], task: Any, what: tuple[str, Any],
                     name: str, priority: int = 0) -> None:
        future = self.client.submit(fn, task, pure=False, priority=priority,
                                    key=f"{name}-{uuid.uuid4().hex}")
        self.work[future] = what
        self.pending.add(future)

    def _planned(self, futures: list[Future]) -> None:
        """Take a batch of plans in; submit shards for the places nobody has yet."""
        owned: dict[tuple[str, str], tuple[RepoRun, set[str]]] = {}  # (analysis, blob) -> ...
        ready: list[RepoRun] = []
        for future in futures:
            run: RepoRun = self.work[future][1]
            try:
                run.plan = future.result()
            except Exception as err:  # noqa: BLE001 - one repository's failure, reported
                self._fail(run, _reason(err))
                continue
            self.counts.planned += 1
            places = [(c.oid.decode(), c.path) for c in run.plan.changes]
            stored = self.store.known(run.analysis, run.scheme.key, places)
            self.counts.reused += len(stored)
            run.missing = set(places) - stored
            for blob, path in run.missing:
                key, analysing = (run.analysis, blob, path), None
                if key not in self.waiting:  # new: the batch's first holder of the blob judges it
                    owner, paths = owned.setdefault((run.analysis, blob), (run, set()))
                    paths.add(path)
                    analysing = owner.scheme.key
                self.waiting.wait(key, run.scheme.key, run, analysing)
            if not run.missing:
                ready.append(run)
        for owner in {id(r): r for r, _ in owned.values()}.values():
            self._submit_shards(owner, _owned_by(owner, owned))  # in the batch's plans' order
        for run in ready:
            self._finish(run)

    def _submit_shards(self, run: RepoRun, blobs: list[tuple[Change, tuple[str, ...]]]
                       ) -> None:
        """Shards of `blobs` (each blob, and the paths to judge it at), read from `run`'s
        repository and judged under its scheme."""
        for start in range(0, len(blobs), self.shard_blobs):
            task = ShardTask(run.task, tuple(blobs[start:start + self.shard_blobs]))
            self._submit_task(analyse_shard, task, ("shard", task), f"shard-{start}")

    def _analysed(self, future: Future) -> None:
        task: ShardTask = self.work[future][1]
        analysis, scheme = task.repo.analysis, task.repo.scheme.key
        try:
            result: ShardResult = future.result()
        except Exception as err:  # noqa: BLE001 - a shard that failed for good (KilledWorker...)
            reason = f"{_reason(err)} (while analysing {task.blobs[0][0].path} and others)"
            for change, paths in task.blobs:
                for path in paths:
                    for run in self.waiting.failed((analysis, change.oid.decode(), path)):
                        self._fail(run, reason)
            return
        self.store.put_outcomes(analysis, scheme, result.outcomes)
        self.counts.shards += 1
        self.counts.blobs += result.blobs
        self.counts.bytes += result.size
        changes = {change.oid.decode(): change for change, _ in task.blobs}
        again: dict[int, tuple[RepoRun, list[tuple[Change, str]]]] = {}
        for place, outcome in result.outcomes:
            served, to_judge = self.waiting.arrived((analysis, *place), scheme, outcome.salted)
            for run in served:
                self._arrived(run, place)
            for run in to_judge:  # its fingerprints need the secret under its own scheme
                again.setdefault(id(run), (run, []))[1].append((changes[place[0]], place[1]))
        for run, places in again.values():
            self.counts.rejudged += len(places)
            by_blob: dict[str, tuple[Change, list[str]]] = {}
            for change, path in places:
                by_blob.setdefault(change.oid.decode(), (change, []))[1].append(path)
            self._submit_shards(run, [(c, tuple(sorted(p))) for c, p in by_blob.values()])
        if self.on_shard is not None:
            self.on_shard(self.counts)

    def _arrived(self, run: RepoRun, place: Place) -> None:
        run.missing.discard(place)
        if not run.missing and run.plan is not None:
            self._finish(run)

    def _finish(self, run: RepoRun) -> None:
        assert run.plan is not None
        places = [(c.oid.decode(), c.path) for c in run.plan.changes]
        outcomes = dict(self.store.outcomes(run.analysis, run.scheme.key, places))
        if len(outcomes) < len(set(places)):
            self._fail(run, "internal error: the store lost part of this repository's outcomes")
            return
        assembled = assemble(run.config, run.plan, outcomes, run.started)
        run.plan = None  # the walk is done with: free it
        self._submit_task(render_reports,
                          ReportTask(assembled.result, run.task.config, run.analysis),
                          ("report", (run, assembled)), "report")

    def _reported(self, future: Future) -> None:
        run, assembled = self.work[future][1]
        try:
            texts = future.result()
        except Exception as err:  # noqa: BLE001 - reported as this repository's failure
            self._fail(run, f"its reports could not be rendered: {_reason(err)}")
            return
        self._end(run, (assembled, texts), None)

    def _fail(self, run: RepoRun, reason: str) -> None:
        if run.failed:
            return  # it waited on several places of a shard that failed
        run.failed, run.plan, run.missing = True, None, set()
        self._end(run, None, reason)

    def _end(self, run: RepoRun, result: tuple[Assembled, dict[str, str]] | None,
             error: str | None) -> None:
        self.open -= 1
        self.done(run, result, error)
        self._refill()


def _owned_by(run: RepoRun, owned: dict[tuple[str, str], tuple[RepoRun, set[str]]]
              ) -> list[tuple[Change, tuple[str, ...]]]:
    """The blobs `run` judges for the batch, in its reading order, each with its paths."""
    assert run.plan is not None
    mine = []
    for change in run.plan.changes:
        owner = owned.get((run.analysis, change.oid.decode()))
        if owner is not None and owner[0] is run:
            mine.append((change, tuple(sorted(owner[1]))))
    return mine


def _reason(err: BaseException) -> str:
    text = str(err) or type(err).__name__
    return f"{type(err).__name__}: {text}" if type(err).__name__ not in text else text
