"""Inline pragmas: `credscope: allow` or `credscope: allow=RULE-ID[,RULE-ID...]` in a comment
on the finding's line or the line before it.

Any common comment syntax counts (#, //, /* */, <!-- -->, --, ;, %), so the pragma works in
code, config, SQL, INI, LaTeX and Markdown alike. A rule id also matches its dotted children:
`allow=stripe` allows every `stripe.*` rule. Pragma'd findings are suppressed, never dropped.
"""

from __future__ import annotations

import re

from scanner.filters import lines_holding
from scanner.model import Blob, Finding, Suppression, SuppressionKind

_MARKER = b"credscope:"
_PRAGMA = re.compile(
    rb"(?:#|//|/\*|<!--|--|;|%).*?\bcredscope:\s*allow\b"
    rb"(?:\s*=\s*([A-Za-z0-9_.-]+(?:\s*,\s*[A-Za-z0-9_.-]+)*))?"
)


def allowed_rules(line: bytes) -> tuple[str, ...] | None:
    """None: no pragma on this line; (): every rule allowed; else the listed rule ids."""
    m = _PRAGMA.search(line)
    if m is None:
        return None
    if m.group(1) is None:
        return ()
    # "allow=x.y-->" : the closing `-->` of an HTML comment is not part of the id.
    ids = (part.strip().rstrip("-") for part in m.group(1).decode("ascii").split(","))
    return tuple(i for i in ids if i)


def _covers(allowed: tuple[str, ...], rule_id: str) -> bool:
    return not allowed or any(rule_id == a or rule_id.startswith(a + ".") for a in allowed)


class PragmaFilter:
    def check(self, finding: Finding, blob: Blob) -> Suppression | None:
        lines = lines_holding(blob.data, _MARKER)
        if lines is None:
            return None  # the common case costs one substring search per blob
        line = finding.location.line
        for number in (line, line - 1):
            if not 1 <= number <= len(lines):
                continue
            allowed = allowed_rules(lines[number - 1])
            if allowed is not None and _covers(allowed, finding.rule_id):
                where = "its line" if number == line else "the line before"
                return Suppression(SuppressionKind.PRAGMA,
                                   f"allowed by a `credscope: allow` pragma on {where}")
        return None
