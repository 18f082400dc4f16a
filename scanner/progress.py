"""A progress bar that appears only when a scan takes longer than about a second, and only on
a terminal: hooks and CI logs stay quiet."""

from __future__ import annotations

import sys
import time
from typing import Any


class LazyProgress:
    DELAY = 1.0

    def __init__(self, label: str = "scanning", enabled: bool = True) -> None:
        self.enabled = enabled and sys.stderr.isatty()
        self.label = label
        self.started = time.monotonic()
        self._bar: Any = None
        self._task: Any = None
        self._last = 0.0

    def __call__(self, blobs: int, size: int, path: str) -> None:
        if not self.enabled:
            return
        now = time.monotonic()
        if now - self._last < 0.1:
            return
        self._last = now
        if self._bar is None:
            if now - self.started < self.DELAY:
                return
            self._start()
        mib = size / 1024 / 1024
        rate = mib / max(now - self.started, 1e-6)
        self._bar.update(self._task, completed=blobs,
                         description=f"{self.label}: {blobs:,} files, {mib:,.1f} MiB, "
                                     f"{rate:,.1f} MiB/s")

    def _start(self) -> None:
        from rich.console import Console  # noqa: PLC0415
        from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

        self._bar = Progress(SpinnerColumn(), TextColumn("{task.description}"),
                             TimeElapsedColumn(), console=Console(stderr=True), transient=True)
        self._bar.start()
        self._task = self._bar.add_task(self.label, total=None)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.stop()
            self._bar = None
