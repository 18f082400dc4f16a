"""Parsers for the structured files credentials live in: each maps every value to the key path
that holds it ("mcpServers.github.env.GITHUB_TOKEN", "[prod] aws_secret_access_key").

A parser never rewrites the file: it returns character spans of the values in the original
text, so the engine still scans the file's own bytes (line numbers stay true, context rules
still see the key next to the value) and a finding takes the label of the span it sits in.
Parsers that cannot make sense of a file raise StructureError; the caller still scans the
raw text.
"""

from __future__ import annotations

import configparser
import json
import re
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import yaml

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib  # type: ignore[import-not-found, unused-ignore]


class StructureError(Exception):
    """The file is not valid in its format; `reason` says where and why."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True, slots=True)
class Span:
    """One value: character offsets [start, end) into the text, and its key path."""

    start: int
    end: int
    label: str


Key = str | int
Parser = Callable[[str], list[Span]]
_BARE_KEY = re.compile(r"^[A-Za-z0-9_-]+$")


def key_path(path: tuple[Key, ...]) -> str:
    """Dotted path; list indices as [i]; keys with dots or slashes quoted as ["key"]."""
    out = ""
    for key in path:
        if isinstance(key, int):
            out += f"[{key}]"
        elif _BARE_KEY.match(key):
            out += f".{key}" if out else key
        else:
            out += f"[{json.dumps(key, ensure_ascii=False)}]"
    return out


# --- JSON (and JSONC: VS Code's mcp.json allows comments and trailing commas) --------------

_JSON_WS = re.compile(r"[ \t\n\r]*")
_JSON_SCALAR = re.compile(
    r"-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][-+]?\d+)?|true|false|null|NaN|-?Infinity")
_JSON_STRING = re.compile(r'"(?:[^"\\]|\\.)*"', re.DOTALL)
_JSONC_COMMENT = re.compile(r'"(?:[^"\\]|\\.)*"|//[^\n]*|/\*.*?\*/', re.DOTALL)
_JSONC_COMMA = re.compile(r'"(?:[^"\\]|\\.)*"|,(?=\s*[}\]])', re.DOTALL)


def blank_jsonc(text: str) -> str:
    """Comments, then trailing commas, replaced by spaces (newlines kept): offsets stay true."""

    def blank(m: re.Match[str]) -> str:
        token = m.group()
        return token if token.startswith('"') else re.sub(r"[^\n]", " ", token)

    return _JSONC_COMMA.sub(blank, _JSONC_COMMENT.sub(blank, text))


def parse_json(text: str) -> list[Span]:
    try:
        json.loads(text)
    except json.JSONDecodeError as err:
        relaxed = blank_jsonc(text)
        try:
            json.loads(relaxed)
        except json.JSONDecodeError:
            raise StructureError(f"invalid JSON: {err.msg} at line {err.lineno} "
                                 f"column {err.colno}") from None
        text = relaxed
    spans: list[Span] = []
    _json_value(text, _json_skip(text, 0), (), spans)
    return spans


def _json_skip(text: str, i: int) -> int:
    m = _JSON_WS.match(text, i)
    return m.end() if m else i


def _json_value(text: str, i: int, path: tuple[Key, ...], out: list[Span]) -> int:
    """Walk one value of already-validated JSON starting at `i`; return the index after it."""
    char = text[i]
    if char == '"':
        end = _json_string_end(text, i)
        out.append(Span(i + 1, end - 1, key_path(path)))
        return end
    if char in "{[":
        return _json_container(text, i, path, out)
    m = _JSON_SCALAR.match(text, i)
    return m.end() if m else i + 1


def _json_string_end(text: str, i: int) -> int:
    m = _JSON_STRING.match(text, i)
    return m.end() if m else len(text)


def _json_container(text: str, i: int, path: tuple[Key, ...], out: list[Span]) -> int:
    closing = "}" if text[i] == "{" else "]"
    i = _json_skip(text, i + 1)
    index = 0
    while text[i] != closing:
        key: Key = index
        if closing == "}":
            end = _json_string_end(text, i)
            key, i = str(json.loads(text[i:end])), end
            i = _json_skip(text, _json_skip(text, i) + 1)  # past the colon
        i = _json_skip(text, _json_value(text, i, (*path, key), out))
        if text[i] == ",":
            i = _json_skip(text, i + 1)
        index += 1
    return i + 1


# --- YAML: node marks give exact positions ------------------------------------------------


def parse_yaml(text: str) -> list[Span]:
    try:
        documents = list(yaml.compose_all(text, Loader=yaml.SafeLoader))
    except yaml.MarkedYAMLError as err:
        mark = err.problem_mark
        where = f" at line {mark.line + 1} column {mark.column + 1}" if mark else ""
        raise StructureError(f"invalid YAML: {err.problem or err.context}{where}") from None
    except yaml.YAMLError as err:
        raise StructureError(f"invalid YAML: {err}") from None
    spans: list[Span] = []
    seen: set[int] = set()  # aliases point at nodes already walked (and may form cycles)
    for number, node in enumerate(documents):
        prefix: tuple[Key, ...] = (number,) if len(documents) > 1 else ()
        _yaml_node(node, prefix, spans, seen)
    return spans


def _yaml_node(node: yaml.Node | None, path: tuple[Key, ...], out: list[Span],
               seen: set[int]) -> None:
    if node is None or id(node) in seen:
        return
    seen.add(id(node))
    if isinstance(node, yaml.ScalarNode):
        start, end = _scalar_bounds(node)
        out.append(Span(start, end, key_path(path)))
    elif isinstance(node, yaml.SequenceNode):
        for index, child in enumerate(node.value):
            _yaml_node(child, (*path, index), out, seen)
    elif isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            key = key_node.value if isinstance(key_node, yaml.ScalarNode) else "?"
            _yaml_node(value_node, (*path, str(key)), out, seen)


def _scalar_bounds(node: yaml.ScalarNode) -> tuple[int, int]:
    """Quoted scalars' marks include the quotes; the value is what lies between them."""
    start, end = node.start_mark.index, node.end_mark.index
    if node.style in ('"', "'") and end - start >= 2:
        return start + 1, end - 1
    return start, end


# --- TOML: tomllib gives values, not positions; each string is found in document order ----


def parse_toml(text: str) -> list[Span]:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        raise StructureError(f"invalid TOML: {err}") from None
    spans: list[Span] = []
    cursor = 0
    for path, value in _leaves(data, ()):
        found = _locate(text, value, cursor)
        if found is not None:
            spans.append(Span(found, found + len(value), key_path(path)))
            cursor = found + len(value)
    return spans


def _leaves(node: Any, path: tuple[Key, ...]) -> Iterator[tuple[tuple[Key, ...], str]]:
    if isinstance(node, dict):
        for key, child in node.items():
            yield from _leaves(child, (*path, key))
    elif isinstance(node, list):
        for index, child in enumerate(node):
            yield from _leaves(child, (*path, index))
    elif isinstance(node, str) and node:
        yield path, node


def _locate(text: str, value: str, cursor: int) -> int | None:
    """The value written literally right after a quote (or a multi-line string's newline),
    first after the cursor, else anywhere (tables may be defined out of order). Values with
    escapes are not found and stay unlabelled."""
    for start in (cursor, 0):
        at = text.find(value, start)
        while at >= 0:
            if at > 0 and text[at - 1] in "\"'\n":
                return at
            at = text.find(value, at + 1)
    return None


# --- line formats: INI (~/.aws, ~/.pypirc, ~/.npmrc), dotenv, netrc, git-credentials -------

_INI_SECTION = re.compile(r"^[ \t]*\[([^\]\n]+)\][ \t]*\r?$", re.MULTILINE)
# `key = value`, else `key: value` (.npmrc keys hold colons: "//registry.npmjs.org/:_authToken").
_INI_PAIR = re.compile(r"^\s*([^=#;\s\[][^=\n]*?)\s*=[ \t]*(.*?)\s*$"
                       r"|^\s*([^=:#;\s\[][^=:\n]*?)\s*:[ \t]*(.*?)\s*$")


def parse_ini(text: str) -> list[Span]:
    """Lenient on purpose (.npmrc has no sections, ~/.aws/config nests): every `key = value`
    line is a value, labelled "[section] key"."""
    spans: list[Span] = []
    section = ""
    offset = 0
    for line in text.splitlines(keepends=True):
        if (head := _INI_SECTION.match(line)) is not None:
            section = head.group(1).strip()
        elif not line.lstrip().startswith(("#", ";")) and (pair := _INI_PAIR.match(line)):
            group = 1 if pair.group(1) is not None else 3
            start, end = _unquote(line, pair.start(group + 1), pair.end(group + 1))
            if end > start:
                key = pair.group(group)
                label = f"[{section}] {key}" if section else key
                spans.append(Span(offset + start, offset + end, label))
        offset += len(line)
    return spans


def validate_ini(text: str) -> None:
    """Sectioned INI files (~/.aws/credentials, ~/.pypirc) must parse for Python's reader;
    a broken one is reported while its lines are still labelled leniently."""
    parser = configparser.RawConfigParser(strict=False, interpolation=None)
    try:
        parser.read_string(text)
    except configparser.MissingSectionHeaderError as err:
        raise StructureError(f"invalid INI: line {err.lineno} is outside any [section]") from None
    except configparser.ParsingError as err:
        lines = ", ".join(str(number) for number, _ in err.errors[:5])
        raise StructureError(f"invalid INI: cannot parse line {lines}") from None
    except configparser.Error as err:
        raise StructureError(f"invalid INI: {str(err).splitlines()[0]}") from None


def _unquote(line: str, start: int, end: int) -> tuple[int, int]:
    if end - start >= 2 and line[start] in "\"'" and line[end - 1] == line[start]:
        return start + 1, end - 1
    return start, end


_DOTENV_PAIR = re.compile(r"^[ \t]*(?:export[ \t]+)?([A-Za-z_][A-Za-z0-9_.-]*)[ \t]*=[ \t]*",
                          re.MULTILINE)


def parse_dotenv(text: str) -> list[Span]:
    """`KEY=value`, `export KEY="value"`; a quoted value may span lines (PEM keys)."""
    spans: list[Span] = []
    for m in _DOTENV_PAIR.finditer(text):
        start = m.end()
        quote = text[start:start + 1]
        if quote in ("'", '"'):
            close = text.find(quote, start + 1)
            end = close if close > 0 else len(text)
            start += 1
        else:
            line_end = text.find("\n", start)
            line_end = len(text) if line_end < 0 else line_end
            comment = text.find(" #", start, line_end)
            end = comment if comment >= 0 else line_end
            while end > start and text[end - 1] in " \t\r":
                end -= 1
        if end > start:
            spans.append(Span(start, end, m.group(1)))
    return spans


_NETRC_TOKEN = re.compile(r"\S+")
_NETRC_VALUED = frozenset({"machine", "login", "password", "account", "port"})


def parse_netrc(text: str) -> list[Span]:
    """`machine HOST login USER password SECRET` in any layout; labelled "machine HOST
    password" (never with the login, which may itself be a token)."""
    spans: list[Span] = []
    tokens = iter(_NETRC_TOKEN.finditer(text))
    machine = ""
    for token in tokens:
        word = token.group()
        if word == "default":
            machine = "default"
        elif word == "macdef":
            break  # macro bodies run to a blank line; nothing after one is credentials
        elif word in _NETRC_VALUED and (value := next(tokens, None)) is not None:
            if word == "machine":
                machine = f"machine {value.group()}"
            elif word in ("login", "password", "account"):  # credscope: allow
                spans.append(Span(value.start(), value.end(), f"{machine} {word}".strip()))
    return spans


_CREDENTIAL_URL = re.compile(r"^([a-z][a-z0-9+.-]*)://([^@\s/]+)@([^/\s]+)", re.MULTILINE)


def parse_git_credentials(text: str) -> list[Span]:
    """`https://user:token@host` lines; the label is scheme and host only."""
    return [Span(m.start(2), m.end(2), f"{m.group(1)}://{m.group(3)}")
            for m in _CREDENTIAL_URL.finditer(text)]


PARSERS: dict[str, Parser] = {
    "json": parse_json,
    "yaml": parse_yaml,
    "toml": parse_toml,
    "ini": parse_ini,
    "dotenv": parse_dotenv,
    "netrc": parse_netrc,
    "git-credentials": parse_git_credentials,
}
_BY_SUFFIX = {".json": "json", ".yaml": "yaml", ".yml": "yaml", ".toml": "toml"}


def parser_for_name(name: str) -> str | None:
    """The parser for a file found by walking a directory (".claude/settings.json")."""
    dot = name.rfind(".")
    return _BY_SUFFIX.get(name[dot:].lower()) if dot >= 0 else None


@dataclass(frozen=True, slots=True)
class Parsed:
    """Byte spans (start, end, label) of the values found, and what was wrong, if anything.
    A broken file may still yield spans (lenient line formats)."""

    labels: tuple[tuple[int, int, str], ...]
    problem: str | None = None


def parse(kind: str, data: bytes) -> Parsed:
    """Parse `data` as `kind` (a key of PARSERS). Never raises on bad input."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as err:
        return Parsed((), f"not UTF-8 text (byte {err.start})")
    text = text.removeprefix("\ufeff")
    skew = len(data) - len(text.encode("utf-8", "surrogatepass"))  # the BOM, if any
    problem = None
    try:
        if kind == "ini" and _INI_SECTION.search(text):
            problem = _ini_problem(text)
        spans = PARSERS[kind](text)
    except StructureError as err:
        return Parsed((), err.reason)
    except RecursionError:
        return Parsed((), f"{kind} nests too deeply to parse")
    return Parsed(tuple(_to_bytes(text, spans, skew)), problem)


def _ini_problem(text: str) -> str | None:
    try:
        validate_ini(text)
    except StructureError as err:
        return err.reason
    return None


def _to_bytes(text: str, spans: list[Span], skew: int) -> Iterator[tuple[int, int, str]]:
    """Character offsets to byte offsets; identity for ASCII text (the common case). Only
    the offsets the spans name are converted, each from the one before it, by encoding the
    text between them: a per-character loop over a whole non-ASCII file took a few percent
    of a history scan's time."""
    if text.isascii():
        for s in spans:
            yield s.start + skew, s.end + skew, s.label
        return
    at: dict[int, int] = {}
    done = total = 0
    for offset in sorted({o for s in spans for o in (s.start, s.end)}):
        total += len(text[done:offset].encode("utf-8", "surrogatepass"))
        at[offset] = total
        done = offset
    for s in spans:
        yield at[s.start] + skew, at[s.end] + skew, s.label
