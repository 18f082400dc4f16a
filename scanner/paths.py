"""Path helpers shared by sources and filters: globs and display-safe path text."""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


@lru_cache(maxsize=512)
def glob_regex(pattern: str) -> re.Pattern[str]:
    """gitignore-flavoured glob: `**` crosses directories, `*` and `?` do not; a pattern
    without a slash matches the last path component; `dir/` matches everything below."""
    pat = pattern.strip()
    anchored = "/" in pat.rstrip("/")
    if pat.endswith("/"):
        pat += "**"
    pat = pat.lstrip("/")
    out = []
    i = 0
    while i < len(pat):
        c = pat[i]
        if pat.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
        elif pat.startswith("**", i):
            out.append(".*")
            i += 2
        elif c == "*":
            out.append("[^/]*")
            i += 1
        elif c == "?":
            out.append("[^/]")
            i += 1
        else:
            out.append(re.escape(c))
            i += 1
    body = "".join(out)
    prefix = "" if anchored else "(?:.*/)?"
    return re.compile(f"^{prefix}{body}(?:/.*)?$")


def matches_any(path: str, patterns: Iterable[str]) -> bool:
    return any(glob_regex(p).match(path) for p in patterns)


def printable(text: str) -> str:
    """Escape control and terminal-escape characters so a hostile file name cannot drive the
    terminal or forge output lines."""
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", text)
