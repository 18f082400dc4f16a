"""The working tree as it is on disk, not only what git tracks: agents read ignored files too.

Gitignored files that exist are scanned and flagged `ignored-but-present`. `.git/`, excludes
and dependency caches are skipped; binary, oversized, unreadable files and symlinks that leave
the root are skipped with a reason, never fatal.

The walk and the read are separate steps so a large tree can be read in worker processes
(plan / read_shard); paths stay `str` in the hot loop because pathlib costs more than the read.
"""

from __future__ import annotations

import errno
import os
import stat
from collections.abc import Iterator
from pathlib import Path

from scanner.config import DEFAULT_EXCLUDED_DIRS, Config
from scanner.errors import SourceError
from scanner.model import Blob, Flag, Skipped
from scanner.parallel import Shard
from scanner.paths import matches_any
from scanner.sources import git
from scanner.sources.windows import read_windows
from scanner.trust import ExcludeTally

BINARY_SNIFF = 8192
# The largest file held in memory whole; a larger one (allowed by a raised max-file-size) is
# read in overlapping windows (sources/windows.py), so memory does not grow with it.
MEMORY_CAP = 128 * 1024 * 1024
_OPEN_FLAGS = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
_IGNORED = frozenset({Flag.IGNORED_BUT_PRESENT})
_NO_FLAGS: frozenset[Flag] = frozenset()

# One unit of reading work: absolute path, path relative to the root, gitignored?, size.
FileTask = tuple[str, str, bool, int]


def is_binary(data: bytes) -> bool:
    """A NUL byte in the first 8 KiB marks binary content (git's own heuristic)."""
    return data.find(b"\0", 0, BINARY_SNIFF) >= 0


class WorktreeSource:
    mode = "worktree"

    def __init__(self, config: Config, paths: list[Path] | None = None) -> None:
        self.config = config
        try:
            self.base = config.root.resolve(strict=True)
        except FileNotFoundError:
            raise SourceError("path does not exist", path=str(config.root)) from None
        except (OSError, RuntimeError) as err:  # a symlink loop, a component not a directory
            why = "a symlink loop" if isinstance(err, RuntimeError) or \
                getattr(err, "errno", None) == errno.ELOOP else (err.strerror or str(err))
            raise SourceError(f"cannot open the path to scan: {why}",
                              path=str(config.root)) from None
        self.root = str(config.root)
        self._paths = paths
        # A scan of named files sees only part of the tree: baseline entries for other files
        # are not stale (filters.baseline reads this).
        self.partial = paths is not None or self.base.is_file()
        self._notes: list[str] = []
        self._ignored_files: frozenset[str] = frozenset()
        self._ignored_dirs: tuple[str, ...] = ()
        self._excluded_dirs = set(DEFAULT_EXCLUDED_DIRS) if config.default_excludes else {".git"}
        self.excluded = ExcludeTally(config.repo_exclude)
        self._planned: tuple[int, int] | None = None

    def notes(self) -> list[str]:
        return self._notes

    def items(self) -> Iterator[Blob | Skipped]:
        for task in self._tasks():
            if isinstance(task, Skipped):
                yield task
            else:
                yield from self.read_all(task)

    def stream_shards(self, shard_bytes: int) -> Iterator[Shard | Skipped]:
        """Shards of about `shard_bytes` (each file weighs 4 KiB more: tiny files spread
        too), in path order, handed out as the walk goes."""
        shard: list[FileTask] = []
        weight = size = 0
        for task in self._tasks():
            if isinstance(task, Skipped):
                yield task
                continue
            shard.append(task)
            weight += task[3] + 4096
            size += task[3]
            if weight >= shard_bytes:
                yield Shard(shard, size)
                shard, weight, size = [], 0, 0
        if shard:
            yield Shard(shard, size)

    def read_shard(self, shard: list[FileTask]) -> Iterator[Blob | Skipped]:
        for task in shard:
            yield from self.read_all(task)

    # -- walking -------------------------------------------------------------------------

    def progress_total(self) -> tuple[int, int] | None:
        """(files, bytes) to read, once the walk has listed them all (progress.py)."""
        return self._planned

    def _tasks(self) -> Iterator[FileTask | Skipped]:
        files = size = 0
        for task in self._listed():
            if not isinstance(task, Skipped):
                files, size = files + 1, size + task[3]
            yield task
        self._planned = (files, size)

    def _listed(self) -> Iterator[FileTask | Skipped]:
        self._load_ignores()
        if self.base.is_file():
            yield from self._task(str(self.base), self.base.name)
        elif self._paths is not None:
            for p in self._paths:
                yield from self._task(str(p), self._relative(p))
        else:
            yield from self._walk()

    def _relative(self, path: Path) -> str:
        try:
            return path.resolve().relative_to(self.base).as_posix()
        except ValueError:
            return path.as_posix()

    def _load_ignores(self) -> None:
        root = self.base if self.base.is_dir() else self.base.parent
        try:
            if git.repo_toplevel(root) is None:
                return
        except git.RepositoryRefused as refused:
            self._notes.append(f"{refused.message}; every file was scanned, but gitignored "
                               "files are not flagged ignored-but-present")
            return
        try:
            self._ignored_files, self._ignored_dirs = git.ignored_paths(root)
        except SourceError as err:
            self._notes.append(f"could not read .gitignore state ({err}); "
                               "ignored-but-present files are not flagged")

    def _is_ignored(self, rel: str) -> bool:
        return rel in self._ignored_files or any(rel.startswith(d) for d in self._ignored_dirs)

    def _walk(self) -> Iterator[FileTask | Skipped]:
        stack = [(str(self.base), "")]
        exclude = self.config.exclude
        while stack:
            directory, rel_dir = stack.pop()
            try:
                entries = list_directory(directory)
            except OSError as err:
                yield Skipped(rel_dir or ".", f"unreadable directory: {err.strerror or err}",
                              "unreadable")
                continue
            subdirs = []
            for name, kind in entries:
                rel = rel_dir + name
                path = f"{directory}/{name}"  # str, not Path: this loop runs per file
                # A directory is matched as `dir/`, so `vendor/` prunes it whole (gitignore).
                if exclude and matches_any(rel + "/" if kind == "dir" else rel, exclude):
                    self.excluded.removed(rel, directory=kind == "dir")
                    continue
                if kind == "link":
                    yield self._symlink(path, rel)
                elif kind == "dir":
                    if name not in self._excluded_dirs:
                        subdirs.append((path, rel + "/"))
                elif kind == "file":
                    yield from self._task(path, rel)
                elif kind == "error":
                    yield Skipped(rel, "cannot stat", "unreadable")
                else:  # a FIFO, socket or device: reading could block or never end
                    yield Skipped(rel, f"{kind}: never read (it is not a regular file)",
                                  "special")
            stack.extend(reversed(subdirs))

    def _task(self, path: str, rel: str) -> Iterator[FileTask | Skipped]:
        try:
            st = lstat_long(path)
        except OSError as err:
            yield Skipped(rel, f"unreadable: {err.strerror or err}", "unreadable")
            return
        if stat.S_ISLNK(st.st_mode):
            yield self._symlink(path, rel)
            return
        if not stat.S_ISREG(st.st_mode):
            yield Skipped(rel, f"{special_kind(st.st_mode)}: never read (it is not a regular "
                          "file)", "special")
            return
        if st.st_size > self.config.max_file_size:
            yield Skipped(rel, f"larger than max-file-size ({st.st_size:,} bytes)", "too-large")
            return
        yield (path, rel, self._is_ignored(rel), st.st_size)

    def _symlink(self, path: str, rel: str) -> Skipped:
        """Links are never followed: a target inside the root is scanned at its own path,
        one outside it (or a loop) must not be read at all."""
        try:
            target = Path(path).resolve(strict=True)
            target.relative_to(self.base)
        except (OSError, RuntimeError):
            return Skipped(rel, "symlink is broken or loops", "symlink")
        except ValueError:
            return Skipped(rel, "symlink points outside the scanned root", "symlink")
        return Skipped(rel, "symlink (its target is scanned at its own path)", "symlink")

    # -- reading -------------------------------------------------------------------------

    def read_all(self, task: FileTask) -> Iterator[Blob | Skipped]:
        """One file: whole, or in windows when it is larger than MEMORY_CAP."""
        if task[3] <= MEMORY_CAP:
            yield self.read(task)
            return
        path, rel, ignored, _ = task
        for item in read_windows(path, rel, self.config.max_file_size,
                                 _IGNORED if ignored else _NO_FLAGS):
            if isinstance(item, Blob) and item.window and item.window.index == 0 \
                    and is_binary(item.data):
                yield Skipped(rel, "binary file", "binary")
                return
            yield item

    def read(self, task: FileTask) -> Blob | Skipped:
        path, rel, ignored, _ = task
        data = read_regular(path, rel, read_limit(self.config))
        if isinstance(data, Skipped):
            return data
        if is_binary(data):
            return Skipped(rel, "binary file", "binary")
        return Blob(path=rel, data=data, flags=_IGNORED if ignored else _NO_FLAGS)


def read_limit(config: Config) -> int:
    """The most bytes any source holds for one file or blob: max-file-size, capped."""
    return min(config.max_file_size, MEMORY_CAP)


def read_regular(path: str | Path, shown: str, limit: int) -> bytes | Skipped:
    """One regular file, at most `limit` bytes, shown as `shown` in any Skipped. Never follows
    a link (O_NOFOLLOW: it may have become one since it was listed) and never blocks on a
    FIFO planted where a file was (O_NONBLOCK)."""
    try:
        fd = open_long(path, _OPEN_FLAGS)
        try:
            st = os.fstat(fd)
            if not stat.S_ISREG(st.st_mode):
                return Skipped(shown, "not a regular file", "unreadable")
            if st.st_size > limit:
                return Skipped(shown, f"larger than max-file-size ({st.st_size:,} bytes)",
                               "too-large")
            data = _read_all(fd, st.st_size, limit + 1)
        finally:
            os.close(fd)
    except OSError as err:
        return Skipped(shown, f"unreadable: {err.strerror or err}", "unreadable")
    if len(data) > limit:
        return Skipped(shown, "grew past max-file-size while being read", "too-large")
    return data


def _read_all(fd: int, size: int, limit: int) -> bytes:
    """Read to EOF or `limit` bytes; the usual small file costs one read syscall."""
    data = os.read(fd, min(size + 1, limit))
    if len(data) == size or len(data) >= limit:
        return data
    parts, total = [data], len(data)  # short read, or the file grew while we read it
    while total < limit:
        chunk = os.read(fd, min(1 << 20, limit - total))
        if not chunk:
            break
        parts.append(chunk)
        total += len(chunk)
    return b"".join(parts)


# -- paths of any length ------------------------------------------------------------------
# A tree can nest deeper than PATH_MAX (4,096 bytes on Linux): such a path cannot be opened by
# name, so it is opened one component at a time, each relative to its parent directory, never
# following a link. Shorter paths (all but a hostile few) take the one-call route.
_LONG = 3800
_DIR_FLAGS = os.O_RDONLY | getattr(os, "O_DIRECTORY", 0) | getattr(os, "O_NOFOLLOW", 0)


def open_long(path: str | Path, flags: int) -> int:
    """os.open for a path of any length: component by component past PATH_MAX."""
    path = os.fspath(path)
    if len(os.fsencode(path)) < _LONG:
        return os.open(path, flags)
    head, name = os.path.split(path)
    parent = _open_dir_long(head)
    try:
        return os.open(name, flags, dir_fd=parent)
    finally:
        os.close(parent)


def _open_dir_long(path: str) -> int:
    parts = [p for p in path.split("/") if p]
    fd = os.open("/" if path.startswith("/") else ".", _DIR_FLAGS)
    try:
        for part in parts:
            child = os.open(part, _DIR_FLAGS, dir_fd=fd)
            os.close(fd)
            fd = child
    except BaseException:
        os.close(fd)
        raise
    return fd


def lstat_long(path: str) -> os.stat_result:
    if len(os.fsencode(path)) < _LONG:
        return os.lstat(path)
    head, name = os.path.split(path)
    parent = _open_dir_long(head)
    try:
        return os.lstat(name, dir_fd=parent)
    finally:
        os.close(parent)


def list_directory(path: str) -> list[tuple[str, str]]:
    """(name, kind) of a directory's entries, sorted by name; kind is file, dir, link,
    error (cannot stat) or a special file's kind (fifo, socket, device)."""
    if len(os.fsencode(path)) < _LONG:
        with os.scandir(path) as it:
            return sorted((e.name, _kind(e)) for e in it)
    fd = _open_dir_long(path)
    try:
        with os.scandir(fd) as it:
            return sorted((e.name, _kind(e)) for e in it)
    finally:
        os.close(fd)


def _kind(entry: os.DirEntry[str]) -> str:
    try:
        if entry.is_symlink():
            return "link"
        if entry.is_dir(follow_symlinks=False):
            return "dir"
        if entry.is_file(follow_symlinks=False):
            return "file"
        return special_kind(entry.stat(follow_symlinks=False).st_mode)
    except OSError:
        return "error"


def special_kind(mode: int) -> str:
    if stat.S_ISFIFO(mode):
        return "FIFO"
    if stat.S_ISSOCK(mode):
        return "socket"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "device"
    return "special file"
