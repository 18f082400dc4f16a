"""Run the engine over a source, on one process or several, with the same result either way.

Matching, classifying and filtering a blob depend on nothing but the blob (the pipeline's
`analyse`), so a large scan splits cleanly: a source that hands out its work in shards
(StreamingSource) has each shard read, matched, classified and filtered in a worker process;
only findings travel back to the parent (never blob contents), which applies the scan-wide
steps (the baseline) and sorts. Shards are handed out as workers free up (imap_unordered)
and the pipeline sorts findings at the end, so the result does not depend on the number of
processes or on timing.
"""

from __future__ import annotations

import gc
import multiprocessing
import os
import signal
import sys
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

from scanner.model import Blob, Finding, Skipped, pickled_by_fields
from scanner.sources import Source

# Below this much planned input a process pool costs more than it saves.
PARALLEL_MIN_BYTES = 32 * 1024 * 1024


@pickled_by_fields
@dataclass(frozen=True, slots=True)
class Progressed:
    """`files` blobs totalling `size` bytes were read and matched (with or without hits)."""

    files: int
    size: int
    path: str


@pickled_by_fields
@dataclass(frozen=True, slots=True)
class Found:
    """The findings (active and suppressed) of one blob."""

    findings: list[Finding]


Event = Progressed | Found | Skipped
# Matches, classifies and filters one blob: a pure function of the blob.
Analyse = Callable[[Blob], list[Finding]]


@dataclass(frozen=True, slots=True)
class Shard:
    """A picklable description of work for read_shard, and the bytes it will read."""

    work: Any
    size: int


@runtime_checkable
class StreamingSource(Protocol):
    """A source that splits its work into shards, handed out as it walks, so that workers
    start at once instead of after the whole walk (a tree of 50,000 files takes a few tenths
    of a second to walk: a tenth of a two-core scan); history orders its whole walk first,
    to read blobs in stored order. A worker reads a shard with read_shard."""

    def stream_shards(self, shard_bytes: int) -> Iterator[Shard | Skipped]: ...

    def read_shard(self, shard: Any) -> Iterator[Blob | Skipped]: ...


# Shards of a streamed walk: small enough that two workers finish close together, large
# enough that the per-shard round trip is noise.
SHARD_BYTES = 16 * 1024 * 1024


def cores() -> int:
    """The cores this process may run on (its CPU affinity, where the platform says)."""
    if hasattr(os, "sched_getaffinity"):
        return max(1, len(os.sched_getaffinity(0)))
    return os.cpu_count() or 1


def worker_count(jobs: int) -> int:
    """`jobs` workers, never more than the cores: a config asking for 400 processes gets as
    many as can run at once, and more would only cost memory (0 means one per core)."""
    return min(jobs, cores()) if jobs > 0 else cores()


def scan_events(source: Source, analyse: Analyse, jobs: int,
                before_fork: Callable[[], None] = lambda: None) -> Iterator[Event]:
    """Every event of the scan. `before_fork` runs once in this process before a pool forks
    (imports every worker would otherwise repeat)."""
    workers = worker_count(jobs)
    if workers > 1 and isinstance(source, StreamingSource) and _fork_available():
        yield from _streamed(source, analyse, workers, before_fork)
        return
    yield from _analyse_all(source.items(), analyse)


def _analyse_all(items: Iterator[Blob | Skipped], analyse: Analyse) -> Iterator[Event]:
    for item in items:
        if isinstance(item, Skipped):
            yield item
            continue
        yield Progressed(*item.progress, item.path)  # a windowed file counts once
        findings = analyse(item)
        if findings:
            yield Found(findings)


def _streamed(source: StreamingSource, analyse: Analyse, workers: int,
              before_fork: Callable[[], None]) -> Iterator[Event]:
    """Walk until PARALLEL_MIN_BYTES are planned (a small scan never starts a pool), then let
    the pool take shards as the walk, running on in the pool's task thread, hands them out."""
    stream = source.stream_shards(SHARD_BYTES)
    head: list[Shard] = []
    planned = 0
    for item in stream:
        if isinstance(item, Skipped):
            yield item
            continue
        head.append(item)
        planned += item.size
        if planned >= PARALLEL_MIN_BYTES:
            break
    else:
        for shard in head:
            yield from _analyse_all(source.read_shard(shard.work), analyse)
        return
    skipped: list[Skipped] = []  # found by the walk in the pool's task thread

    def shards() -> Iterator[Any]:
        yield from (shard.work for shard in head)
        for item in stream:
            if isinstance(item, Skipped):
                skipped.append(item)
            else:
                yield item.work

    yield from _pool(source, analyse, shards(), workers, before_fork)
    # Every result is in, so the pool has drained the walk (imap learns its length then).
    yield from skipped


# Set in the parent right before forking; workers inherit it (no pickling of the engine).
_WORKER_STATE: tuple[StreamingSource, Analyse] | None = None


def _fork_available() -> bool:
    return sys.platform != "win32" and "fork" in multiprocessing.get_all_start_methods()


def _init_worker(parent: int) -> None:
    """Ctrl-C reaches the whole process group; the parent alone handles it (terminating the
    pool), so workers must not die mid-task printing their own tracebacks. SIGTERM and SIGHUP
    (inherited as the parent's unwinding handlers) end a worker at once, as the pool's
    terminate() intends; and a worker whose parent dies, even by SIGKILL, is sent SIGTERM by
    the kernel (Linux), so no worker or its git outlives the scan."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    for sig in (signal.SIGTERM, getattr(signal, "SIGHUP", None)):
        if sig is not None:
            signal.signal(sig, signal.SIG_DFL)
    _die_with_parent()
    if os.getppid() != parent:  # the parent died before the line above took effect
        os._exit(1)


def _die_with_parent() -> None:
    if not sys.platform.startswith("linux"):
        return
    import ctypes  # noqa: PLC0415

    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, int(signal.SIGTERM), 0, 0, 0)
    except (OSError, AttributeError):  # no prctl here: the parent's terminate() still reaps
        pass


_PR_SET_PDEATHSIG = 1


def _run_work(work: Any) -> list[Event]:
    assert _WORKER_STATE is not None
    source, analyse = _WORKER_STATE
    out: list[Event] = []
    files = size = 0
    last = ""
    for event in _analyse_all(source.read_shard(work), analyse):
        if isinstance(event, Progressed):
            files += event.files
            size += event.size
            last = event.path
        else:
            out.append(event)
    out.append(Progressed(files, size, last))
    return out


def _pool(source: StreamingSource, analyse: Analyse, shards: Iterable[Any], workers: int,
          before_fork: Callable[[], None]) -> Iterator[Event]:
    """Run _run_work over the shards (a list, or a generator the pool's task thread drains)
    in forked workers, yielding their events as shards complete."""
    global _WORKER_STATE
    _WORKER_STATE = (source, analyse)
    before_fork()
    ctx = multiprocessing.get_context("fork")
    # Workers share the parent's memory until they write to it, and the cyclic collector
    # writes to every object it scans: frozen, what the parent holds (a history's list of
    # blobs to read, 280 MiB for a million) is never scanned in a worker, so never copied.
    gc.freeze()
    try:
        pool = ctx.Pool(processes=workers, initializer=_init_worker, initargs=(os.getpid(),))
    finally:
        gc.unfreeze()
    try:
        for events in pool.imap_unordered(_run_work, shards):
            yield from events
        pool.close()
    except BaseException:
        pool.terminate()  # Ctrl-C or an error: no stray children
        raise
    finally:
        pool.join()
        _WORKER_STATE = None
