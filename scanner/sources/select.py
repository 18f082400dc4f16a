"""Pick the source a scan reads from the command-line options."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from scanner.config import Config
from scanner.errors import ConfigError
from scanner.sources import Source
from scanner.sources.worktree import WorktreeSource


@dataclass(frozen=True)
class SourceOptions:
    history: bool = False
    since: str | None = None
    range: str | None = None
    staged: bool = False
    agent_surface: bool = False
    home: Path | None = None
    files: tuple[Path, ...] = ()


def select_source(config: Config, opts: SourceOptions) -> Source:
    chosen = [name for name, on in (("--history", opts.history or bool(opts.since or opts.range)),
                                    ("--staged", opts.staged),
                                    ("--agent-surface", opts.agent_surface)) if on]
    if len(chosen) > 1:
        raise ConfigError(f"{' and '.join(chosen)} cannot be combined")
    if opts.since and opts.range:
        raise ConfigError("--since and --range cannot be combined")
    if opts.history or opts.since or opts.range:
        from scanner.sources.history import HistorySource  # noqa: PLC0415

        return HistorySource(config, since=opts.since, rev_range=opts.range)
    if opts.staged:
        from scanner.sources.staged import StagedSource  # noqa: PLC0415

        return StagedSource(config)
    if opts.agent_surface:
        from scanner.sources.agent_surface import AgentSurfaceSource  # noqa: PLC0415

        return AgentSurfaceSource(config, home=opts.home)
    if opts.files:
        return WorktreeSource(config, paths=list(opts.files))
    return WorktreeSource(config)
