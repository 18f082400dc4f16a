"""What a file's own structure says around a value: the key path that holds it in a config
file, the environment declared in its scope, and the comments beside and above it.

Read once per file (the findings of a file arrive together) and only for files with findings.
Nothing here returns a value from the file other than key names, declared environment names
and the words of comments, so evidence built from it never carries a secret.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field

from scanner.model import Blob
from scanner.sources.structured import parse

PARSE_LIMIT = 256 * 1024  # larger config files keep the line-based readings only
_INI_SECTION = re.compile(r"(?m)^[ \t]*\[[^\]\n]+\][ \t]*$")
_INI_PAIR = re.compile(r"(?m)^[ \t]*[A-Za-z0-9_.-]+[ \t]*=")
_PARSED = {".json": "json", ".jsonc": "json", ".toml": "toml", ".ini": "ini", ".cfg": "ini",
           ".conf": "ini", ".properties": "ini", ".tfvars": "ini"}
_YAML = (".yaml", ".yml")
_MARKDOWN = (".md", ".mdx", ".markdown", ".rst", ".adoc")


@dataclass
class Document:
    """One blob's text split into lines, and (lazily) what is read from it more than once:
    the spans of its parsed values, each line's indentation, its declaration lines."""

    data: bytes
    path: str
    text: str
    lines: list[str]
    _labels: tuple[tuple[int, int, str], ...] | None = field(default=None, repr=False)
    _starts: list[int] = field(default_factory=list, repr=False)
    _indents: list[int] | None = field(default=None, repr=False)
    _declared: dict[int, str] | None = field(default=None, repr=False)  # line -> KEY=value

    def label_at(self, offset: int) -> str:
        """The label of the parsed value holding `offset` (JSON, TOML, INI leaves do not
        overlap, so the one starting last at or before it is the only candidate)."""
        if self._labels is None:
            kind = _PARSED.get(_suffix(self.path)) or self._sectioned()
            parsed = parse(kind, self.data) if kind and len(self.data) <= PARSE_LIMIT else None
            self._labels = tuple(sorted(parsed.labels)) if parsed is not None else ()
            self._starts = [start for start, _, _ in self._labels]
        at = bisect.bisect_right(self._starts, offset) - 1
        if at >= 0 and offset < self._labels[at][1]:
            return self._labels[at][2]
        return ""

    def _sectioned(self) -> str | None:
        """A file without a known suffix that is laid out as INI ([profile] key = value:
        ~/.aws/credentials, .databrickscfg, .pgpass-style tool files): read as INI."""
        if _suffix(self.path) or len(self.data) > PARSE_LIMIT:
            return None
        return "ini" if _INI_SECTION.search(self.text) and _INI_PAIR.search(self.text) else None

    def indents(self) -> list[int]:
        """Each line's indentation; -1 for a blank line."""
        if self._indents is None:
            self._indents = [_indent(line) if line.strip() else -1 for line in self.lines]
        return self._indents

    def declared_at(self, index: int) -> str:
        """"KEY=value" when line `index` declares an environment, else "" (each line is
        read at most once, and only lines near a finding are read at all)."""
        if self._declared is None:
            self._declared = {}
        found = self._declared.get(index)
        if found is None:
            line = self.lines[index]
            m = _DECLARATION.match(line) if any(w in line for w in _DECLARATION_WORDS) \
                else None
            found = self._declared[index] = f"{m.group('key')}={m.group('value')}" if m \
                else ""
        return found

_LAST: list[Document] = []


def document(blob: Blob) -> Document:
    """The blob's Document, built once for consecutive findings in the same blob."""
    if _LAST and _LAST[0].data is blob.data:
        return _LAST[0]
    text = blob.data.decode("utf-8", "replace")
    doc = Document(blob.data, blob.path, text, text.split("\n"))
    _LAST[:] = [doc]
    return doc


def _suffix(path: str) -> str:
    name = path.rsplit("/", 1)[-1].lower()
    dot = name.rfind(".")
    return name[dot:] if dot > 0 else ""


# --- key paths ---------------------------------------------------------------------------

_YAML_KEY = re.compile(r"^(\s*)(?:-\s+)?([^\s#:\-\[{][^#:]*?|\"[^\"]+\"|'[^']+')\s*:(?:\s|$)")


def config_label(blob: Blob, doc: Document, offset: int, line_index: int) -> str:
    """The key path of the value at `offset`: from the source's parse (agent-surface
    files), else this file's own parse (JSON, TOML, INI), else YAML's indentation."""
    found = blob.label_at(offset) or doc.label_at(offset)
    if found:
        return found
    if _suffix(doc.path) in _YAML:
        return ".".join(yaml_parents(doc.lines, line_index))
    return ""


def yaml_parents(lines: list[str], index: int) -> list[str]:
    """Keys of the blocks enclosing line `index` by indentation, outermost first, with the
    line's own key last (a value in a Helm template that will not parse still has these)."""
    keys: list[str] = []
    own = _YAML_KEY.match(lines[index]) if index < len(lines) else None
    if own:
        keys.append(own.group(2).strip("\"'"))
    depth = _indent(lines[index]) if index < len(lines) else 0
    for i in range(index - 1, max(index - 400, -1), -1):
        line = lines[i]
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        indent = _indent(line)
        if indent < depth and (m := _YAML_KEY.match(line)):
            keys.append(m.group(2).strip("\"'"))
            depth = indent
            if indent == 0:
                break
    return keys[::-1]


def _indent(line: str) -> int:  # list dashes count: "- name:" sits inside its list
    return len(line) - len(line.lstrip(" \t-"))


# --- declared environments ------------------------------------------------------------------

_DECLARATION = re.compile(
    r"^[ \t]*(?:export[ \t]+|-[ \t]+)?[\"']?(?P<key>(?:[A-Za-z]+_)*(?:ENV|ENVIRONMENT|STAGE|"
    r"PROFILES_ACTIVE|environment|env|stage|namespace|Environment|ENVIRONMENT_NAME)"
    r")[\"']?[ \t]*[:=][ \t]*(?:name:[ \t]*)?[\"']?(?P<value>[A-Za-z][A-Za-z0-9_.-]{1,40})"
    r"[\"']?[ \t,]*(?:#[^\n]*)?\r?$")


_DECLARATION_WORDS = ("nv", "NV", "tage", "TAGE", "amespace", "ACTIVE")
_SCOPE_LINES = 200


_DECLARING = frozenset({".yaml", ".yml", ".env", ".envrc", ".ini", ".toml", ".cfg", ".conf",
                        ".tfvars", ".hcl", ".sh", ".bash", ".zsh", ".properties", ""})


def declares_environments(path: str) -> bool:
    """Configuration, dotenv, CI and shell files declare environments in a way this reads;
    source code and prose are left alone (reading them costs, and says little)."""
    name = path.rsplit("/", 1)[-1].lower()
    return name.startswith(".env") or _suffix(path) in _DECLARING


def declaration(doc: Document, index: int) -> str:
    """The nearest `environment: production`, `NODE_ENV=staging`, `namespace: prod`... in
    the value's scope: among its siblings, else among each enclosing block's siblings
    (a GitHub Actions job's `environment:` covers the env of its steps)."""
    if index >= len(doc.lines):
        return ""
    indents = doc.indents()
    depth, anchor = max(indents[index], 0), index
    while True:
        found = _sibling_declaration(doc, indents, anchor, depth)
        if found or depth == 0:
            return found or _document_namespace(doc, index)
        parent = next((i for i in range(anchor - 1, max(anchor - _SCOPE_LINES, -1), -1)
                       if 0 <= indents[i] < depth), None)
        if parent is None:
            return ""
        anchor, depth = parent, indents[parent]


def _document_namespace(doc: Document, index: int) -> str:
    """A Kubernetes manifest's metadata.namespace covers the whole YAML document (between
    `---` separators), however deep the value sits."""
    lines = doc.lines
    start = next((i for i in range(index, max(index - _SCOPE_LINES, -1), -1)
                  if lines[i].startswith("---")), max(index - _SCOPE_LINES, 0))
    end = next((i for i in range(index, min(index + _SCOPE_LINES, len(lines)))
                if lines[i].startswith("---")), min(index + _SCOPE_LINES, len(lines)))
    for i in range(start, end):
        if "namespace" in lines[i] and (found := doc.declared_at(i)).lower().startswith(
                "namespace="):
            return found
    return ""


def _sibling_declaration(doc: Document, indents: list[int], anchor: int, depth: int) -> str:
    """Declarations at exactly `depth` in the run of lines around `anchor` that stay at or
    below that depth; the nearest one wins."""
    best, distance = "", _SCOPE_LINES
    for step in (-1, 1):
        i = anchor
        while 0 <= i < len(indents) and abs(i - anchor) < distance:
            indent = indents[i]
            if 0 <= indent < depth:
                break
            if indent == depth and (found := doc.declared_at(i)):
                best, distance = found, abs(i - anchor)
            i += step
    return best


# --- comments -------------------------------------------------------------------------------

_TRAILING = re.compile(r"(?:^|\s)(?:#|//|--|;)\s*(.*)$|/\*(.*?)\*/|<!--(.*?)-->")
_COMMENT_LINE = re.compile(r"^\s*(?:#+|//+|;+|--|/\*+|\*+|<!--|rem\s|::)\s*(.*?)\s*(?:\*/|-->)?$",
                           re.I)
_ASSIGNMENT = re.compile(r"[=:]\S|\w\s*=\s")  # a commented-out line of code or config


def line_comment(line: str, end_column: int) -> str:
    """The comment after the value on its line (`KEY=value  # staging`)."""
    m = _TRAILING.search(line[end_column:])
    return next((g for g in m.groups() if g), "").strip() if m else ""


def block_comment(lines: list[str], index: int, path: str) -> str:
    """The nearest comment above the value in its block. Markdown: the nearest heading.
    Across a blank line only a banner (`# --- Production ---`) still speaks for the block."""
    if _suffix(path) in _MARKDOWN:
        for i in range(index - 1, max(index - 120, -1), -1):
            stripped = lines[i].strip()
            if stripped.startswith("#") and (m := re.match(r"#{1,6}\s+(.*)", stripped)):
                return m.group(1)
        return ""
    crossed = False
    found: list[str] = []
    for i in range(index - 1, max(index - 15, -1), -1):
        stripped = lines[i].strip()
        if not stripped:
            crossed = True
            continue
        m = _COMMENT_LINE.match(stripped)
        if m is None:
            if crossed:
                break
            continue
        text = m.group(1)
        if text and not _ASSIGNMENT.search(text) and (not crossed or len(text.split()) <= 4):
            found.append(text)
            if len(found) == 3:
                break
    return " | ".join(found)
