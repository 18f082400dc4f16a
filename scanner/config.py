"""Configuration: `[tool.credscope]` in pyproject.toml or a `.credscope.toml`, validated into
one frozen Config. Command-line options override file values.

Keys (kebab-case in files):
  exclude           list of globs (relative to the root) never read
  allowlist-paths   list of globs whose findings are suppressed as "allowlist" (still counted)
  allowlist-values  list of regexes; a secret matching one is suppressed as "allowlist"
  fail-on           error | warning | note | never (default error)
  max-file-size     bytes, or a string such as "25MiB"; larger files are skipped with a reason
  rules-dirs        extra directories of rule TOML files
  disable-rules     rule ids not to run
  default-excludes  true (default): skip dependency and tool caches (.venv, node_modules, ...)
  jobs              worker processes for large scans (0 = one per core)
  baseline          baseline file (default .credscope-baseline.json at the root, if present)
  detect-secrets-plugins  extra detect-secrets plugin files to run as credscope rules
  max-occurrences   occurrences of one secret listed in a report (0 = all; default 10000)
  [policy]          overrides of the placement policy (see classify.policy)
"""

from __future__ import annotations

import re
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from types import MappingProxyType
from typing import Any

from scanner.errors import ConfigError
from scanner.model import Severity

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

DEFAULT_MAX_FILE_SIZE = 25 * 1024 * 1024
DEFAULT_MAX_OCCURRENCES = 10_000
DEFAULT_EXCLUDED_DIRS = (
    ".git", ".hg", ".svn", "node_modules", ".venv", "venv", ".tox", ".nox", "__pycache__",
    ".mypy_cache", ".ruff_cache", ".pytest_cache", ".hypothesis",
)
_FAIL_ON = {"error": Severity.ERROR, "warning": Severity.WARNING, "note": Severity.NOTE,
            "never": Severity.NONE}
_SIZE_RE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([kmg]i?b?|b)?\s*$", re.IGNORECASE)
_KNOWN = frozenset({
    "exclude", "allowlist-paths", "allowlist-values", "fail-on", "max-file-size", "rules-dirs",
    "disable-rules", "default-excludes", "jobs", "baseline", "policy", "detect-secrets-plugins",
    "max-occurrences",
})


@dataclass(frozen=True)
class Config:
    root: Path
    exclude: tuple[str, ...] = ()
    allowlist_paths: tuple[str, ...] = ()
    allowlist_values: tuple[str, ...] = ()
    fail_on: Severity = Severity.ERROR
    max_file_size: int = DEFAULT_MAX_FILE_SIZE
    rules_dirs: tuple[Path, ...] = ()
    disable_rules: tuple[str, ...] = ()
    default_excludes: bool = True
    jobs: int = 0
    baseline: Path | None = None
    use_default_baseline: bool = True
    show_secrets: bool = False
    progress: bool = True
    engine: str = "auto"
    detect_secrets_plugins: tuple[Path, ...] = ()
    policy: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))
    config_file: Path | None = None
    max_occurrences: int = DEFAULT_MAX_OCCURRENCES

    def with_overrides(self, **changes: Any) -> Config:
        """Apply command-line options; None means "not given"."""
        return replace(self, **{k: v for k, v in changes.items() if v is not None})


def parse_fail_on(value: str, *, source: str = "--fail-on") -> Severity:
    try:
        return _FAIL_ON[value.lower()]
    except KeyError:
        raise ConfigError(f"fail-on must be one of {', '.join(_FAIL_ON)}, not {value!r}",
                          path=source) from None


def parse_size(value: object, *, source: str) -> int:
    if isinstance(value, int) and not isinstance(value, bool) and value > 0:
        return value
    if isinstance(value, str) and (m := _SIZE_RE.match(value)):
        unit = (m.group(2) or "b").lower()[0]
        scale = {"b": 1, "k": 1024, "m": 1024**2, "g": 1024**3}[unit]
        size = int(float(m.group(1)) * scale)
        if size > 0:
            return size
    raise ConfigError(f"max-file-size must be a positive size such as 25MiB, not {value!r}",
                      path=source)


def parse_max_occurrences(value: object, *, source: str) -> int:
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return value
    raise ConfigError(f"max-occurrences must be a whole number >= 0 (0 = all), not {value!r}",
                      path=source)


def find_config_file(root: Path) -> tuple[Path, dict[str, Any]] | None:
    """`.credscope.toml` wins over pyproject.toml's [tool.credscope]."""
    dedicated = root / ".credscope.toml"
    if dedicated.is_file():
        return dedicated, _read_toml(dedicated)
    pyproject = root / "pyproject.toml"
    if pyproject.is_file():
        table = _read_toml(pyproject).get("tool", {}).get("credscope")
        if isinstance(table, dict):
            return pyproject, table
    return None


def load_config(root: Path, config_file: Path | None = None) -> Config:
    if config_file is not None:
        if not config_file.is_file():
            raise ConfigError("config file does not exist", path=str(config_file))
        raw = _read_toml(config_file)
        if config_file.name == "pyproject.toml":
            raw = raw.get("tool", {}).get("credscope", {})
        elif isinstance(raw.get("tool"), dict) and "credscope" in raw["tool"]:
            raw = raw["tool"]["credscope"]
        found: tuple[Path, dict[str, Any]] | None = (config_file, raw)
    else:
        found = find_config_file(root)
    if found is None:
        return Config(root=root)
    return _from_table(root, *found)


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as err:
        raise ConfigError(f"cannot read: {err}", path=str(path)) from None
    except tomllib.TOMLDecodeError as err:
        raise ConfigError(f"invalid TOML: {err}", path=str(path)) from None
    except RecursionError:  # tomllib recurses per nested array/table: a hostile file
        raise ConfigError("invalid TOML: nested too deeply", path=str(path)) from None


def _from_table(root: Path, path: Path, table: dict[str, Any]) -> Config:
    src = str(path)
    unknown = sorted(set(table) - _KNOWN)
    if unknown:
        raise ConfigError(f"unknown key {unknown[0]!r} in credscope config "
                          f"(known: {', '.join(sorted(_KNOWN))})", path=src)

    def strings(key: str) -> tuple[str, ...]:
        value = table.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise ConfigError(f"{key} must be a list of strings", path=src)
        return tuple(value)

    for pattern in strings("allowlist-values"):
        try:
            re.compile(pattern)
        except re.error as err:
            raise ConfigError(f"allowlist-values: invalid regex {pattern!r}: {err}",
                              path=src) from None
    jobs = table.get("jobs", 0)
    if isinstance(jobs, bool) or not isinstance(jobs, int) or jobs < 0:
        raise ConfigError("jobs must be a whole number >= 0", path=src)
    default_excludes = table.get("default-excludes", True)
    if not isinstance(default_excludes, bool):
        raise ConfigError("default-excludes must be true or false", path=src)
    policy = table.get("policy", {})
    if not isinstance(policy, dict):
        raise ConfigError("policy must be a table", path=src)
    baseline = table.get("baseline")
    if baseline is not None and not isinstance(baseline, str):
        raise ConfigError("baseline must be a path string", path=src)
    fail_on = table.get("fail-on", "error")
    if not isinstance(fail_on, str):
        raise ConfigError("fail-on must be a string", path=src)
    return Config(
        root=root,
        exclude=strings("exclude"),
        allowlist_paths=strings("allowlist-paths"),
        allowlist_values=strings("allowlist-values"),
        fail_on=parse_fail_on(fail_on, source=src),
        max_file_size=parse_size(table.get("max-file-size", DEFAULT_MAX_FILE_SIZE), source=src),
        rules_dirs=tuple(root / d for d in strings("rules-dirs")),
        disable_rules=strings("disable-rules"),
        default_excludes=default_excludes,
        jobs=jobs,
        baseline=root / baseline if baseline else None,
        detect_secrets_plugins=tuple(root / p for p in strings("detect-secrets-plugins")),
        policy=MappingProxyType(dict(policy)),
        config_file=path,
        max_occurrences=parse_max_occurrences(
            table.get("max-occurrences", DEFAULT_MAX_OCCURRENCES), source=src),
    )
