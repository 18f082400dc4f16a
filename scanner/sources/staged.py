"""The staged content: exactly what the next commit would write, read from the index.

For pre-commit hooks. Contents come from the index through `git cat-file`, never from the
working tree, so an unstaged edit neither hides nor adds a secret. Only entries that differ
from HEAD are read (every entry before the first commit); deletions have nothing to scan.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from pathlib import Path

from scanner.config import Config
from scanner.errors import SourceError
from scanner.model import Blob, Skipped
from scanner.paths import matches_any
from scanner.sources import git
from scanner.sources.worktree import is_binary, read_limit
from scanner.trust import ExcludeTally

_FILE_MODES = frozenset({b"100644", b"100755", b"100664"})


class StagedSource:
    mode = "staged"

    def __init__(self, config: Config, paths: Sequence[str] | None = None) -> None:
        """`paths` (repository-relative, as pre-commit passes them) narrows the scan."""
        self.config = config
        start = config.root.resolve()
        top = git.repo_toplevel(start if start.is_dir() else start.parent)
        if top is None:
            raise SourceError("not inside a git work tree (--staged reads its index)",
                              path=str(config.root))
        self.top: Path = top
        self.root = str(config.root)
        self._only = frozenset(paths) if paths is not None else None
        self.excluded = ExcludeTally(config.repo_exclude)
        self._notes: list[str] = []

    def notes(self) -> list[str]:
        return self._notes

    def items(self) -> Iterator[Blob | Skipped]:
        has_head = bool(git.run_git(["rev-parse", "-q", "--verify", "HEAD^{commit}"], self.top,
                                    check=False).strip())
        entries = list(self._entries(git.index_changes(self.top, against_head=has_head)))
        limit = read_limit(self.config)
        for (path, oid), content in git.read_blobs(self.top, entries, _oid, limit):
            if isinstance(content, git.Unreadable):
                yield Skipped(path, content.reason, content.kind)
            elif is_binary(content):
                yield Skipped(path, "binary file", "binary")
            else:
                yield Blob(path, content, blob_id=oid.decode())

    def _entries(self, changes: Iterator[tuple[bytes, bytes, bytes]]
                 ) -> Iterator[tuple[str, bytes]]:
        gitlinks = 0
        for mode, oid, raw_path in changes:
            path = os.fsdecode(raw_path)
            if self._only is not None and path not in self._only:
                continue
            if mode not in _FILE_MODES:
                gitlinks += mode == git.GITLINK_MODE
                continue
            if self.config.exclude and matches_any(path, self.config.exclude):
                self.excluded.removed(path)
                continue
            yield path, oid
        if gitlinks:
            self._notes.append(f"{gitlinks} staged submodule change(s) skipped: a gitlink "
                               "holds no content; scan the submodule on its own")


def _oid(entry: tuple[str, bytes]) -> bytes:
    return entry[1]
