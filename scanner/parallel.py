"""Run the engine over a source, on one process or several, with the same result either way.

The engine is a pure function of (rules, bytes), so a large scan splits cleanly: a source that
can plan its work in shards (ShardedSource) has each shard read and matched in a worker
process; only blobs with matches travel back to the parent, which classifies them. Shards are
handed out as workers free up (imap_unordered) and the pipeline sorts findings at the end, so
the result does not depend on the number of processes or on timing.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

from scanner.matching.engine import Engine
from scanner.model import Blob, Match, Skipped
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
class Hit:
    blob: Blob
    matches: list[Match]


Event = Progressed | Hit | Skipped


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


def scan_events(source: Source, engine: Engine, jobs: int) -> Iterator[Event]:
    workers = worker_count(jobs)
    if workers > 1 and isinstance(source, ShardedSource) and _fork_available():
        plan = source.plan(target_shards=workers * 16)
        yield from plan.skipped
        if plan.total_bytes >= PARALLEL_MIN_BYTES and len(plan.shards) > 1:
            yield from _parallel(source, engine, plan, workers)
        else:
            for shard in plan.shards:
                yield from _match_all(source.read_shard(shard), engine)
        return
    yield from _match_all(source.items(), engine)


def _match_all(items: Iterator[Blob | Skipped], engine: Engine) -> Iterator[Event]:
    for item in items:
        if isinstance(item, Skipped):
            yield item
            continue
        yield Progressed(1, len(item.data), item.path)
        matches = engine.scan(item.data)
        if matches:
            yield Hit(item, matches)


# Set in the parent right before forking; workers inherit it (no pickling of the engine).
_WORKER_STATE: tuple[ShardedSource, Engine, Sequence[Any]] | None = None


def _fork_available() -> bool:
    return sys.platform != "win32" and "fork" in multiprocessing.get_all_start_methods()


def _ignore_interrupts() -> None:
    """Ctrl-C reaches the whole process group; the parent alone handles it (terminating the
    pool), so workers must not die mid-task printing their own tracebacks."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _run_shard(index: int) -> list[Event]:
    assert _WORKER_STATE is not None
    source, engine, shards = _WORKER_STATE
    out: list[Event] = []
    files = size = 0
    last = ""
    for event in _match_all(source.read_shard(shards[index]), engine):
        if isinstance(event, Progressed):
            files += 1
            size += event.size
            last = event.path
        else:
            out.append(event)
    out.append(Progressed(files, size, last))
    return out


def _parallel(source: ShardedSource, engine: Engine, plan: Plan, workers: int
              ) -> Iterator[Event]:
    global _WORKER_STATE
    _WORKER_STATE = (source, engine, plan.shards)
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
