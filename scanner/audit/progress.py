"""Progress across the whole audit: repositories done of all, blobs and bytes analysed. A rich
bar on a terminal; nothing at all otherwise (CI logs and redirected runs stay quiet)."""

from __future__ import annotations

import sys
from typing import Any


class AuditProgress:
    def __init__(self, repositories: int, enabled: bool = True) -> None:
        self._bar: Any = None
        self._blobs = self._bytes = 0
        if not (enabled and sys.stderr.isatty()):
            return
        from rich.console import Console  # noqa: PLC0415 - only on a terminal
        from rich.progress import (  # noqa: PLC0415
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
        )

        self._bar = Progress(TextColumn("{task.description}"), BarColumn(),
                             MofNCompleteColumn(), TimeElapsedColumn(),
                             console=Console(stderr=True), transient=True)
        self._task = self._bar.add_task(self._describe(), total=repositories)
        self._bar.start()

    def _describe(self) -> str:
        return (f"auditing: {self._blobs:,} blobs, {self._bytes / 1024 / 1024:,.1f} MiB "
                "analysed; repositories")

    def repository_done(self) -> None:
        if self._bar is not None:
            self._bar.advance(self._task)

    def analysed(self, blobs: int, size: int) -> None:
        self._blobs, self._bytes = blobs, size
        if self._bar is not None:
            self._bar.update(self._task, description=self._describe())

    def close(self) -> None:
        if self._bar is not None:
            self._bar.stop()
            self._bar = None
