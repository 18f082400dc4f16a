"""Run one scan for a front end: source -> pipeline -> every requested report -> exit code."""

from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from scanner.config import Config
from scanner.model import ScanResult
from scanner.pipeline import build_stages, scan
from scanner.progress import LazyProgress
from scanner.reporters import ReportContext, write_format
from scanner.sources.select import SourceOptions, select_source


def run_scan(config: Config, opts: SourceOptions, reports: list[tuple[str, Path | None]]) -> int:
    source = select_source(config, opts)
    stages = build_stages(config)
    progress = LazyProgress(enabled=config.progress)
    try:
        result = scan(config, source, stages, progress=progress)
    finally:
        progress.close()
    result = with_provenance(result, config.root)
    ctx = ReportContext(rules={r.id: r for r in stages.rules}, show_secrets=config.show_secrets,
                        max_occurrences=config.max_occurrences)
    import sys  # noqa: PLC0415

    for fmt, output in reports:
        if fmt == "terminal" and output is None:
            notes = write_format(fmt, result, replace(ctx, color=sys.stdout.isatty()), None)
        else:
            notes = write_format(fmt, result, ctx, output)
        for note in notes:  # what a report had to leave out (SARIF's upload limits)
            print(f"credscope: note: {note}", file=sys.stderr)
    return result.exit_code


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
