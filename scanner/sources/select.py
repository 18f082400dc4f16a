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
    history_only: bool = False  # the history alone, without the working tree
    since: str | None = None
    range: str | None = None
    staged: bool = False
    agent_surface: bool = False
    home: Path | None = None
    files: tuple[Path, ...] = ()


def select_source(config: Config, opts: SourceOptions) -> Source:
    """--history (history + working tree, each blob once), --history-only, --since/--range
    (history of those commits), --staged, --agent-surface (which combines with the history
    options: then its repository part is the history audit), or the working tree."""
    history = opts.history or opts.history_only or bool(opts.since or opts.range)
    chosen = [name for name, on in (("--history", history), ("--staged", opts.staged),
                                    ("--agent-surface", opts.agent_surface)) if on]
    if opts.staged and len(chosen) > 1:
        raise ConfigError(f"{' and '.join(chosen)} cannot be combined")
    if opts.since and opts.range:
        raise ConfigError("--since and --range cannot be combined")
    if opts.staged:
        from scanner.sources.staged import StagedSource  # noqa: PLC0415

        return StagedSource(config)
    repo = _history_source(config, opts) if history else None
    if opts.agent_surface:
        from scanner.sources.agent_surface import AgentSurfaceSource  # noqa: PLC0415

        return AgentSurfaceSource(config, home=opts.home, repo=repo)
    if repo is not None:
        return repo
    if opts.files:
        return WorktreeSource(config, paths=list(opts.files))
    return WorktreeSource(config)


def _history_source(config: Config, opts: SourceOptions) -> Source:
    from scanner.sources.history import HistorySource  # noqa: PLC0415

    if opts.history_only or opts.since or opts.range:
        # A CI scan of new commits (--since/--range) wants what they added, not the tree.
        return HistorySource(config, since=opts.since, rev_range=opts.range)
    from scanner.sources.combined import HistoryAndTreeSource  # noqa: PLC0415

    return HistoryAndTreeSource(config)
