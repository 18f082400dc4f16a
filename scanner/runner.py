"""Run one scan for a front end: source -> pipeline -> every requested report -> exit code."""

from __future__ import annotations

import os
import sys
from dataclasses import replace
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from scanner.config import Config
from scanner.model import ScanResult
from scanner.pipeline import build_stages, scan
from scanner.progress import LazyProgress
from scanner.reporters import ReportContext, write_format
from scanner.sources.select import SourceOptions, select_source


def run_scan(config: Config, opts: SourceOptions, reports: list[tuple[str, Path | None]],
             view: ReportContext | None = None) -> int:
    """`view` carries the terminal report's display options (verbose, show, width)."""
    source = select_source(config, opts)
    stages = build_stages(config)
    progress = LazyProgress(enabled=config.progress,
                            total=getattr(source, "progress_total", None))
    try:
        result = scan(config, source, stages, progress=progress)
    finally:
        progress.close()
    result = with_provenance(result, config.root)
    ctx = replace(view or ReportContext(), rules={r.id: r for r in stages.rules},
                  show_secrets=config.show_secrets, max_occurrences=config.max_occurrences)
    summary_shown = False
    for fmt, output in reports:
        to_stdout = output is None or str(output) == "-"
        color = to_stdout and fmt == "terminal" and use_color()
        notes = write_format(fmt, result, replace(ctx, color=color), output)
        for note in notes:  # what a report had to leave out (SARIF's upload limits)
            print(f"credscope: note: {note}", file=sys.stderr)
        summary_shown |= to_stdout and fmt == "terminal"  # the terminal report ends with it
    if not summary_shown:  # stdout holds another format, or nothing: the summary goes aside
        from scanner.reporters.terminal import summary  # noqa: PLC0415

        sys.stderr.write(summary(result, ctx))
    return result.exit_code


def use_color() -> bool:
    """Colour on a terminal, unless NO_COLOR is set (https://no-color.org)."""
    return sys.stdout.isatty() and not os.environ.get("NO_COLOR")


def with_provenance(result: ScanResult, root: Path) -> ScanResult:
    """HEAD, the origin URL and the root's place in its repository, for SARIF's
    versionControlProvenance and repository-relative URIs; unchanged outside git."""
    from scanner.errors import SourceError
    from scanner.sources.git import run_git

    cwd = root if root.is_dir() else root.parent
    try:  # fails outside a work tree, which also answers "is this a repository?"
        prefix = run_git(["rev-parse", "--show-prefix"], cwd).strip()
    except SourceError:
        return result
    head = run_git(["rev-parse", "--verify", "-q", "HEAD"], cwd, check=False).strip()
    origin = run_git(["config", "--get", "remote.origin.url"], cwd, check=False).strip()
    return replace(result, revision=os.fsdecode(head) or None,
                   repository_uri=public_url(os.fsdecode(origin)) or None,
                   repo_prefix=os.fsdecode(prefix) if result.mode == "worktree" else "")


def public_url(url: str) -> str:
    """A remote URL without credentials, query or fragment (remotes can embed tokens);
    scp-like `git@host:owner/repo` becomes `ssh://host/owner/repo`."""
    if "://" not in url and ":" in url and not url.startswith("/"):
        host, _, path = url.partition(":")
        url = f"ssh://{host}/{path.lstrip('/')}"
    parts = urlsplit(url)
    if not parts.scheme:
        return ""
    netloc = parts.hostname or ""
    if parts.port:
        netloc += f":{parts.port}"
    return urlunsplit((parts.scheme, netloc, parts.path, "", ""))
