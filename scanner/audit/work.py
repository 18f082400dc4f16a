"""What Dask workers run: plain functions of plain, picklable data.

- `plan_repository` walks one repository's history as `scan --history` does
  (HistorySource): each unique blob once, at the commit and path that introduced it, in the
  order git stores them. The walked source comes back with the plan: it knows the notes and
  HEAD's blobs that finish the repository's report.
- `analyse_shard` reads a run of one repository's blobs through one `git cat-file`, matches
  each blob's bytes once, and classifies and filters them at every path the audit needs
  (pipeline.findings_in, with the repository's own Stages and fingerprint scheme): one blob
  shared by forks is read and matched once, wherever it sits.

Secrets never leave a worker: every finding comes back as outcome.Kept, without its value,
with what the driver needs of it worked out here (identity.py).
"""

from __future__ import annotations

import os
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from typing import TypeVar

from scanner.audit.identity import RepoScheme, audit_identity
from scanner.audit.keys import PEPPER_VARIABLE, analysis_config, scanner_digest
from scanner.audit.outcome import Outcome, without_secret
from scanner.config import Config
from scanner.errors import InternalError
from scanner.model import ScanResult, Skipped
from scanner.parallel import SHARD_BYTES
from scanner.pipeline import Stages, build_stages, findings_in, matches_in
from scanner.sources.git import Change
from scanner.sources.history import HistorySource

REPORT_FORMATS = ("json", "sarif")  # each repository's reports
K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


@dataclass(frozen=True, slots=True)
class RepoTask:
    """What a worker needs to read one repository and judge its blobs."""

    name: str
    config: Config  # keys.portable: its policy is a dict
    analysis: str  # keys.analysis_key, as the driver worked it out
    scheme: RepoScheme  # its fingerprints' salt and cost, resolved on the driver as `scan` does
    audit_salt: bytes  # the audit's salt, for identities across repositories
    scanner: str = field(default_factory=scanner_digest)  # the driver's credscope
    # The pepper, if any: never in a repr (Dask may log a task it could not run).
    fingerprint_key: str | None = field(
        default_factory=lambda: os.environ.get(PEPPER_VARIABLE), repr=False)


@dataclass(frozen=True, slots=True)
class Plan:
    source: HistorySource  # walked: its notes, and HEAD's blobs for finalize
    changes: list[Change]  # each unique blob once, at its first commit and path, reading order
    skipped: list[Skipped]


@dataclass(frozen=True, slots=True)
class ShardTask:
    repo: RepoTask  # the repository the blobs are read from
    blobs: tuple[tuple[Change, tuple[str, ...]], ...]  # each blob, and every path to judge it at


@dataclass(frozen=True, slots=True)
class ReportTask:
    result: ScanResult  # a finished repository
    config: Config  # keys.portable: its policy is a dict
    analysis: str  # keys.analysis_key of the config


@dataclass(frozen=True, slots=True)
class ShardResult:
    outcomes: tuple[tuple[tuple[str, str], Outcome], ...]  # ((blob id, path), outcome)
    blobs: int  # blobs read and matched here
    size: int


def plan_repository(task: RepoTask) -> Plan:
    with _same_credscope(task):
        source = HistorySource(task.config)
        changes: list[Change] = []
        skipped: list[Skipped] = []
        for item in source.stream_shards(SHARD_BYTES):
            if isinstance(item, Skipped):
                skipped.append(item)
            else:
                changes.extend(item.work)
        return Plan(source, changes, skipped)


def analyse_shard(task: ShardTask) -> ShardResult:
    with _same_credscope(task.repo):
        scheme = task.repo.scheme
        stages = replace(stages_for(task.repo.config, task.repo.analysis),
                         fingerprinter=scheme.fingerprinter())
        identity = audit_identity(task.repo.audit_salt)
        by_id = {rule.id: rule for rule in stages.rules}
        changes = [change for change, _ in task.blobs]
        read = _reader(task.repo.config, task.repo.analysis).read_shard(changes)
        out: list[tuple[tuple[str, str], Outcome]] = []
        blobs = size = 0
        for (change, paths), item in zip(task.blobs, read, strict=True):
            oid = change.oid.decode()
            if isinstance(item, Skipped):
                out += [((oid, path), Outcome(skipped=item)) for path in paths]
                continue
            blobs += 1
            size += len(item.data)
            matches = matches_in(item.data, stages)  # as `scan` does, rejected ones too
            for path in paths:
                blob = item if path == item.path else replace(item, path=path)
                found = findings_in(blob, matches, stages, by_id, stages.filters) if matches \
                    else ()
                kept = tuple(without_secret(f, scheme, identity) for f in found)
                out.append(((oid, path), Outcome(len(item.data), kept)))
        return ShardResult(tuple(out), blobs, size)


def render_reports(task: ReportTask) -> dict[str, str]:
    """A repository's JSON and SARIF text (the `scan` reporters), rendered on a worker: a
    SARIF of a secret seen in thousands of blobs takes a worker minutes, not the driver."""
    from scanner.reporters import REPORTERS, ReportContext  # noqa: PLC0415

    ctx = ReportContext(rules={r.id: r for r in stages_for(task.config, task.analysis).rules})
    return {fmt: REPORTERS[fmt](task.result, ctx) for fmt in REPORT_FORMATS}


@contextmanager
def _same_credscope(task: RepoTask) -> Iterator[None]:
    """Refuse to work for a driver running other credscope code or rules (its stored outcomes
    would mix two versions), and judge with the driver's fingerprint pepper (Fingerprinter
    and legacy_fingerprint read it from the environment)."""
    if task.scanner != scanner_digest():
        raise InternalError("this Dask worker runs a different credscope (code or rules) than "
                            "the audit's driver: install the same version on every worker")
    before = os.environ.get(PEPPER_VARIABLE)
    _set_key(task.fingerprint_key)
    try:
        yield
    finally:
        _set_key(before)


def _set_key(value: str | None) -> None:
    if value is None:
        os.environ.pop(PEPPER_VARIABLE, None)
    else:
        os.environ[PEPPER_VARIABLE] = value


# Per worker process: Stages per analysis key (building one compiles the rules), and a reader
# per repository (opening one asks git about it). Small, because a worker serves few at once.
# Keyed by the driver's analysis key, which digests the rule files as the driver read them
# this run: a worker kept between audits rebuilds its Stages when a user's rule changes.
_STAGES: OrderedDict[str, Stages] = OrderedDict()
_READERS: OrderedDict[tuple[str, str], HistorySource] = OrderedDict()


def stages_for(config: Config, analysis: str) -> Stages:
    """The repository's Stages (this process's copy, built once per analysis key). Their
    fingerprinter is a placeholder (analysis_config has no root): callers set the scheme."""
    return _cached(_STAGES, analysis, lambda: build_stages(analysis_config(config)), 4)


def _reader(config: Config, analysis: str) -> HistorySource:
    return _cached(_READERS, (str(config.root), analysis), lambda: HistorySource(config), 8)


def _cached(cache: OrderedDict[K, V], key: K, make: Callable[[], V], size: int) -> V:
    if key in cache:
        cache.move_to_end(key)
        return cache[key]
    value = cache[key] = make()
    while len(cache) > size:
        cache.popitem(last=False)
    return value
