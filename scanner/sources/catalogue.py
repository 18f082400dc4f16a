"""The agent-surface catalogue (rules/catalogue/agent-surface.toml): where developer CLIs,
editors and coding agents keep credentials, one entry per tool and location, as data.

Loaded once, validated with clear errors (file, entry, field). The agent-surface source reads
the `home` entries under the home directory and gives the `repository` entries their parser.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from scanner.errors import RuleError
from scanner.matching.loader import builtin_rules_dir
from scanner.model import LocationClass
from scanner.sources.structured import PARSERS

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

CATALOGUE = "catalogue/agent-surface.toml"
FORMATS = frozenset({*PARSERS, "auto", "text"})
CLASSES = {c.value: c for c in (LocationClass.AGENT_CONFIG, LocationClass.CLI_CREDENTIALS,
                                LocationClass.SHELL_HISTORY)}
PLATFORMS = frozenset({"linux", "macos"})


@dataclass(frozen=True, slots=True)
class SurfaceEntry:
    """One place coding agents or their tools read credentials from."""

    pattern: str  # POSIX path under the home (or a glob in the repository); "dir/**" = all below
    location: LocationClass | None  # forced class; None: the placement rules decide (repo files)
    parser: str | None  # a key of structured.PARSERS, "auto" (by extension) or None (plain text)
    tool: str  # who reads it
    platforms: tuple[str, ...] = ("linux", "macos")
    holds: str = ""  # which key holds what, and what it can do
    source: str = ""  # the tool's own documentation of the location
    example: str = ""  # the file in the tool's format, {placeholders} filled by the tests
    example_path: str = ""  # where the example goes, for "*" and "/**" patterns
    finds: tuple[str, ...] = ()  # rules that must report the example's planted value


def load(path: Path | None = None) -> tuple[tuple[SurfaceEntry, ...], tuple[SurfaceEntry, ...]]:
    """(home entries, repository entries)."""
    target = path or builtin_rules_dir() / CATALOGUE
    try:
        data = tomllib.loads(target.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as err:
        raise RuleError(f"cannot read the agent-surface catalogue: {err}",
                        path=str(target)) from None
    home = data.get("home")
    repo = data.get("repository")
    if not isinstance(home, list) or not isinstance(repo, list):
        raise RuleError("expected [[home]] and [[repository]] tables", path=str(target))
    return (tuple(_home(e, i, str(target)) for i, e in enumerate(home)),
            tuple(_repository(e, i, str(target)) for i, e in enumerate(repo)))


@lru_cache(maxsize=1)
def builtin() -> tuple[tuple[SurfaceEntry, ...], tuple[SurfaceEntry, ...]]:
    return load()


class _Table:
    def __init__(self, raw: Any, kind: str, index: int, path: str) -> None:
        if not isinstance(raw, dict):
            raise RuleError(f"[[{kind}]] #{index + 1} must be a table", path=path)
        self.raw, self.path = raw, path
        self.name = f"{kind} #{index + 1} ({raw.get('path') or raw.get('pattern')})"

    def text(self, key: str, *, required: bool = True) -> str:
        value = self.raw.get(key, "")
        if not isinstance(value, str) or (required and not value.strip()):
            raise RuleError(f"`{key}` must be a non-empty string", path=self.path,
                            rule_id=self.name, field=key)
        return value

    def choice(self, key: str, allowed: frozenset[str] | dict[str, Any]) -> str:
        value = self.text(key)
        if value not in allowed:
            raise RuleError(f"`{key}` must be one of {', '.join(sorted(allowed))}",
                            path=self.path, rule_id=self.name, field=key)
        return value


def _parser(fmt: str) -> str | None:
    return None if fmt == "text" else fmt


def _home(raw: Any, index: int, path: str) -> SurfaceEntry:
    t = _Table(raw, "home", index, path)
    pattern = t.text("path")
    if pattern.startswith(("/", "~")) or ".." in pattern.split("/"):
        raise RuleError("`path` is relative to the home and stays inside it", path=path,
                        rule_id=t.name, field="path")
    platforms = tuple(p.strip() for p in t.text("platform").split(","))
    if not set(platforms) <= PLATFORMS:
        raise RuleError("`platform` lists linux and/or macos", path=path, rule_id=t.name,
                        field="platform")
    finds = raw.get("finds", [])
    if not isinstance(finds, list) or not all(isinstance(f, str) for f in finds):
        raise RuleError("`finds` is a list of rule ids", path=path, rule_id=t.name,
                        field="finds")
    return SurfaceEntry(
        pattern=pattern, location=CLASSES[t.choice("class", CLASSES)],
        parser=_parser(t.choice("format", FORMATS)), tool=t.text("tool"), platforms=platforms,
        holds=t.text("holds"), source=t.text("source"), example=t.text("example"),
        example_path=t.text("example_path", required=False), finds=tuple(finds))


def _repository(raw: Any, index: int, path: str) -> SurfaceEntry:
    t = _Table(raw, "repository", index, path)
    return SurfaceEntry(pattern=t.text("pattern"), location=None,
                        parser=_parser(t.choice("format", FORMATS)), tool=t.text("tool"),
                        source=t.text("source"))
