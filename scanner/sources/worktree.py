"""The working tree as it is on disk, not only what git tracks: agents read ignored files too.

Gitignored files that exist are scanned and flagged `ignored-but-present`. `.git/`, excludes
and dependency caches are skipped; binary, oversized, unreadable files and symlinks that leave
the root are skipped with a reason, never fatal.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

from scanner.config import DEFAULT_EXCLUDED_DIRS, Config
from scanner.errors import SourceError
from scanner.model import Blob, Flag, Skipped
from scanner.paths import matches_any
from scanner.sources import git

BINARY_SNIFF = 8192


def is_binary(head: bytes) -> bool:
    """A NUL byte in the first 8 KiB marks binary content (git's own heuristic)."""
    return b"\0" in head[:BINARY_SNIFF]


class WorktreeSource:
    mode = "worktree"

    def __init__(self, config: Config, paths: list[Path] | None = None) -> None:
        self.config = config
        self.base = config.root.resolve()
        if not self.base.exists():
            raise SourceError("path does not exist", path=str(config.root))
        self.root = str(config.root)
        self._paths = paths
        self._notes: list[str] = []
        self._ignored_files: frozenset[str] = frozenset()
        self._ignored_dirs: tuple[str, ...] = ()
        self._excluded_dirs = set(DEFAULT_EXCLUDED_DIRS) if config.default_excludes else {".git"}

    def notes(self) -> list[str]:
        return self._notes

    def items(self) -> Iterator[Blob | Skipped]:
        self._load_ignores()
        if self.base.is_file():
            yield from self._read(self.base, self.base.name)
            return
        if self._paths is not None:
            for p in self._paths:
                yield from self._read(p, self._relative(p))
            return
        yield from self._walk()

    def _relative(self, path: Path) -> str:
        try:
            return path.resolve().relative_to(self.base).as_posix()
        except ValueError:
            return path.as_posix()

    def _load_ignores(self) -> None:
        root = self.base if self.base.is_dir() else self.base.parent
        if git.repo_toplevel(root) is None:
            return
        try:
            self._ignored_files, self._ignored_dirs = git.ignored_paths(root)
        except SourceError as err:
            self._notes.append(f"could not read .gitignore state ({err}); "
                               "ignored-but-present files are not flagged")

    def _is_ignored(self, rel: str) -> bool:
        return rel in self._ignored_files or any(rel.startswith(d) for d in self._ignored_dirs)

    def _walk(self) -> Iterator[Blob | Skipped]:
        stack = [(self.base, "")]
        while stack:
            directory, rel_dir = stack.pop()
            try:
                entries = sorted(os.scandir(directory), key=lambda e: e.name)
            except OSError as err:
                yield Skipped(rel_dir or ".", f"unreadable directory: {err.strerror}", "unreadable")
                continue
            subdirs = []
            for entry in entries:
                rel = f"{rel_dir}{entry.name}"
                if self.config.exclude and matches_any(rel, self.config.exclude):
                    continue
                try:
                    if entry.is_symlink():
                        yield self._symlink(entry, rel)
                        continue
                    if entry.is_dir(follow_symlinks=False):
                        if entry.name not in self._excluded_dirs:
                            subdirs.append((Path(entry.path), rel + "/"))
                        continue
                    if not entry.is_file(follow_symlinks=False):
                        continue  # sockets, FIFOs, devices: reading them could block
                except OSError as err:
                    yield Skipped(rel, f"cannot stat: {err.strerror}", "unreadable")
                    continue
                yield from self._read(Path(entry.path), rel)
            stack.extend(reversed(subdirs))

    def _symlink(self, entry: os.DirEntry[str], rel: str) -> Skipped:
        """Links are never followed: a target inside the root is scanned at its own path,
        one outside it (or a loop) must not be read at all."""
        try:
            target = Path(entry.path).resolve(strict=True)
            target.relative_to(self.base)
        except (OSError, RuntimeError):
            return Skipped(rel, "symlink is broken or loops", "symlink")
        except ValueError:
            return Skipped(rel, "symlink points outside the scanned root", "symlink")
        return Skipped(rel, "symlink (its target is scanned at its own path)", "symlink")

    def _read(self, path: Path, rel: str) -> Iterator[Blob | Skipped]:
        try:
            st = path.stat() if self._paths is not None else path.lstat()
            if not stat.S_ISREG(st.st_mode):
                return
            if st.st_size > self.config.max_file_size:
                yield Skipped(rel, f"larger than max-file-size ({st.st_size:,} bytes)",
                              "too-large")
                return
            with path.open("rb") as fh:
                data = fh.read(self.config.max_file_size + 1)
        except OSError as err:
            yield Skipped(rel, f"unreadable: {err.strerror or err}", "unreadable")
            return
        if len(data) > self.config.max_file_size:
            yield Skipped(rel, "grew past max-file-size while being read", "too-large")
            return
        if is_binary(data):
            yield Skipped(rel, "binary file", "binary")
            return
        flags = frozenset({Flag.IGNORED_BUT_PRESENT}) if self._is_ignored(rel) else frozenset()
        yield Blob(path=rel, data=data, flags=flags)
