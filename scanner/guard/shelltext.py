"""The passes a shell makes over a command line's text before it splits words: here-document
bodies set aside, `$( )`, `<( )` and backtick substitutions pulled out (each is a command
line of its own), `$NAME` expansions noted (outside single quotes), unquoted newlines made
command separators, comments dropped.
"""

from __future__ import annotations

import re

_HEREDOC = re.compile(r"<<(-?)[ \t]*(['\"]?)([A-Za-z_][A-Za-z0-9_]*)\2")
_VAR = re.compile(r"\$(?:\{([A-Za-z_][A-Za-z0-9_]*)[^}]*\}|([A-Za-z_][A-Za-z0-9_]*))")
PLACEHOLDER = "__credscope_{kind}_{n}__"


def cut_heredocs(line: str) -> tuple[str, dict[str, str]]:
    """Replace each here-document's delimiter with a placeholder word and drop its body
    lines from the text; return the bodies by placeholder."""
    bodies: dict[str, str] = {}
    lines = line.split("\n")
    kept: list[str] = []
    pending: list[tuple[str, str, bool]] = []  # (placeholder, delimiter, strip tabs)
    i = 0
    while i < len(lines):
        current = lines[i]

        def mark(m: re.Match[str]) -> str:
            name = PLACEHOLDER.format(kind="doc", n=len(bodies) + len(pending))
            pending.append((name, m.group(3), m.group(1) == "-"))
            return "<< " + name

        kept.append(_HEREDOC.sub(mark, current))
        i += 1
        for name, delimiter, strip in pending:
            body: list[str] = []
            while i < len(lines):
                candidate = lines[i].lstrip("\t") if strip else lines[i]
                i += 1
                if candidate == delimiter:
                    break
                body.append(lines[i - 1])
            bodies[name] = "\n".join(body)
        pending.clear()
    return "\n".join(kept), bodies


def scan_quotes(text: str) -> tuple[str, list[str], set[str]]:
    """One pass that knows the quoting: pull out $( ), <( ) and backtick bodies (replaced by
    a placeholder word), note every $NAME outside single quotes, turn unquoted newlines into
    `;` and drop comments."""
    out: list[str] = []
    bodies: list[str] = []
    names: set[str] = set()
    quote = ""
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c == "\\" and quote != "'" and i + 1 < n:
            out.append(text[i:i + 2])
            i += 2
            continue
        if quote == "'":
            out.append(c)
            quote = "" if c == "'" else quote
            i += 1
            continue
        if c in "'\"" and (not quote or quote == c):
            quote = "" if quote else c
            out.append(c)
            i += 1
            continue
        opener = text[i:i + 2]
        if (opener in ("$(", "<(", ">(") and text[i:i + 3] != "$((") or c == "`":
            end = _closing(text, i + (0 if c == "`" else 1))
            bodies.append(text[i + (1 if c == "`" else 2):end])
            out.append(PLACEHOLDER.format(kind="sub", n=len(bodies) - 1))
            i = end + 1
            continue
        if c == "$":
            m = _VAR.match(text, i)
            if m:
                names.add(m.group(1) or m.group(2))
        if not quote and c == "\n":
            out.append(" ; ")
        elif not quote and c == "#" and (i == 0 or text[i - 1] in " \t\n;|&("):
            while i < n and text[i] != "\n":
                i += 1
            continue
        else:
            out.append(c)
        i += 1
    return "".join(out), bodies, names


def _closing(text: str, start: int) -> int:
    """Index of the `)` (or backtick) closing the substitution that opens at `start`."""
    if text[start] == "`":
        end = text.find("`", start + 1)
        return end if end >= 0 else len(text)
    depth, quote, i = 0, "", start
    while i < len(text):
        c = text[i]
        if c == "\\" and quote != "'":
            i += 2
            continue
        if quote:
            quote = "" if c == quote else quote
        elif c in "'\"":
            quote = c
        elif c == "(":
            depth += 1
        elif c == ")":
            depth -= 1
            if depth == 0:
                return i
        i += 1
    return len(text)
