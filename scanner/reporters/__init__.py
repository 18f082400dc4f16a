"""Reporters render a finished ScanResult; they never see the engine.

STREAMERS maps a format name to a function (result, context, text stream) that writes the
report as it goes (a history's report is never built whole in memory) and returns notes on
what it left out (SARIF's limits). REPORTERS gives the same reports as strings. write_format()
sends a report where it must go (scanner.reporters.output: stdout, a special file in place,
or a regular file replaced atomically, never half written).
"""

from __future__ import annotations

import io
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

from scanner.config import DEFAULT_MAX_OCCURRENCES
from scanner.matching.schema import Rule
from scanner.model import Finding, ScanResult, Severity
from scanner.reporters.output import report_stream


@dataclass(frozen=True)
class ReportContext:
    rules: Mapping[str, Rule] = field(default_factory=dict)
    show_secrets: bool = False
    color: bool = False
    width: int | None = None  # terminal: columns (None: the terminal's own width)
    verbose: bool = False  # terminal: every finding's full reason and fix
    show: frozenset[Severity] = frozenset()  # terminal: severities listed (empty: all)
    # Occurrences of one secret listed in any report (0: all); the rest are counted.
    max_occurrences: int = DEFAULT_MAX_OCCURRENCES

    def secret_text(self, finding: Finding) -> str:
        return finding.secret if self.show_secrets else finding.redacted


Reporter = Callable[[ScanResult, ReportContext], str]
# Writes the report to the stream; returns notes for the user on what the report left out.
Streamer = Callable[[ScanResult, ReportContext, TextIO], list[str]]


def _terminal(result: ScanResult, ctx: ReportContext, out: TextIO) -> list[str]:
    from scanner.reporters.terminal import render  # noqa: PLC0415 - rich is slow to import

    out.write(render(result, ctx))
    return []


def _json(result: ScanResult, ctx: ReportContext, out: TextIO) -> list[str]:
    from scanner.reporters.json import stream  # noqa: PLC0415

    return stream(result, ctx, out)


def _sarif(result: ScanResult, ctx: ReportContext, out: TextIO) -> list[str]:
    from scanner.reporters.sarif import stream  # noqa: PLC0415

    return stream(result, ctx, out)


def _html(result: ScanResult, ctx: ReportContext, out: TextIO) -> list[str]:
    # jinja2 and the templates load only when an HTML report is asked for
    from scanner.reporters.html import stream  # noqa: PLC0415

    return stream(result, ctx, out)


STREAMERS: dict[str, Streamer] = {
    "terminal": _terminal,
    "json": _json,
    "sarif": _sarif,
    "html": _html,
}


def _as_text(streamer: Streamer) -> Reporter:
    def render(result: ScanResult, ctx: ReportContext) -> str:
        buf = io.StringIO()
        streamer(result, ctx, buf)
        return buf.getvalue()

    return render


REPORTERS: dict[str, Reporter] = {name: _as_text(s) for name, s in STREAMERS.items()}


def write_format(fmt: str, result: ScanResult, ctx: ReportContext, output: Path | None
                 ) -> list[str]:
    """Stream one report to `output` (stdout when None or `-`); returns its notes."""
    with report_stream(output) as out:
        return STREAMERS[fmt](result, ctx, out)


def write_report(text: str, output: Path | None) -> None:
    """A report already rendered as text, sent the same way as write_format's."""
    with report_stream(output) as out:
        out.write(text)
