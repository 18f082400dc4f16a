"""A progress bar that appears only when a scan takes longer than about a second, and only on
a terminal: hooks and CI logs stay quiet.

When the source knows how much there is to read (`progress_total()`: the worktree once its
walk has listed every file, history once it has listed every blob), the bar shows the total,
a fraction and an ETA (from bytes where the total is in bytes, else from the count);
otherwise it counts what was read so far.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from typing import Any

from scanner.paths import printable

# (files or blobs, bytes or None when only the count is known)
Total = tuple[int, int | None]


class LazyProgress:
    DELAY = 1.0

    def __init__(self, label: str = "scanning", enabled: bool = True,
                 total: Callable[[], Total | None] | None = None) -> None:
        self.enabled = enabled and sys.stderr.isatty()
        self.label = label
        self.total = total
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
        known = self.total() if self.total is not None else None
        text, done, total = describe(self.label, blobs, size, now - self.started, known)
        self._bar.update(self._task, completed=done, total=total,
                         description=f"{text}  {printable(path)[-40:]}")

    def _start(self) -> None:
        from rich.console import Console  # noqa: PLC0415 - only when a bar is shown
        from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn

        self._bar = Progress(SpinnerColumn(), BarColumn(bar_width=24),
                             TextColumn("{task.description}"),
                             console=Console(stderr=True), transient=True)
        self._bar.start()
        self._task = self._bar.add_task(self.label, total=None)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.stop()
            self._bar = None


def describe(label: str, blobs: int, size: int, elapsed: float, known: Total | None
             ) -> tuple[str, float, float | None]:
    """(text, completed, total) for the bar: `scanning: 1,204/5,310 files, 12.0/48.2 MiB,
    9.8 MiB/s, ETA 0:04`, or without a total `scanning: 1,204 files, 12.0 MiB, 9.8 MiB/s`."""
    mib = size / 1024 / 1024
    rate = mib / max(elapsed, 1e-6)
    if known is None:
        return f"{label}: {blobs:,} files, {mib:,.1f} MiB, {rate:,.1f} MiB/s", blobs, None
    files, total_bytes = known
    if total_bytes:
        done, total = float(min(size, total_bytes)), float(total_bytes)
        amount = f"{mib:,.1f}/{total_bytes / 1024 / 1024:,.1f} MiB"
    else:
        done, total = float(min(blobs, files)), float(max(files, 1))
        amount = f"{mib:,.1f} MiB"
    eta = elapsed * (total - done) / done if done else None
    return (f"{label}: {blobs:,}/{files:,} files, {amount}, {rate:,.1f} MiB/s, "
            f"ETA {clock(eta)}", done, total)


def clock(seconds: float | None) -> str:
    if seconds is None:
        return "-:--"
    minutes, secs = divmod(int(seconds + 0.5), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"
