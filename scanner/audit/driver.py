"""The audit's driver loop: repositories in, per-repository ScanResults out, Dask in between.

Plans (one walk per repository: its history and working tree) go out first and at a higher
priority; as plans come back, in batches, their places (blob id, path) are split three ways:
stored by an earlier run (nothing to do), already on their way in a shard submitted for
another repository (wait for it: this is how forks share work), or new. New places are
grouped by blob, so a blob that several of the batch's repositories hold is read and matched
once and judged at each of its paths, and cut into shards of a few hundred blobs in the
owning repository's reading order. A gitignored file on disk is judged ignored-but-present,
so its places have an analysis key of their own (keys.read_analysis) and shards of their
own. Every finished shard is stored in one transaction before anything else
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
from scanner.audit.keys import analysis_key, portable, read_analysis
from scanner.audit.outcome import Outcome
from scanner.audit.store import Place, Store
from scanner.audit.waiting import Waiting
from scanner.audit.work import (
    Plan,
    Read,
    ReportTask,
    RepoTask,
    ShardResult,
    ShardTask,
    analyse_shard,
    is_ignored,
    place_of,
    plan_repository,
    render_reports,
)
from scanner.config import Config

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
    history_only: bool = False
    analysis: str = ""
    plan: Plan | None = None
    missing: set[Place] = field(default_factory=set)
    # Outcomes it was served that are not stored (a file changed after the walk): its
    # result is not stored either, so the next run audits it again.
    unstored: dict[Place, Outcome] = field(default_factory=dict)
    started: float = field(default_factory=time.perf_counter)
    failed: bool = False
    task: RepoTask = field(init=False)

    def __post_init__(self) -> None:
        self.analysis = analysis_key(self.config)
        self.task = RepoTask(self.name, portable(self.config), self.analysis, self.scheme,
                             self.audit_salt, self.history_only)

    def places(self) -> dict[bool, list[Place]]:
        """Its plan's places, by whether they are read from gitignored files."""
        assert self.plan is not None
        out: dict[bool, list[Place]] = {}
        for item in self.plan.reads:
            out.setdefault(is_ignored(item), []).append(place_of(item))
        return out

    def analysis_of(self, ignored: bool) -> str:
        """The analysis key its places are judged under (keys.read_analysis)."""
        return read_analysis(self.analysis, ignored)


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
        # (analysis, blob) -> the repository that reads it, gitignored?, the paths to judge
        owned: dict[tuple[str, str], tuple[RepoRun, bool, set[str]]] = {}
        ready: list[RepoRun] = []
        for future in futures:
            run: RepoRun = self.work[future][1]
            try:
                run.plan = future.result()
            except Exception as err:  # noqa: BLE001 - one repository's failure, reported
                self._fail(run, _reason(err))
                continue
            self.counts.planned += 1
            for ignored, places in run.places().items():
                analysis = run.analysis_of(ignored)
                stored = self.store.known(analysis, run.scheme.key, places)
                self.counts.reused += len(stored)
                for blob, path in set(places) - stored:
                    run.missing.add((blob, path))
                    key, analysing = (analysis, blob, path), None
                    if key not in self.waiting:  # new: the batch's first holder judges it
                        owner, _, paths = owned.setdefault((analysis, blob),
                                                           (run, ignored, set()))
                        paths.add(path)
                        analysing = owner.scheme.key
                    self.waiting.wait(key, run.scheme.key, run, analysing)
            if not run.missing:
                ready.append(run)
        wanted: dict[tuple[int, bool], tuple[RepoRun, dict[str, set[str]]]] = {}
        for (_, blob), (owner, ignored, paths) in owned.items():  # in the batch's plans' order
            wanted.setdefault((id(owner), ignored), (owner, {}))[1][blob] = paths
        for (_, ignored), (owner, blobs) in wanted.items():
            self._submit_shards(owner, _reads_of(owner, ignored, blobs), ignored)
        for run in ready:
            self._finish(run)

    def _submit_shards(self, run: RepoRun, blobs: list[tuple[Read, tuple[str, ...]]],
                       ignored: bool) -> None:
        """Shards of `blobs` (each blob, and the paths to judge it at), read from `run`'s
        repository and judged under its scheme."""
        for start in range(0, len(blobs), self.shard_blobs):
            task = ShardTask(run.task, tuple(blobs[start:start + self.shard_blobs]), ignored)
            self._submit_task(analyse_shard, task, ("shard", task), f"shard-{start}")

    def _analysed(self, future: Future) -> None:
        task: ShardTask = self.work[future][1]
        analysis, scheme = task.analysis, task.repo.scheme.key
        try:
            result: ShardResult = future.result()
        except Exception as err:  # noqa: BLE001 - a shard that failed for good (KilledWorker...)
            reason = f"{_reason(err)} (while analysing {task.blobs[0][0].path} and others)"
            for item, paths in task.blobs:
                for path in paths:
                    for run in self.waiting.failed((analysis, place_of(item)[0], path)):
                        self._fail(run, reason)
            return
        unstored = set(result.unstored)
        self.store.put_outcomes(analysis, scheme,
                                [row for row in result.outcomes if row[0] not in unstored])
        self.counts.shards += 1
        self.counts.blobs += result.blobs
        self.counts.bytes += result.size
        again: dict[int, tuple[RepoRun, dict[str, set[str]]]] = {}
        for place, outcome in result.outcomes:
            served, to_judge = self.waiting.arrived((analysis, *place), scheme, outcome.salted)
            for run in served:
                if place in unstored:
                    run.unstored[place] = outcome
                self._arrived(run, place)
            for run in to_judge:  # its fingerprints need the secret under its own scheme
                blob, path = place
                again.setdefault(id(run), (run, {}))[1].setdefault(blob, set()).add(path)
        for run, blobs in again.values():
            self.counts.rejudged += sum(map(len, blobs.values()))
            # Read from its own repository: the shard's was another's (a file on its disk).
            self._submit_shards(run, _reads_of(run, task.ignored, blobs), task.ignored)
        if self.on_shard is not None:
            self.on_shard(self.counts)

    def _arrived(self, run: RepoRun, place: Place) -> None:
        run.missing.discard(place)
        if not run.missing and run.plan is not None:
            self._finish(run)

    def _finish(self, run: RepoRun) -> None:
        assert run.plan is not None
        outcomes: dict[Place, Outcome] = {}
        places = run.places()
        for ignored, some in places.items():
            outcomes.update(self.store.outcomes(run.analysis_of(ignored), run.scheme.key, some))
        outcomes.update(run.unstored)
        if len(outcomes) < len({place for some in places.values() for place in some}):
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


def _reads_of(run: RepoRun, ignored: bool, blobs: dict[str, set[str]]
              ) -> list[tuple[Read, tuple[str, ...]]]:
    """Where `run` reads each of `blobs` (as a gitignored file or not), in its reading order,
    each blob once, with the paths to judge it at."""
    assert run.plan is not None
    mine: list[tuple[Read, tuple[str, ...]]] = []
    left = dict(blobs)
    for item in run.plan.reads:
        blob = place_of(item)[0]
        if blob in left and is_ignored(item) == ignored:
            mine.append((item, tuple(sorted(left.pop(blob)))))
    return mine


def _reason(err: BaseException) -> str:
    text = str(err) or type(err).__name__
    return f"{type(err).__name__}: {text}" if type(err).__name__ not in text else text
