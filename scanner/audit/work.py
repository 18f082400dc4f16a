"""What Dask workers run: plain functions of plain, picklable data.

- `plan_repository` walks one repository as `scan --history` does (HistoryAndTreeSource; with
  --history-only, HistorySource): each unique history blob once, at the commit and path that
  introduced it, in the order git stores them, and each working-tree file the history does
  not hold (tree.TreeFile: a new blob, by the id `git hash-object` gives it). The walked
  source comes back with the plan: it knows the notes, HEAD's blobs and the files on disk
  that finish the repository's report.
- `analyse_shard` reads a run of one repository's blobs (history blobs through one `git
  cat-file`, new ones from disk), matches each blob's bytes once, and classifies and filters
  them at every path the audit needs (pipeline.findings_in, with the repository's own Stages
  and fingerprint scheme): one blob shared by forks is read and matched once, wherever it
  sits.

Secrets never leave a worker: every finding comes back as outcome.Kept, without its value,
with what the driver needs of it worked out here (identity.py).
"""

from __future__ import annotations

import os
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from typing import TypeVar

from scanner.audit.identity import RepoScheme, audit_identity
from scanner.audit.keys import PEPPER_VARIABLE, analysis_config, read_analysis, scanner_digest
from scanner.audit.outcome import Outcome, without_secret
from scanner.audit.store import Place
from scanner.audit.tree import TreeFile, changed_since_walk, read_tree_file
from scanner.config import Config
from scanner.errors import InternalError
from scanner.model import Blob, ScanResult, Skipped
from scanner.pipeline import Stages, build_stages, cheap_key, findings_in, matches_in
from scanner.sources.combined import HistoryAndTreeSource
from scanner.sources.git import Change
from scanner.sources.history import HistorySource

REPORT_FORMATS = ("json", "sarif")  # each repository's reports
K = TypeVar("K", bound=Hashable)
V = TypeVar("V")
Read = Change | TreeFile  # where a plan's blob is read from: git, or a file on disk


def place_of(item: Read) -> Place:
    return (item.blob if isinstance(item, TreeFile) else item.oid.decode()), item.path


def is_ignored(item: Read) -> bool:
    """Read from a gitignored file on disk: judged ignored-but-present."""
    return isinstance(item, TreeFile) and item.ignored


@dataclass(frozen=True, slots=True)
class RepoTask:
    """What a worker needs to read one repository and judge its blobs."""

    name: str
    config: Config  # keys.portable: its policy is a dict
    analysis: str  # keys.analysis_key, as the driver worked it out
    scheme: RepoScheme  # its fingerprints' salt and cost, resolved on the driver as `scan` does
    audit_salt: bytes  # the audit's salt, for identities across repositories
    history_only: bool = False  # the history alone, not the working tree (--history-only)
    scanner: str = field(default_factory=scanner_digest)  # the driver's credscope
    # The pepper, if any: never in a repr (Dask may log a task it could not run).
    fingerprint_key: str | None = field(
        default_factory=lambda: os.environ.get(PEPPER_VARIABLE), repr=False)


@dataclass(frozen=True, slots=True)
class Plan:
    source: HistoryAndTreeSource | HistorySource  # walked: its notes and what finalize needs
    # The working tree's new blobs, then each unique history blob once, at its first commit
    # and path, in reading order: one item per place of the repository.
    reads: list[Read]
    skipped: list[Skipped]


@dataclass(frozen=True, slots=True)
class ShardTask:
    repo: RepoTask  # the repository the blobs are read from
    blobs: tuple[tuple[Read, tuple[str, ...]], ...]  # each blob, and every path to judge it at
    ignored: bool = False  # its blobs are gitignored files on disk (keys.read_analysis)

    @property
    def analysis(self) -> str:
        """The key its outcomes are stored under."""
        return read_analysis(self.repo.analysis, self.ignored)


@dataclass(frozen=True, slots=True)
class ReportTask:
    result: ScanResult  # a finished repository
    config: Config  # keys.portable: its policy is a dict
    analysis: str  # keys.analysis_key of the config


@dataclass(frozen=True, slots=True)
class ShardResult:
    outcomes: tuple[tuple[Place, Outcome], ...]
    blobs: int  # blobs read and matched here
    size: int
    # Places whose file changed after the plan hashed it: their outcome (a skip) holds for
    # this audit of the repositories waiting on them, never for that blob id.
    unstored: tuple[Place, ...] = ()


def plan_repository(task: RepoTask) -> Plan:
    with _same_credscope(task):
        if task.history_only:
            history = HistorySource(task.config)
            changes: list[Read] = list(history.changes())
            history.describe_skipped_entries()
            return Plan(history, changes, [])
        source = HistoryAndTreeSource(task.config)
        history_blobs, tree = source.walk()
        new = [TreeFile(*entry) for entry in tree if not isinstance(entry, Skipped)]
        skipped = [entry for entry in tree if isinstance(entry, Skipped)]
        return Plan(source, [*new, *history_blobs], skipped)


def analyse_shard(task: ShardTask) -> ShardResult:
    with _same_credscope(task.repo):
        scheme = task.repo.scheme
        stages = replace(stages_for(task.repo.config, task.repo.analysis),
                         fingerprinter=scheme.fingerprinter())
        identity = audit_identity(task.repo.audit_salt)
        by_id = {rule.id: rule for rule in stages.rules}
        read = _read(task.repo, [item for item, _ in task.blobs])
        out: list[tuple[Place, Outcome]] = []
        unstored: list[Place] = []
        blobs = size = 0
        for (planned, paths), item in zip(task.blobs, read, strict=True):
            oid = place_of(planned)[0]
            if item is None:  # a file that is no longer the blob the plan listed
                out += [((oid, path), Outcome(skipped=changed_since_walk(path)))
                        for path in paths]
                unstored += [(oid, path) for path in paths]
                continue
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
                kept = tuple(without_secret(f, scheme, identity,
                                            quick=cheap_key(by_id[f.rule_id], f))
                             for f in found)
                out.append(((oid, path), Outcome(len(item.data), kept)))
        return ShardResult(tuple(out), blobs, size, tuple(unstored))


def _read(repo: RepoTask, items: Sequence[Read]) -> Iterator[Blob | Skipped | None]:
    """Each item's blob, in order: history blobs through the repository's `git cat-file`,
    new ones from disk (None: the file is no longer that blob)."""
    changes = [item for item in items if isinstance(item, Change)]
    from_git = iter(_reader(repo.config, repo.analysis).read_shard(changes)) if changes \
        else iter(())
    for item in items:
        yield read_tree_file(item, repo.config) if isinstance(item, TreeFile) else next(from_git)


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
