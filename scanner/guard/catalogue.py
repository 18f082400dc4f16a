"""The command catalogue (rules/destructive/*.toml): destructive operations across providers,
and commands that print a stored credential. Data with sources; this module validates it
(every error names the file, the entry and the field) and matches it against commands,
client payloads, HTTP requests and MCP tool names. rules/destructive/README.md has the
schema.
"""

from __future__ import annotations

import re
import sys
from functools import lru_cache
from pathlib import Path
from typing import Any, NamedTuple

from scanner.guard.clients import Request, is_local
from scanner.guard.shell import SimpleCommand

_REQUIRED = ("id", "provider", "title", "effect", "match", "sources")
_BY_MATCH = {"argv": {"argv", "flags"}, "text": {"pattern", "in"}, "http": {"method", "url"},
             "mcp-tool": {"pattern"}}
_KINDS = ("destructive", "prints-credential")
_FAMILIES = ("http", "sql", "mongo", "redis", "mcp")
_INTERPRETERS = frozenset({"python", "python3", "node", "ruby", "php", "perl", "bundle"})


class Operation(NamedTuple):
    """A catalogue entry that matched."""

    id: str
    provider: str
    title: str
    effect: str
    kind: str
    source: str

    @property
    def destructive(self) -> bool:
        return self.kind == "destructive"


def load_catalogue(directory: Path) -> list[dict[str, Any]]:
    from scanner.errors import RuleError  # noqa: PLC0415 - only when (re)building the index

    if sys.version_info >= (3, 11):
        import tomllib  # noqa: PLC0415
    else:  # pragma: no cover
        import tomli as tomllib  # noqa: PLC0415

    entries: list[dict[str, Any]] = []
    seen: dict[str, str] = {}
    for path in sorted(directory.glob("*.toml")):
        try:
            table = tomllib.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as err:
            raise RuleError(f"cannot read the catalogue: {err}", path=str(path)) from None
        for raw in table.get("operations", []):
            problem = _problem(raw)
            if problem:
                ident = raw.get("id") if isinstance(raw, dict) else None
                raise RuleError(problem[1], path=str(path), rule_id=str(ident), field=problem[0])
            ident = str(raw["id"])
            if ident in seen:
                raise RuleError(f"duplicate id (first in {seen[ident]})", path=str(path),
                                rule_id=ident, field="id")
            seen[ident] = path.name
            entries.append({"kind": "destructive", **raw})
    return entries


def _problem(raw: object) -> tuple[str, str] | None:
    """(field, what is wrong) for an invalid entry, else None."""
    if not isinstance(raw, dict):
        return "operations", "each operation must be a table"
    for key in _REQUIRED:
        if key not in raw:
            return key, "required"
    match = raw["match"]
    if match not in _BY_MATCH:
        return "match", f"must be one of {', '.join(_BY_MATCH)}"
    unknown = set(raw) - set(_REQUIRED) - {"kind"} - _BY_MATCH[match]
    if unknown:
        return sorted(unknown)[0], f"unknown key for match = {match!r}"
    if raw.get("kind", "destructive") not in _KINDS:
        return "kind", f"must be one of {', '.join(_KINDS)}"
    sources = raw["sources"]
    if not isinstance(sources, list) or not sources or not all(
            isinstance(s, str) and s.startswith("https://") for s in sources):
        return "sources", "must list at least one https:// URL"
    if match == "argv" and not (isinstance(raw.get("argv"), list) and raw["argv"] and all(
            isinstance(w, str) and w for w in raw["argv"] + raw.get("flags", []))):
        return "argv", "must be a non-empty list of words"
    if match == "text" and not (isinstance(raw.get("in"), list) and raw["in"] and
                                set(raw["in"]) <= set(_FAMILIES)):
        return "in", f"must list clients among {', '.join(_FAMILIES)}"
    if match == "http" and not isinstance(raw.get("method"), str):
        return "method", "required (e.g. DELETE)"
    for key in ("pattern", "url"):
        if key in raw:
            try:
                re.compile(raw[key])
            except (re.error, TypeError) as err:
                return key, f"invalid regular expression: {err}"
    if match in ("text", "mcp-tool") and "pattern" not in raw:
        return "pattern", "required"
    return None


@lru_cache(maxsize=256)
def _regex(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern)


def _operation(entry: dict[str, Any]) -> Operation:
    return Operation(entry["id"], entry["provider"], entry["title"], entry["effect"],
                     entry["kind"], entry["sources"][0])


class Catalogue:
    def __init__(self, entries: list[dict[str, Any]]) -> None:
        self.entries = entries

    def _of(self, match: str) -> list[dict[str, Any]]:
        return [e for e in self.entries if e["match"] == match]

    def command(self, cmd: SimpleCommand) -> list[Operation]:
        program, args = _effective(cmd)
        return [_operation(e) for e in self._of("argv")
                if _argv_matches(e["argv"], e.get("flags", []), program, args)]

    def text(self, family: str, text: str) -> list[Operation]:
        return [_operation(e) for e in self._of("text")
                if family in e["in"] and _regex(e["pattern"]).search(text)]

    def request(self, req: Request) -> list[Operation]:
        remote = [u for u in req.urls if not is_local(u)]
        if not remote:
            return []
        matched = [e for e in self._of("http") if e["method"] == req.method and (
            "url" not in e or any(_regex(e["url"]).search(u) for u in remote))]
        # An entry without a URL (any DELETE) speaks only when no provider's entry does.
        specific = [e for e in matched if "url" in e]
        return [_operation(e) for e in specific or matched]

    def mcp_tool(self, name: str) -> list[Operation]:
        return [_operation(e) for e in self._of("mcp-tool") if _regex(e["pattern"]).search(name)]


def _effective(cmd: SimpleCommand) -> tuple[str, tuple[str, ...]]:
    """`python manage.py flush` is manage.py's command line, `bundle exec rails` rails'."""
    program, args = cmd.program, cmd.args
    while program in _INTERPRETERS and args and not args[0].startswith("-"):
        program, args = args[0].rsplit("/", 1)[-1], args[1:]
        if program == "exec" and args:
            program, args = args[0].rsplit("/", 1)[-1], args[1:]
    return program, args


def _word(want: str, got: str) -> bool:
    """`a|b` alternatives, `*` any word; a resource name also as `name/...` (`ns/prod`)."""
    return want == "*" or any(got == alt or (alt[:1].isalpha() and got.startswith(alt + "/"))
                              for alt in want.split("|"))


def _flag(want: str, args: tuple[str, ...]) -> bool:
    for alt in want.split("|"):
        for arg in args:
            if arg == alt or arg.startswith(alt + "="):
                return True
            if (len(alt) == 2 and alt[0] == "-" and re.fullmatch(r"-[A-Za-z]{2,}", arg)
                    and alt[1] in arg[1:]):
                return True  # -rf holds -r
    return False


def _argv_matches(pattern: list[str], flags: list[str], program: str,
                  args: tuple[str, ...]) -> bool:
    """The program, then each pattern word in order among the operands (option values may
    come between), then every required flag anywhere."""
    if not _word(pattern[0], program):
        return False
    operands = [a for a in args if not a.startswith("-") or a == "-"]
    i = 0
    for want in pattern[1:]:
        while i < len(operands) and not _word(want, operands[i]):
            i += 1
        if i == len(operands):
            return False
        i += 1
    return all(_flag(f, args) for f in flags)
