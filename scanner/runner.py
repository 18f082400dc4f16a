"""Run one scan for a front end: source -> pipeline -> every requested report -> exit code."""

from __future__ import annotations

from pathlib import Path

from scanner.config import Config
from scanner.pipeline import build_stages, scan
from scanner.progress import LazyProgress
from scanner.reporters import REPORTERS, ReportContext, write_report
from scanner.sources.select import SourceOptions, select_source


def run_scan(config: Config, opts: SourceOptions, reports: list[tuple[str, Path | None]]) -> int:
    source = select_source(config, opts)
    stages = build_stages(config)
    progress = LazyProgress(enabled=config.progress)
    try:
        result = scan(config, source, stages, progress=progress)
    finally:
        progress.close()
    ctx = ReportContext(rules={r.id: r for r in stages.rules}, show_secrets=config.show_secrets)
    for fmt, output in reports:
        if fmt == "terminal" and output is None:
            import sys  # noqa: PLC0415

            color_ctx = ReportContext(rules=ctx.rules, show_secrets=ctx.show_secrets,
                                      color=sys.stdout.isatty())
            write_report(REPORTERS[fmt](result, color_ctx), None)
        else:
            write_report(REPORTERS[fmt](result, ctx), output)
    return result.exit_code
