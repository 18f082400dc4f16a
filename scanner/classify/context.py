"""Context around a match: the name the secret is assigned to (RAILWAY_API_TOKEN, a
Project-Access-Token header, a JSON key), its line, a window of nearby lines, and what the
file's own structure says (key path, declared environment, comments; see structure.py)."""

from __future__ import annotations

import re

from scanner.classify import structure
from scanner.classify.decoders import Surroundings
from scanner.model import Blob, Match

DOCUMENT_LIMIT = 256 * 1024  # decoders that read the whole file get files up to this size

WINDOW_LINES = 3  # lines either side: enough for a YAML block or a PEM header
_MAX_WINDOW = 4096
# NAME = "..., NAME: ..., "NAME": "..., NAME := ..., Header-Name: Bearer ..., --flag=...
_ASSIGNED = re.compile(
    r"(?P<key>[A-Za-z_][A-Za-z0-9_.-]*)[\"'\]]?\s*(?::=|=>|[:=])\s*"
    r"(?:[\"'`]|\$\{\{\s*)?(?:Bearer\s+|Token\s+|Basic\s+|SSWS\s+)?[\"'`]?$"
)
_URL_PREFIX = re.compile(r"[a-z][a-z0-9+.-]*://\S*$", re.I)


def surroundings(blob: Blob, match: Match) -> Surroundings:
    data = blob.data
    line_start = data.rfind(b"\n", 0, match.start) + 1
    line_end = data.find(b"\n", match.end)
    line_end = len(data) if line_end < 0 else line_end
    lo, hi = line_start, line_end
    for _ in range(WINDOW_LINES):
        lo = data.rfind(b"\n", 0, max(lo - 1, 0)) + 1 if lo > 0 else 0
        nxt = data.find(b"\n", hi + 1) if hi < len(data) else -1
        hi = len(data) if nxt < 0 else nxt
    lo, hi = max(lo, match.start - _MAX_WINDOW), min(hi, match.end + _MAX_WINDOW)
    before = data[max(line_start, match.start - 400):match.start].decode("utf-8", "replace")
    doc = structure.document(blob)
    index = match.line - 1
    end_line = doc.lines[match.end_line - 1] if match.end_line <= len(doc.lines) else ""
    return Surroundings(
        key=assigned_name(before),
        line=data[line_start:line_end][:_MAX_WINDOW].decode("utf-8", "replace"),
        window=data[lo:hi].decode("utf-8", "replace"),
        label=structure.config_label(blob, doc, match.start, index),
        line_comment=structure.line_comment(end_line[:_MAX_WINDOW], match.end_column - 1),
        block_comment=structure.block_comment(doc.lines, index, blob.path),
        declared=structure.declaration(doc, index)
        if structure.declares_environments(blob.path) else "",
        document=doc.text if len(data) <= DOCUMENT_LIMIT else "",
    )


def assigned_name(before: str) -> str:
    """The variable, key or header name the secret is assigned to on its own line (for a
    password inside a URL, the name the URL is assigned to)."""
    before = _URL_PREFIX.sub("", before)
    m = _ASSIGNED.search(before.rstrip())
    if m is None:
        m = _ASSIGNED.search(before)
    return m.group("key") if m else ""
