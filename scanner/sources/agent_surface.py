"""The agent-reachable surface: every credential a coding agent on this machine can read.

That is the repository as it is on disk (ignored files included, via WorktreeSource) plus a
fixed list of places under the home directory where agents and their tools keep credentials:
MCP configurations, agent instructions, shell history and CLI credential stores. Only the
listed paths are read; a listed path whose real location is outside the home (a symlink, or a
symlinked parent) is skipped, and links inside listed directories are never followed.

Structured files are parsed (structured.py) so each finding is labelled with the MCP server
and variable, or profile and key, that holds it. The labels travel on the Blob as byte spans
(Blob.labels): the engine still scans the file's own bytes, so line numbers stay true and
context rules still see the key beside the value, and the pipeline needs no call back into
the source.
"""

from __future__ import annotations

import fnmatch
import os
from collections.abc import Iterator, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from scanner.config import DEFAULT_EXCLUDED_DIRS, Config
from scanner.errors import SourceError
from scanner.model import Blob, Finding, Skipped
from scanner.parallel import Shard, StreamingSource
from scanner.paths import matches_any
from scanner.sources import Finalizing, Source, catalogue
from scanner.sources.catalogue import SurfaceEntry
from scanner.sources.structured import parse, parser_for_name
from scanner.sources.worktree import WorktreeSource, is_binary, read_limit, read_regular

# The catalogue is data (rules/catalogue/agent-surface.toml, docs/agent-surface.md): one entry
# per tool and location. Linux and macOS paths are both read, whatever the running system:
# they are just paths under the home.
HOME_SURFACE, REPO_SURFACE = catalogue.builtin()

_HOME_SHARD = "home"
_REPO_SHARD = "repo"


class AgentSurfaceSource:
    mode = "agent-surface"

    def __init__(self, config: Config, home: Path | None = None,
                 repo: Source | None = None) -> None:
        """`repo` is how the repository is read: its working tree by default, or a history
        source (`--agent-surface --history`: history and working tree, each blob once)."""
        self.config = config
        self.repo: Source = repo if repo is not None else WorktreeSource(config)
        self.root = self.repo.root
        tree = getattr(self.repo, "tree", self.repo)
        self.base: Path = tree.base if isinstance(tree, WorktreeSource) else \
            config.root.resolve()
        chosen = home if home is not None else Path.home()
        if not chosen.is_dir():
            raise SourceError("home directory does not exist", path=str(chosen))
        self.home = chosen.resolve()

    def notes(self) -> list[str]:
        present = sum(any(True for _ in _expand(self.home, e.pattern)) for e in HOME_SURFACE)
        return [*self.repo.notes(),
                f"agent surface: {present} of {len(HOME_SURFACE)} known agent and CLI "
                f"credential locations exist under {self.home}"]

    def items(self) -> Iterator[Blob | Skipped]:
        for item in self.repo.items():
            yield from self._repo_item(item)
        yield from self._home_items()

    # StreamingSource: the repository is split as its own source splits it (worker processes
    # on large trees and histories); everything under the home is one more, small shard.
    def stream_shards(self, shard_bytes: int) -> Iterator[Shard | Skipped]:
        if isinstance(self.repo, StreamingSource):
            yield from self.repo.stream_shards(shard_bytes)
        else:  # pragma: no cover - every repository source streams today
            yield Shard(_REPO_SHARD, 0)
        yield Shard(_HOME_SHARD, 0)

    def read_shard(self, shard: Any) -> Iterator[Blob | Skipped]:
        if shard == _HOME_SHARD:
            yield from self._home_items()
            return
        items = self.repo.items() if shard == _REPO_SHARD else \
            self.repo.read_shard(shard)  # type: ignore[attr-defined]
        for item in items:
            yield from self._repo_item(item)

    def finalize(self, findings: Sequence[Finding]) -> tuple[Finding, ...]:
        """The repository's source revisits its findings (history-only); home files have no
        history, so nothing it decides touches them."""
        if isinstance(self.repo, Finalizing):
            return self.repo.finalize(findings)
        return tuple(findings)

    def _repo_item(self, item: Blob | Skipped) -> Iterator[Blob | Skipped]:
        if isinstance(item, Blob) and (entry := repo_entry(item.path)) is not None:
            yield from self._labelled(item, entry.parser, item.path)
        else:
            yield item

    def _home_items(self) -> Iterator[Blob | Skipped]:
        for entry in HOME_SURFACE:
            yield from self._home_entry(entry)

    def _home_entry(self, entry: SurfaceEntry) -> Iterator[Blob | Skipped]:
        for rel in _expand(self.home, entry.pattern):
            if entry.pattern.endswith("/**"):
                yield from self._home_directory(entry, rel)
            else:
                yield from self._home_file(entry, rel, entry.parser, raw_binary=True)

    def _home_file(self, entry: SurfaceEntry, rel: str, parser: str | None, *,
                   raw_binary: bool) -> Iterator[Blob | Skipped]:
        shown = f"~/{rel}"
        read = self._read_listed(self.home / rel, shown)
        if isinstance(read, Skipped):
            yield read
        if not isinstance(read, bytes):
            return
        blob = Blob(path=shown, data=read, location_hint=entry.location, display_path=shown)
        if is_binary(read):
            if not raw_binary:
                yield Skipped(shown, "binary file", "binary")
                return
            yield Skipped(shown, "binary content where text was expected: not parsed, raw "
                                 "bytes still scanned", "unparseable")
            yield blob
            return
        yield from self._labelled(blob, parser, rel)

    def _home_directory(self, entry: SurfaceEntry, rel_dir: str) -> Iterator[Blob | Skipped]:
        """Every file below a listed directory (~/.claude/); links inside are not followed."""
        directory = self.home / rel_dir
        if not directory.is_dir():
            return
        if not self._inside_home(directory):
            yield Skipped(f"~/{rel_dir}", "symlink leads outside the home directory; "
                                          "not followed", "symlink")
            return
        stack = [rel_dir]
        while stack:
            current = stack.pop()
            try:
                entries = sorted(os.scandir(self.home / current), key=lambda e: e.name)
            except OSError as err:
                yield Skipped(f"~/{current}", f"unreadable directory: {err.strerror}",
                              "unreadable")
                continue
            for item in entries:
                rel = f"{current}/{item.name}"
                if item.is_symlink():
                    yield Skipped(f"~/{rel}", "symlink inside an agent directory; not followed",
                                  "symlink")
                elif item.is_dir(follow_symlinks=False):
                    if item.name not in DEFAULT_EXCLUDED_DIRS:
                        stack.append(rel)
                elif item.is_file(follow_symlinks=False):
                    yield from self._home_file(entry, rel, parser_for_name(item.name),
                                               raw_binary=False)

    def _inside_home(self, path: Path) -> bool:
        try:
            return path.resolve(strict=True).is_relative_to(self.home)
        except (OSError, RuntimeError):
            return False

    def _read_listed(self, path: Path, shown: str) -> bytes | Skipped | None:
        """The bytes of one listed file; None when it does not exist (the usual case)."""
        try:
            os.lstat(path)
        except (FileNotFoundError, NotADirectoryError):
            return None
        except OSError as err:
            return Skipped(shown, f"cannot stat: {err.strerror}", "unreadable")
        try:
            real = path.resolve(strict=True)
        except (OSError, RuntimeError):
            return Skipped(shown, "symlink is broken or loops", "symlink")
        if not real.is_relative_to(self.home):
            return Skipped(shown, "symlink leads outside the home directory; not followed",
                           "symlink")
        if self._in_repository(real):
            return None  # the worktree walk already scanned it, labels and all
        return read_regular(real, shown, read_limit(self.config))

    def _in_repository(self, real: Path) -> bool:
        return self.base.is_dir() and real.is_relative_to(self.base)

    def _labelled(self, blob: Blob, parser: str | None, name: str) -> Iterator[Blob | Skipped]:
        kind = parser_for_name(name) if parser == "auto" else parser
        if kind is None:
            yield blob
            return
        parsed = parse(kind, blob.data)
        if parsed.problem is not None:
            yield Skipped(blob.path, f"unparseable {kind}: {parsed.problem}; scanned as plain "
                                     "text", "unparseable")
        yield replace(blob, labels=parsed.labels)


_MAX_MATCHES = 256  # a "*" segment expands to at most this many names (a cache dir may hold more)


def _expand(home: Path, pattern: str) -> Iterator[str]:
    """The existing paths under `home` a catalogue pattern names: literal segments, `*`
    (fnmatch within one segment, at most _MAX_MATCHES names, sorted) and a final `/**`
    (the directory itself, walked by the caller)."""
    yield from _expand_from(home, "", pattern.removesuffix("/**").split("/"))


def _expand_from(home: Path, prefix: str, parts: list[str]) -> Iterator[str]:
    if not parts:
        yield prefix
        return
    head, rest = parts[0], parts[1:]
    if not any(c in head for c in "*?["):
        rel = f"{prefix}/{head}" if prefix else head
        if os.path.lexists(home / rel):
            yield from _expand_from(home, rel, rest)
        return
    try:
        with os.scandir(home / prefix if prefix else home) as it:
            names = sorted(e.name for e in it if fnmatch.fnmatchcase(e.name, head))
    except OSError:
        return
    for name in names[:_MAX_MATCHES]:
        yield from _expand_from(home, f"{prefix}/{name}" if prefix else name, rest)


def repo_entry(rel: str) -> SurfaceEntry | None:
    """The first repository surface entry with a parser that matches a worktree path."""
    for entry in REPO_SURFACE:
        if entry.parser is not None and matches_any(rel, (entry.pattern,)):
            return entry
    return None
