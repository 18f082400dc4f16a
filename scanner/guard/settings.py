"""The guard's own configuration: the user's file, never the repository's.

The repository an agent works in is hostile input (design.md, trust boundary): a file in it
must not be able to switch off the guard that protects the user from that repository. So
the guard reads only, first found:

1. `--config FILE` on the hook's command line (what `credscope guard install` writes),
2. `$CREDSCOPE_GUARD_CONFIG`,
3. `$XDG_CONFIG_HOME/credscope/guard.toml` (`~/.config/credscope/guard.toml`).

Keys: `fail-closed` (bool), `max-file-size` ("1MiB"), `concern` (the scan verdicts that make
a read asked: overprivileged, misplaced, agent-reachable by default; exposed and
unverified-scope may be added), `search-files` (files a recursive search may open),
`[decisions]` (override a decision rule: "deny", "ask", "off", or {decision, why}) and
`[policy]` (the scan policy's overrides, as in `[tool.credscope.policy]`).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from pathlib import Path
from types import MappingProxyType
from typing import Any, NamedTuple

DEFAULT_CONCERN = frozenset({"overprivileged", "misplaced", "agent-reachable"})
_VERDICTS = frozenset({"overprivileged", "misplaced", "agent-reachable", "exposed",
                       "unverified-scope"})
_KEYS = frozenset({"fail-closed", "max-file-size", "concern", "search-files", "decisions",
                   "policy"})


_EMPTY: Mapping[str, Any] = MappingProxyType({})


class GuardConfig(NamedTuple):
    fail_closed: bool = False
    max_file_size: int = 1024 * 1024
    concern: frozenset[str] = DEFAULT_CONCERN
    search_files: int = 2000
    decisions: Mapping[str, Any] = _EMPTY
    policy: Mapping[str, Any] = _EMPTY
    source: str = "defaults"


def config_path(explicit: str | None) -> Path | None:
    if explicit:
        return Path(explicit)
    env = os.environ.get("CREDSCOPE_GUARD_CONFIG")
    if env:
        return Path(env)
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    default = Path(base) / "credscope" / "guard.toml"
    return default if default.is_file() else None


def load(explicit: str | None = None) -> GuardConfig:
    path = config_path(explicit)
    if path is None:
        return GuardConfig()
    from scanner.config import parse_size  # noqa: PLC0415 - only when a file exists
    from scanner.errors import ConfigError  # noqa: PLC0415

    if sys.version_info >= (3, 11):
        import tomllib  # noqa: PLC0415
    else:  # pragma: no cover
        import tomli as tomllib  # noqa: PLC0415
    src = str(path)
    try:
        table = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as err:
        raise ConfigError(f"cannot read: {err}", path=src) from None
    except tomllib.TOMLDecodeError as err:
        raise ConfigError(f"invalid TOML: {err}", path=src) from None
    unknown = sorted(set(table) - _KEYS)
    if unknown:
        raise ConfigError(f"unknown key {unknown[0]!r} (known: {', '.join(sorted(_KEYS))})",
                          path=src)
    fail_closed = table.get("fail-closed", False)
    if not isinstance(fail_closed, bool):
        raise ConfigError("fail-closed must be true or false", path=src)
    concern = table.get("concern", sorted(DEFAULT_CONCERN))
    if not isinstance(concern, list) or not set(concern) <= _VERDICTS:
        raise ConfigError(f"concern must list verdicts among {', '.join(sorted(_VERDICTS))}",
                          path=src)
    files = table.get("search-files", 2000)
    if isinstance(files, bool) or not isinstance(files, int) or files < 0:
        raise ConfigError("search-files must be a whole number >= 0", path=src)
    for key in ("decisions", "policy"):
        if not isinstance(table.get(key, {}), dict):
            raise ConfigError(f"{key} must be a table", path=src)
    from scanner.guard.policy import check_overrides  # noqa: PLC0415

    check_overrides(table.get("decisions", {}), src)
    return GuardConfig(
        fail_closed=fail_closed,
        max_file_size=parse_size(table.get("max-file-size", 1024 * 1024), source=src),
        concern=frozenset(concern), search_files=files,
        decisions=MappingProxyType(dict(table.get("decisions", {}))),
        policy=MappingProxyType(dict(table.get("policy", {}))), source=src)
