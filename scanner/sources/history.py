"""Git history as unique blobs: each scanned once, reported with the commit that introduced it.

One `git log --raw` walks every ref oldest commit first and names each (commit, path, blob);
the first time a blob id appears is where it was introduced. Contents stream through one
persistent `git cat-file --batch` (scanner.sources.git), in the order git stores the blobs
(a delta right after its base), so memory does not grow with history and git resolves each
delta once.
After the scan, `finalize` marks a secret history-only when none of its occurrences sits in a
blob of HEAD's tree: judged per secret, because a secret can survive edits to its file.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import replace

from scanner.config import Config
from scanner.errors import SourceError
from scanner.model import Blob, Finding, Flag, Skipped
from scanner.parallel import Shard, worker_count
from scanner.paths import matches_any
from scanner.sources import git
from scanner.sources.worktree import is_binary, read_limit
from scanner.trust import ExcludeTally

_FILE_MODES = frozenset({b"100644", b"100755", b"100664"})
BLOB_ESTIMATE = 16 * 1024  # bytes per blob, for streamed shards (see stream_shards)
# Blobs are read in stored order (git.stored_order) when the walk lists at least _ORDER_MIN
# of them (below, order hardly matters, and listing every object of a large repository for a
# `--since` scan of a few commits would cost more than it saves) and at most _ORDER_MAX (the
# list is held until the walk ends; a larger history streams in commit order instead, more
# slowly, in bounded memory).
_ORDER_MIN = 2048
_ORDER_MAX = 1_000_000


class HistorySource:
    mode = "history"

    def __init__(self, config: Config, since: str | None = None, rev_range: str | None = None,
                 include_stash: bool = True) -> None:
        self.config = config
        self.repo = git.open_repository(config.root.resolve())
        self.root = str(config.root)
        self._revs = self._revisions(since, rev_range, include_stash)
        self._notes: list[str] = []
        self._head_blobs: frozenset[str] = frozenset()
        self.gitlinks = self.symlinks = 0
        self.excluded = ExcludeTally(config.repo_exclude)
        self._planned: tuple[int, None] | None = None

    def _revisions(self, since: str | None, rev_range: str | None,
                   include_stash: bool) -> list[str]:
        wanted = rev_range or (f"{since}..HEAD" if since else None)
        if wanted is None:
            return ["--all"] if include_stash else ["--exclude=refs/stash", "--all"]
        if self.repo.head is None:
            raise SourceError("the repository has no commits, so it has no range to scan",
                              path=str(self.repo.workdir))
        git.verify_range(self.repo.workdir, wanted)
        return ["--end-of-options", wanted]

    def notes(self) -> list[str]:
        return self._notes

    def progress_total(self) -> tuple[int, None] | None:
        """(blobs, None) to read, once the walk has listed them all (progress.py)."""
        return self._planned

    def items(self) -> Iterator[Blob | Skipped]:
        """Stream: one walk, one reader; held are the blob ids seen and the list of blobs to
        read (for their stored order), never their contents."""
        yield from self.read_shard(self.changes())
        self._describe_skipped_entries()

    def changes(self) -> Iterator[git.Change]:
        """Each unique blob of the walk once, at its first commit, in reading order."""
        self._prepare()
        return self._in_read_order(self._first_seen(self._walk()))

    @property
    def head_blobs(self) -> frozenset[str]:
        """Blob ids of HEAD's tree (known once `changes()` has started)."""
        return self._head_blobs

    def describe_skipped_entries(self) -> None:
        self._describe_skipped_entries()

    def stream_shards(self, shard_bytes: int) -> Iterator[Shard | Skipped]:
        """For a parallel scan: runs of blobs in reading order (_in_read_order), each read by
        one worker's `cat-file`, whose delta cache stays warm from one run to its next. Git
        tells a blob's size only as it is read, so shards count blobs (a typical source blob
        is a few KiB) and a blob over max-file-size is skipped by the worker that reads its
        header."""
        per_shard = max(shard_bytes // BLOB_ESTIMATE, 1)
        shard: list[git.Change] = []
        for change in self.changes():
            shard.append(change)
            if len(shard) >= per_shard:
                yield Shard(shard, len(shard) * BLOB_ESTIMATE)
                shard = []
        if shard:
            yield Shard(shard, len(shard) * BLOB_ESTIMATE)
        self._describe_skipped_entries()

    def read_shard(self, shard: Iterable[git.Change]) -> Iterator[Blob | Skipped]:
        limit = read_limit(self.config)  # a blob is held whole, as a file is
        for change, content in git.read_blobs(self.repo.workdir, shard, _oid, limit):
            if isinstance(content, git.Unreadable):
                yield Skipped(change.path, content.reason, content.kind)
            elif is_binary(content):
                yield Skipped(change.path, "binary file", "binary")
            else:
                yield Blob(change.path, content, blob_id=change.oid.decode(),
                           commit=change.commit)

    def _prepare(self) -> None:
        self._describe_repository()
        if self.repo.head is not None:
            self._head_blobs = git.tree_blob_ids(self.repo.workdir)

    def _walk(self) -> Iterator[git.Change]:
        # As many gits as the scan has workers: they are idle until the walk ends.
        return git.log_changes(self.repo.workdir, self._revs,
                               parts=worker_count(self.config.jobs))

    def _first_seen(self, changes: Iterator[git.Change]) -> Iterator[git.Change]:
        """Each blob once, at the first (oldest) commit and path that introduced it."""
        seen: set[bytes] = set()
        for change in changes:
            if change.mode not in _FILE_MODES:
                if change.mode == git.GITLINK_MODE:
                    self.gitlinks += 1
                else:
                    self.symlinks += 1
                continue
            if change.oid in seen:
                continue
            if self.config.exclude and matches_any(change.path, self.config.exclude):
                self.excluded.removed(change.path)
                continue  # not marked seen: the same blob may sit at a path that is not excluded
            seen.add(change.oid)
            yield change

    def _in_read_order(self, changes: Iterator[git.Change]) -> Iterator[git.Change]:
        """The walk's changes in the order git stores their blobs. Git packs a file's
        versions together, each a delta on the next, so reading in commit order made
        `cat-file` re-inflate delta chains: most of its time on a long history. Only the
        reading order changes: the first commit of each blob was settled by the walk."""
        held = list(itertools.islice(changes, _ORDER_MAX))
        if len(held) < _ORDER_MAX:
            self._planned = (len(held), None)  # the whole walk: progress shows a total
        if not _ORDER_MIN <= len(held) < _ORDER_MAX:
            yield from held
            yield from changes
            return
        by_oid = {change.oid: change for change in held}
        ordered: list[git.Change] = []
        try:
            for oid in git.stored_order(self.repo.workdir):
                change = by_oid.pop(oid, None)
                if change is not None:
                    ordered.append(change)
        except SourceError:
            pass  # git could not list every object: the rest is read in commit order
        yield from ordered
        yield from by_oid.values()  # missing objects: the reader reports each one

    def finalize(self, findings: Sequence[Finding]) -> tuple[Finding, ...]:
        """Mark the secrets that no blob at HEAD still holds as history-only."""
        if self.repo.head is None:
            return tuple(findings)
        at_head = {f.fingerprint for f in findings
                   for loc in (f.location, *f.occurrences) if loc.blob_id in self._head_blobs}
        return tuple(f if f.fingerprint in at_head else _history_only(f) for f in findings)

    def _describe_repository(self) -> None:
        repo, add = self.repo, self._notes.append
        if repo.head is None:
            add("the repository has no commits yet: there is no history to scan")
        if repo.bare:
            add("bare repository: history is scanned, there is no working tree")
        if repo.shallow:
            add("shallow clone: history before the shallow boundary is not scanned, and blobs "
                "at the boundary are attributed to the boundary commit; run "
                "`git fetch --unshallow` for a full audit")
        if repo.detached and repo.head is not None:
            add(f"HEAD is detached at {repo.head[:10]}: history-only is judged against it")

    def _describe_skipped_entries(self) -> None:
        if self.gitlinks:
            self._notes.append(f"{_entries(self.gitlinks)} for submodules (gitlinks) skipped: "
                               "scan each submodule's repository on its own")
        if self.symlinks:
            self._notes.append(f"{_entries(self.symlinks)} for symlinks skipped (a link "
                               "holds a target path, not file content)")


def _entries(n: int) -> str:
    return f"{n} entr{'y' if n == 1 else 'ies'}"

def _oid(change: git.Change) -> bytes:
    return change.oid


def _history_only(finding: Finding) -> Finding:
    flags = finding.classification.flags | {Flag.HISTORY_ONLY}
    return replace(finding, classification=replace(finding.classification, flags=flags))
