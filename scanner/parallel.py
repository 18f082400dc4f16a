"""Run the engine over a source, on one process or several, with the same result either way.

Matching, classifying and filtering a blob depend on nothing but the blob (the pipeline's
`analyse`), so a large scan splits cleanly: a source that can plan its work in shards
(ShardedSource) has each shard read, matched, classified and filtered in a worker process;
only findings travel back to the parent (never blob contents), which applies the scan-wide
steps (the baseline) and sorts. Shards are handed out as workers free up (imap_unordered)
and the pipeline sorts findings at the end, so the result does not depend on the number of
processes or on timing.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import sys
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

from scanner.model import Blob, Finding, Skipped
from scanner.sources import Source

# Below this much planned input a process pool costs more than it saves.
PARALLEL_MIN_BYTES = 32 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class Progressed:
    """`files` blobs totalling `size` bytes were read and matched (with or without hits)."""

    files: int
    size: int
    path: str


@dataclass(frozen=True, slots=True)
class Found:
    """The findings (active and suppressed) of one blob."""

    findings: list[Finding]


Event = Progressed | Found | Skipped
# Matches, classifies and filters one blob: a pure function of the blob.
Analyse = Callable[[Blob], list[Finding]]


@dataclass(frozen=True)
class Plan:
    """What a sharded source will read: skips found while planning, shards of work, and the
    total planned bytes (to decide whether a pool is worth starting)."""

    skipped: Sequence[Skipped]
    shards: Sequence[Any]  # picklable descriptions of work, read by read_shard in a worker
    total_bytes: int


@runtime_checkable
class ShardedSource(Protocol):
    def plan(self, target_shards: int) -> Plan: ...

    def read_shard(self, shard: Any) -> Iterator[Blob | Skipped]: ...


def worker_count(jobs: int) -> int:
    return jobs if jobs > 0 else (os.cpu_count() or 1)


def scan_events(source: Source, analyse: Analyse, jobs: int) -> Iterator[Event]:
    workers = worker_count(jobs)
    if workers > 1 and isinstance(source, ShardedSource) and _fork_available():
        plan = source.plan(target_shards=workers * 16)
        yield from plan.skipped
        if plan.total_bytes >= PARALLEL_MIN_BYTES and len(plan.shards) > 1:
            yield from _parallel(source, analyse, plan, workers)
        else:
            for shard in plan.shards:
                yield from _analyse_all(source.read_shard(shard), analyse)
        return
    yield from _analyse_all(source.items(), analyse)


def _analyse_all(items: Iterator[Blob | Skipped], analyse: Analyse) -> Iterator[Event]:
    for item in items:
        if isinstance(item, Skipped):
            yield item
            continue
        yield Progressed(1, len(item.data), item.path)
        findings = analyse(item)
        if findings:
            yield Found(findings)


# Set in the parent right before forking; workers inherit it (no pickling of the engine).
_WORKER_STATE: tuple[ShardedSource, Analyse, Sequence[Any]] | None = None


def _fork_available() -> bool:
    return sys.platform != "win32" and "fork" in multiprocessing.get_all_start_methods()


def _ignore_interrupts() -> None:
    """Ctrl-C reaches the whole process group; the parent alone handles it (terminating the
    pool), so workers must not die mid-task printing their own tracebacks."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _run_shard(index: int) -> list[Event]:
    assert _WORKER_STATE is not None
    source, analyse, shards = _WORKER_STATE
    out: list[Event] = []
    files = size = 0
    last = ""
    for event in _analyse_all(source.read_shard(shards[index]), analyse):
        if isinstance(event, Progressed):
            files += 1
            size += event.size
            last = event.path
        else:
            out.append(event)
    out.append(Progressed(files, size, last))
    return out


def _parallel(source: ShardedSource, analyse: Analyse, plan: Plan, workers: int
              ) -> Iterator[Event]:
    global _WORKER_STATE
    _WORKER_STATE = (source, analyse, plan.shards)
    ctx = multiprocessing.get_context("fork")
    pool = ctx.Pool(processes=workers, initializer=_ignore_interrupts)
    try:
        for events in pool.imap_unordered(_run_shard, range(len(plan.shards))):
            yield from events
        pool.close()
    except BaseException:
        pool.terminate()  # Ctrl-C or an error: no stray children
        raise
    finally:
        pool.join()
        _WORKER_STATE = None
