"""History and the working tree as one audit, each blob once.

`credscope scan --history` reads what anyone who clones the repository, or any agent working
in it, can reach: every blob of the history (scanner.sources.history) and every file on disk,
gitignored ones included (a `.env.production` that was never committed is an agent's to
read). A file whose content is a blob of the history is scanned once, as that blob, with
the commit that introduced it: files are hashed the way `git hash-object` hashes them
(`blob <size>\\0<content>`, no filters), so a file equal to a history blob is matched by id.

After the scan, per secret: `history-only` when no occurrence is in HEAD's tree or on disk;
`ignored-but-present` when one occurrence is a history blob that also sits on disk in a
gitignored file (the verdict stays that of a committed secret: it is in the history).

`walk` is the same walk without reading the history's blobs, for a caller that schedules the
reads itself (scanner.audit reads each blob on a Dask worker, and shares it by its id).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Sequence
from dataclasses import replace
from typing import Any

from scanner.config import Config
from scanner.model import Blob, Finding, Flag, Location, Skipped
from scanner.parallel import Shard
from scanner.sources import git
from scanner.sources.history import BLOB_ESTIMATE, HistorySource
from scanner.sources.worktree import FileTask, WorktreeSource, is_binary, read_limit, read_regular
from scanner.trust import ExcludeTally

_TREE, _HISTORY = "tree", "history"
_IGNORED = frozenset({Flag.IGNORED_BUT_PRESENT})
_NO_FLAGS: frozenset[Flag] = frozenset()


def git_blob_id(data: bytes, object_format: str = "sha1") -> str:
    """The id `git hash-object` gives `data` (without clean filters)."""
    digest = hashlib.new(object_format)
    digest.update(b"blob %d\0" % len(data))
    digest.update(data)
    return digest.hexdigest()


class HistoryAndTreeSource:
    """HistorySource + the working tree of the same repository, each blob once."""

    mode = "history"

    def __init__(self, config: Config) -> None:
        self.config = config
        self.history = HistorySource(config)
        self.root = self.history.root
        repo = self.history.repo
        self.tree: WorktreeSource | None = None
        if not repo.bare:
            # The whole work tree, whatever subdirectory was named: history paths are
            # relative to the repository's top, so tree paths must be too.
            self.tree = WorktreeSource(config.with_overrides(root=repo.workdir))
        self._present: set[str] = set()  # ids of every file on disk
        self._ignored: set[str] = set()  # ids of gitignored files on disk
        self._deduplicated = 0
        self._format = "sha1"
        # The history's blobs in reading order, as stream_shards listed them. A parallel
        # scan forks its workers after the listing, so a history shard is a range of this
        # list, not a copy of it: pickling 200,000 changes to the workers and back into
        # objects cost seconds of both cores on a large history.
        self._changes: list[git.Change] | None = None

    @property
    def excluded(self) -> ExcludeTally:
        """What the repository's exclude patterns removed, from the history and the tree
        (a path excluded in both counts in both: they are different reads)."""
        tally = ExcludeTally(self.config.repo_exclude)
        for part in (self.history.excluded, *((self.tree.excluded,) if self.tree else ())):
            for pattern, (files, dirs) in part.counts.items():
                counts = tally.counts.setdefault(pattern, [0, 0])
                counts[0] += files
                counts[1] += dirs
        return tally

    # -- the walk ------------------------------------------------------------------------

    def notes(self) -> list[str]:
        out = [*self.history.notes(), *(self.tree.notes() if self.tree else [])]
        if self.tree is None:
            out.append("bare repository: there is no working tree to scan beside the history")
        elif self._deduplicated:
            out.append(f"{self._deduplicated:,} working-tree file(s) hold the same content as "
                       "a history blob: each was scanned once, as that blob")
        return out

    def items(self) -> Iterator[Blob | Skipped]:
        changes = list(self.history.changes())
        known = self._known(changes)
        for task in self.tree_entries():
            if isinstance(task, Skipped):
                yield task
            else:
                yield from self._tree_file(task, known)
        yield from self.history.read_shard(changes)
        self.history.describe_skipped_entries()

    def walk(self) -> tuple[list[git.Change], list[tuple[FileTask, str] | Skipped]]:
        """What items() reads, listed: each unique history blob once (reading order), and
        each working-tree file the history does not hold with its blob id, or why it could
        not be read. Records what notes() and finalize() need, as items() does."""
        changes = list(self.history.changes())
        known = self._known(changes)
        tree: list[tuple[FileTask, str] | Skipped] = []
        for task in self.tree_entries():
            if isinstance(task, Skipped):
                tree.append(task)
                continue
            hashed = self._hashed(task, known)
            if isinstance(hashed, Skipped):
                tree.append(hashed)
            elif hashed[1] is not None:
                tree.append((task, hashed[1]))
        self.history.describe_skipped_entries()
        return changes, tree

    def stream_shards(self, shard_bytes: int) -> Iterator[Shard | Skipped]:
        """The history walk first (it is held for stored order anyway) and the history's
        blobs in runs; then the tree, hashed here so that only files the history does not
        hold go to the workers. The workers start on the history while the tree is hashed
        (a parallel scan hands shards out from the pool's task thread): hashing a tree of
        8,000 files first kept both cores idle for a twentieth of a history scan."""
        changes = self._changes = list(self.history.changes())
        known = self._known(changes)
        per_shard = max(shard_bytes // BLOB_ESTIMATE, 1)
        for start in range(0, len(changes), per_shard):
            stop = min(start + per_shard, len(changes))
            yield Shard((_HISTORY, (start, stop)), (stop - start) * BLOB_ESTIMATE)
        self.history.describe_skipped_entries()
        batch: list[tuple[FileTask, str]] = []
        size = 0
        for task in self.tree_entries():
            if isinstance(task, Skipped):
                yield task
                continue
            oid = self._hash_task(task, known)
            if oid is not None:
                batch.append((task, oid))
                size += task[3]
                if size >= shard_bytes:
                    yield Shard((_TREE, batch), size)
                    batch, size = [], 0
        if batch:
            yield Shard((_TREE, batch), size)

    def read_shard(self, shard: Any) -> Iterator[Blob | Skipped]:
        kind, work = shard
        if kind == _HISTORY:
            if self._changes is None:  # a shard outlived its walk, or crossed to a stranger
                raise RuntimeError("a history shard was read where its walk is not held")
            start, stop = work
            yield from self.history.read_shard(self._changes[start:stop])
            return
        for task, oid in work:
            yield self._tree_blob(task, oid)

    # -- the tree ------------------------------------------------------------------------

    def _known(self, changes: Sequence[git.Change]) -> frozenset[str]:
        ids = frozenset(c.oid.decode() for c in changes)
        if any(len(i) == 64 for i in ids):
            self._format = "sha256"  # a repository in git's SHA-256 object format
        return ids

    def tree_entries(self) -> Iterator[FileTask | Skipped]:
        """The working tree's walk, file by file (nothing on a bare repository)."""
        if self.tree is None:
            return
        for item in self.tree.stream_shards(1):  # one task per shard: the walk, file by file
            if isinstance(item, Skipped):
                yield item
            else:
                yield from item.work

    def _hash_task(self, task: FileTask, known: frozenset[str]) -> str | None:
        """The file's blob id, recorded as present; None when the history holds it (or it
        cannot be read: the worker reading it will say why)."""
        data = read_regular(task[0], task[1], read_limit(self.config))
        if isinstance(data, Skipped):
            return ""  # unreadable now: let the worker report it
        return self._record(git_blob_id(data, self._format), task[2], known)

    def _record(self, oid: str, ignored: bool, known: frozenset[str]) -> str | None:
        self._present.add(oid)
        if ignored:
            self._ignored.add(oid)
        if oid in known:
            self._deduplicated += 1
            return None
        return oid

    def _hashed(self, task: FileTask, known: frozenset[str]
                ) -> tuple[bytes, str | None] | Skipped:
        """The file's content and blob id, recorded as present; the id is None when the
        history holds it (the file is scanned as that blob)."""
        data = read_regular(task[0], task[1], read_limit(self.config))
        if isinstance(data, Skipped):
            return data
        return data, self._record(git_blob_id(data, self._format), task[2], known)

    def _tree_file(self, task: FileTask, known: frozenset[str]) -> Iterator[Blob | Skipped]:
        hashed = self._hashed(task, known)
        if isinstance(hashed, Skipped):
            yield hashed
            return
        data, oid = hashed
        if oid is not None:  # else the history's blob, scanned as such
            yield tree_blob(task, data, oid)

    def _tree_blob(self, task: FileTask, oid: str) -> Blob | Skipped:
        data = read_regular(task[0], task[1], read_limit(self.config))
        if isinstance(data, Skipped):
            return data
        return tree_blob(task, data, oid or git_blob_id(data, self._format))

    # -- after the scan ------------------------------------------------------------------

    def finalize(self, findings: Sequence[Finding]) -> tuple[Finding, ...]:
        present = self._present | self.history.head_blobs
        return tuple(self._flagged(f, present) for f in findings)

    def _flagged(self, finding: Finding, present: set[str] | frozenset[str]) -> Finding:
        places = (finding.location, *finding.occurrences)
        flags = set(finding.classification.flags)
        if any(_history_blob(p) and p.blob_id in self._ignored for p in places):
            flags.add(Flag.IGNORED_BUT_PRESENT)
        if all(_history_blob(p) and p.blob_id not in present for p in places):
            flags.add(Flag.HISTORY_ONLY)
        if flags == finding.classification.flags:
            return finding
        return replace(finding, classification=replace(finding.classification,
                                                       flags=frozenset(flags)))


def tree_blob(task: FileTask, data: bytes, oid: str) -> Blob | Skipped:
    """A working-tree file's content as the blob `oid`: flagged when gitignored."""
    if is_binary(data):
        return Skipped(task[1], "binary file", "binary")
    return Blob(path=task[1], data=data, flags=_IGNORED if task[2] else _NO_FLAGS,
                blob_id=oid)


def _history_blob(place: Location) -> bool:
    return place.commit is not None
