"""Reporters render a finished ScanResult; they never see the engine.

REPORTERS maps a format name to a function (result, context) -> text. Output files are written
atomically by write_report(), so an interrupted run never leaves a partial report behind.
"""

from __future__ import annotations

import os
import sys
import tempfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from scanner.errors import ReportError
from scanner.matching.schema import Rule
from scanner.model import Finding, ScanResult, Severity


@dataclass(frozen=True)
class ReportContext:
    rules: Mapping[str, Rule] = field(default_factory=dict)
    show_secrets: bool = False
    color: bool = False
    width: int | None = None  # terminal: columns (None: the terminal's own width)
    verbose: bool = False  # terminal: every finding's full reason and fix
    show: frozenset[Severity] = frozenset()  # terminal: severities listed (empty: all)

    def secret_text(self, finding: Finding) -> str:
        return finding.secret if self.show_secrets else finding.redacted


Reporter = Callable[[ScanResult, ReportContext], str]


def _terminal(result: ScanResult, ctx: ReportContext) -> str:
    from scanner.reporters.terminal import render  # noqa: PLC0415 - imported when used

    return render(result, ctx)


def _json(result: ScanResult, ctx: ReportContext) -> str:
    from scanner.reporters.json import render  # noqa: PLC0415

    return render(result, ctx)


def _sarif(result: ScanResult, ctx: ReportContext) -> str:
    from scanner.reporters.sarif import render

    return render(result, ctx)


def _html(result: ScanResult, ctx: ReportContext) -> str:
    # jinja2 and the templates load only when an HTML report is asked for
    from scanner.reporters.html import render

    return render(result, ctx)


REPORTERS: dict[str, Reporter] = {
    "terminal": _terminal,
    "json": _json,
    "sarif": _sarif,
    "html": _html,
}


def utf8_text(text: str) -> str:
    """Reports are UTF-8. File names that are not (kept as surrogate escapes since reading)
    show U+FFFD in their text; SARIF URIs keep the exact bytes, percent-encoded."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raw = text.encode("utf-8", "surrogateescape") if _only_escapes(text) else \
            text.encode("utf-8", "replace")
        return raw.decode("utf-8", "replace")
    return text


def _only_escapes(text: str) -> bool:
    return all(not 0xD800 <= ord(c) <= 0xDFFF or 0xDC80 <= ord(c) <= 0xDCFF for c in text)


def write_report(text: str, output: Path | None) -> None:
    """stdout, or a file replaced atomically (temp file + rename in the same directory)."""
    text = utf8_text(text)
    if output is None or str(output) == "-":
        sys.stdout.write(text)
        sys.stdout.flush()
        return
    directory = output.parent if str(output.parent) else Path()
    try:
        directory.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{output.name}.", suffix=".partial", dir=directory)
        try:
            with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as fh:
                fh.write(text)
            Path(tmp).replace(output)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    except OSError as err:
        raise ReportError(f"cannot write report: {err.strerror or err}", path=str(output)) from None
