"""Text in terminal cells: how wide a string is (East Asian wide characters take two cells),
how to cut it to a width (marking each cut with …), colour that is off unless asked."""

from __future__ import annotations

import shutil
import unicodedata


def terminal_width() -> int:
    """COLUMNS, else the terminal's width, else 120 (a CI log has no width of its own)."""
    return shutil.get_terminal_size((120, 24)).columns


def cell_len(text: str) -> int:
    """Terminal cells `text` takes: East Asian wide characters two, combining marks none."""
    if text.isascii():
        return len(text)
    return sum(0 if unicodedata.combining(ch) else
               2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


class Paint:
    """ANSI styles when colour is on, plain text otherwise."""

    def __init__(self, color: bool) -> None:
        self.color = color

    def __call__(self, text: str, sgr: str) -> str:
        return f"\x1b[{sgr}m{text}\x1b[0m" if self.color and text else text


def pad(text: str, width: int) -> str:
    return text + " " * max(width - cell_len(text), 0)


def fit(before: str, middle: str, after: str, room: int) -> tuple[str, str, str]:
    """Cut `before` on the left and `after` on the right (marking each cut with …) so the
    three fit `room` cells, keeping `middle` whole where it fits."""
    if cell_len(before) + cell_len(middle) + cell_len(after) <= room:
        return before, middle, after
    if cell_len(middle) >= room - 1:
        return "", head(middle, room - 1) + "…", ""
    spare = room - cell_len(middle)
    keep_before = min(cell_len(before), max(spare // 3, spare - cell_len(after)))
    keep_after = spare - keep_before
    if keep_before < cell_len(before):
        before = "…" + tail(before, keep_before - 1) if keep_before > 0 else ""
    if keep_after < cell_len(after):
        after = head(after, keep_after - 1) + "…" if keep_after > 0 else ""
    return before, middle, after


def head(text: str, cells: int) -> str:
    out, used = [], 0
    for ch in text:
        used += cell_len(ch)
        if used > cells:
            break
        out.append(ch)
    return "".join(out)


def tail(text: str, cells: int) -> str:
    return head(text[::-1], cells)[::-1]
