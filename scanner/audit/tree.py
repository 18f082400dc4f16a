"""A repository's working tree in the audit, as `scan --history` reads it beside the history
(sources/combined.py): every file on disk, gitignored ones included, each identified by the
blob id `git hash-object` gives it.

- What a plan lists: a file whose content is a history blob is that blob (read once, from
  git); a file the history does not hold is a `TreeFile`, a new blob read from disk by the
  worker that analyses it, and shared, like any blob, with every repository holding that
  blob at that path. The worker checks that the file still has the id the walk gave it: an
  outcome stored under a blob id is reused by other repositories, so it must be that blob's.
- What decides reuse: whether the tree changed must be known before the repository is walked
  again, so its state (keys.repository_key) includes `tree_state`: a digest of every file's
  path, content id and gitignored flag, and of what the walk skipped and why. Content ids
  mean reading the files; like git's index, the store keeps each file's stat (size, times,
  inode) with its id, and an unchanged stat is trusted without reading the file, unless the
  file was modified within RACY_NS of when that stat was taken (a write in the same
  timestamp tick leaves the stat as it was: git's "racily clean" entries). Those are read
  again, so the digest is exact either way.
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass

from scanner.config import Config
from scanner.model import Blob, Skipped
from scanner.sources.combined import HistoryAndTreeSource, git_blob_id, tree_blob
from scanner.sources.worktree import FileTask, lstat_long, read_limit, read_regular

RACY_NS = 2_000_000_000  # the coarsest file timestamps in use (FAT: 2 s)
Entry = tuple[int, int, int, int, str]  # size, mtime_ns, ctime_ns, inode; content id


@dataclass(frozen=True, slots=True)
class TreeFile:
    """A working-tree file whose content is no blob of the history: a new blob."""

    task: FileTask  # (path on disk, path in the repository, gitignored?, size)
    blob: str  # its blob id, from the plan's walk

    @property
    def path(self) -> str:
        return self.task[1]

    @property
    def ignored(self) -> bool:
        return self.task[2]


@dataclass(frozen=True, slots=True)
class Snapshot:
    """The tree as the last state computation saw it (the store keeps one per repository)."""

    taken: int  # time.time_ns() when its walk began
    files: dict[str, Entry]


def read_tree_file(item: TreeFile, config: Config) -> Blob | Skipped | None:
    """The file's content as its blob; None when it is no longer that blob (changed, gone or
    unreadable since the walk hashed it): no outcome of it may be stored under that id."""
    data = read_regular(item.task[0], item.path, read_limit(config))
    if isinstance(data, Skipped) or git_blob_id(data, _format(item.blob)) != item.blob:
        return None
    return tree_blob(item.task, data, item.blob)


def changed_since_walk(path: str) -> Skipped:
    return Skipped(path, "changed after the audit listed it: audit again to scan it",
                   "unreadable")


def tree_state(config: Config, before: Snapshot | None) -> tuple[str, Snapshot | None]:
    """The digest of what `scan --history` reads from the repository's working tree ("bare"
    when it has none), and the snapshot to keep when it differs from `before` (None: keep
    `before`)."""
    source = HistoryAndTreeSource(config)
    if source.tree is None:
        return "bare", None
    taken = time.time_ns()
    files: dict[str, Entry] = {}
    digest = hashlib.sha256()
    read = 0
    for entry in source.tree_entries():
        if isinstance(entry, Skipped):
            _add(digest, "skipped", entry.path, entry.kind, entry.reason)
            continue
        path, rel, ignored, _ = entry
        found = _content_id(path, rel, config, before)
        if isinstance(found, Skipped):
            _add(digest, "skipped", rel, found.kind, found.reason)
            continue
        files[rel], fresh = found
        read += fresh
        _add(digest, "file", rel, files[rel][4], "ignored" if ignored else "")
    _add(digest, "notes", *source.tree.notes())
    unchanged = before is not None and not read and files.keys() == before.files.keys()
    return digest.hexdigest(), None if unchanged else Snapshot(taken, files)


def _content_id(path: str, rel: str, config: Config, before: Snapshot | None
                ) -> tuple[Entry, bool] | Skipped:
    """The file's entry, and whether it was read for it (else its stat was trusted)."""
    try:
        st = lstat_long(path)
    except OSError as err:
        return Skipped(rel, f"unreadable: {err.strerror or err}", "unreadable")
    stat = (st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino)
    known = before.files.get(rel) if before is not None else None
    if known is not None and before is not None and tuple(known[:4]) == stat \
            and max(st.st_mtime_ns, st.st_ctime_ns) < before.taken - RACY_NS:
        return (*stat, known[4]), False
    data = read_regular(path, rel, read_limit(config))
    if isinstance(data, Skipped):
        return data
    return (*stat, git_blob_id(data)), True


def _format(oid: str) -> str:
    return "sha256" if len(oid) == 64 else "sha1"


def _add(digest: hashlib._Hash, *parts: str) -> None:
    for part in parts:
        digest.update(part.encode("utf-8", "surrogateescape"))
        digest.update(b"\0")
    digest.update(b"\n")
