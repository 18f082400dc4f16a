"""Configuration: the user's own config, the scanned repository's config and the command line,
validated into one frozen Config that remembers where each setting came from.

Files (kebab-case keys, the same keys in each):
  user        $CREDSCOPE_USER_CONFIG, else $XDG_CONFIG_HOME/credscope/config.toml
              (~/.config/credscope/config.toml): trusted, it is the invoker's own
  repository  `.credscope.toml` at the scan root (wins), else `[tool.credscope]` in its
              pyproject.toml: untrusted, see trust.py for what it may change
  --config F  trusted when F lies outside the scanned root, else treated as the repository's

Keys:
  exclude           list of gitignore-style patterns (relative to the root) never read
  allowlist-paths   list of patterns whose findings are suppressed as "allowlist" (counted)
  allowlist-values  list of regexes (linear-time engine); a matching secret is suppressed
  fail-on           error | warning | note | never (default error)
  max-file-size     bytes, or a string such as "25MiB"; larger files are skipped with a reason
  rules-dirs        extra directories of rule TOML files
  disable-rules     rule ids not to run
  default-excludes  true (default): skip dependency and tool caches (.venv, node_modules, ...)
  jobs              worker processes for large scans (0 = one per core; never more than cores)
  baseline          baseline file (default .credscope-baseline.json at the root, if present)
  detect-secrets-plugins  extra detect-secrets plugin files to run as credscope rules (code!)
  min-confidence    high | medium | low (default low): findings less sure are suppressed
  max-occurrences   occurrences of one secret listed in a report (0 = all; default 10000)
  [policy]          overrides of the placement policy (see classify.policy)
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from types import MappingProxyType
from typing import Any

from scanner.errors import ConfigError
from scanner.model import Confidence, ConfigEffect, Severity

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
KNOWN_KEYS = frozenset({
    "exclude", "allowlist-paths", "allowlist-values", "fail-on", "max-file-size", "rules-dirs",
    "disable-rules", "default-excludes", "jobs", "baseline", "policy", "detect-secrets-plugins",
    "min-confidence",
    "max-occurrences",
})
# A config file, a TOML document, larger than this is not a config file.
_MAX_CONFIG_BYTES = 1024 * 1024


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
    config_file: Path | None = None  # the repository's config file, if one was read
    # Trust boundary (trust.py): the patterns among `exclude` and `allowlist_paths` that the
    # repository's own config set (sources count what they removed), and every narrowing or
    # refusal it caused, which every report shows.
    repo_exclude: tuple[str, ...] = ()
    config_effects: tuple[ConfigEffect, ...] = ()
    trust_repo_config: bool = False
    user_config_file: Path | None = None
    min_confidence: Confidence = Confidence.LOW
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


def parse_confidence(value: object, *, source: str = "--min-confidence") -> Confidence:
    if isinstance(value, str) and value.lower() in {c.value for c in Confidence}:
        return Confidence(value.lower())
    raise ConfigError(f"min-confidence must be high, medium or low, not {value!r}", path=source)


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


def user_config_path() -> Path | None:
    """The invoker's own config file, if there is one."""
    explicit = os.environ.get("CREDSCOPE_USER_CONFIG")
    if explicit is not None:
        return Path(explicit) if explicit else None
    base = os.environ.get("XDG_CONFIG_HOME")
    try:
        root = Path(base) if base else Path.home() / ".config"
    except RuntimeError:  # no home directory to speak of
        return None
    return root / "credscope" / "config.toml"


def parse_max_occurrences(value: object, *, source: str) -> int:
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return value
    raise ConfigError(f"max-occurrences must be a whole number >= 0 (0 = all), not {value!r}",
                      path=source)


def find_config_file(root: Path) -> tuple[Path, dict[str, Any]] | None:
    """The repository's config: `.credscope.toml` wins over pyproject.toml's [tool.credscope]."""
    dedicated = root / ".credscope.toml"
    if dedicated.is_file():
        return dedicated, _table(dedicated, _read_toml(dedicated), dedicated=True)
    pyproject = root / "pyproject.toml"
    if pyproject.is_file():
        table = _tool_table(pyproject, _read_toml(pyproject))
        if table is not None:
            return pyproject, table
    return None


def load_config(root: Path, config_file: Path | None = None, *,
                trust_repo_config: bool = False, fail_on: Severity = Severity.ERROR
                ) -> Config:
    """The user's config, then the repository's (within the trust boundary), into one Config.
    `fail_on` is the front end's default (the hook's is stricter than scan's). Command-line
    options are applied afterwards with Config.with_overrides."""
    from scanner import trust  # noqa: PLC0415 - trust imports this module's parsers

    user_file = user_config_path()
    tables: list[tuple[Path, dict[str, Any], bool]] = []  # (file, table, trusted)
    if user_file is not None and user_file.is_file():
        tables.append((user_file, _table(user_file, _read_toml(user_file), dedicated=True),
                       True))
    if config_file is not None:
        if not config_file.is_file():
            raise ConfigError("config file does not exist", path=str(config_file))
        inside = trust.inside(config_file, root)
        tables.append((config_file, _explicit_table(config_file), trust_repo_config or
                       not inside))
    elif (found := find_config_file(root if root.is_dir() else root.parent)) is not None:
        tables.append((*found, trust_repo_config))
    config = Config(root=root, trust_repo_config=trust_repo_config, fail_on=fail_on,
                    user_config_file=user_file if tables and tables[0][0] == user_file
                    else None)
    for path, table, trusted in tables:
        # Paths in the repository's config are relative to the root; in a file of the
        # user's own, to that file's directory.
        repository = path != user_file and trust.inside(path, root)
        base = (root if root.is_dir() else root.parent) if repository else path.parent
        config = trust.apply(config, parse_table(base, path, table), path, trusted=trusted)
    return config


def _explicit_table(path: Path) -> dict[str, Any]:
    raw = _read_toml(path)
    if path.name == "pyproject.toml":
        return _tool_table(path, raw) or {}
    tool = raw.get("tool")
    if isinstance(tool, dict) and "credscope" in tool:
        return _tool_table(path, raw) or {}
    return _table(path, raw, dedicated=True)


def _tool_table(path: Path, raw: dict[str, Any]) -> dict[str, Any] | None:
    """`[tool.credscope]` of a pyproject-style document; None when absent. A `tool` or
    `tool.credscope` that is not a table is a config error, not a crash."""
    tool = raw.get("tool")
    if tool is None:
        return None
    if not isinstance(tool, dict):
        raise ConfigError("`tool` must be a table", path=str(path))
    table = tool.get("credscope")
    if table is None:
        return None
    return _table(path, table, dedicated=False)


def _table(path: Path, value: object, *, dedicated: bool) -> dict[str, Any]:
    if not isinstance(value, dict):
        where = "the document" if dedicated else "[tool.credscope]"
        raise ConfigError(f"{where} must be a table", path=str(path))
    return value


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as fh:
            data = fh.read(_MAX_CONFIG_BYTES + 1)
        if len(data) > _MAX_CONFIG_BYTES:
            raise ConfigError("larger than 1 MiB: not a config file", path=str(path))
        return tomllib.loads(data.decode("utf-8"))
    except (OSError, UnicodeDecodeError) as err:
        raise ConfigError(f"cannot read: {err}", path=str(path)) from None
    except tomllib.TOMLDecodeError as err:
        raise ConfigError(f"invalid TOML: {err}", path=str(path)) from None
    except RecursionError:  # tomllib recurses per nested array/table: a hostile file
        raise ConfigError("invalid TOML: nested too deeply", path=str(path)) from None


@dataclass(frozen=True)
class Settings:
    """One file's validated settings; None (or empty) where the file does not set a key."""

    exclude: tuple[str, ...] = ()
    allowlist_paths: tuple[str, ...] = ()
    allowlist_values: tuple[str, ...] = ()
    fail_on: Severity | None = None
    max_file_size: int | None = None
    rules_dirs: tuple[Path, ...] = ()
    disable_rules: tuple[str, ...] = ()
    default_excludes: bool | None = None
    jobs: int | None = None
    baseline: Path | None = None
    detect_secrets_plugins: tuple[Path, ...] = ()
    policy: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))
    min_confidence: Confidence | None = None
    max_occurrences: int | None = None


def parse_table(base: Path, path: Path, table: dict[str, Any]) -> Settings:
    """Validate one file's table: every error names the file, the key and the reason.
    Relative paths in it (rules-dirs, baseline, plugins) are taken from `base`."""
    src = str(path)
    unknown = sorted(str(k) for k in set(table) - KNOWN_KEYS)
    if unknown:
        raise ConfigError(f"unknown key {unknown[0]!r} in credscope config "
                          f"(known: {', '.join(sorted(KNOWN_KEYS))})", path=src)

    def strings(key: str) -> tuple[str, ...]:
        value = table.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise ConfigError(f"{key} must be a list of strings", path=src)
        return tuple(value)

    jobs = table.get("jobs")
    if jobs is not None and (isinstance(jobs, bool) or not isinstance(jobs, int) or jobs < 0):
        raise ConfigError("jobs must be a whole number >= 0", path=src)
    default_excludes = table.get("default-excludes")
    if default_excludes is not None and not isinstance(default_excludes, bool):
        raise ConfigError("default-excludes must be true or false", path=src)
    policy = table.get("policy", {})
    if not isinstance(policy, dict):
        raise ConfigError("policy must be a table", path=src)
    baseline = table.get("baseline")
    if baseline is not None and not isinstance(baseline, str):
        raise ConfigError("baseline must be a path string", path=src)
    fail_on = table.get("fail-on")
    if fail_on is not None and not isinstance(fail_on, str):
        raise ConfigError("fail-on must be a string", path=src)
    size = table.get("max-file-size")
    confidence = table.get("min-confidence")
    occurrences = table.get("max-occurrences")
    return Settings(
        min_confidence=parse_confidence(confidence, source=src) if confidence is not None
        else None,
        exclude=strings("exclude"),
        allowlist_paths=strings("allowlist-paths"),
        allowlist_values=strings("allowlist-values"),
        fail_on=parse_fail_on(fail_on, source=src) if fail_on is not None else None,
        max_file_size=parse_size(size, source=src) if size is not None else None,
        rules_dirs=tuple(base / Path(d).expanduser() for d in strings("rules-dirs")),
        disable_rules=strings("disable-rules"),
        default_excludes=default_excludes,
        jobs=jobs,
        baseline=base / Path(baseline).expanduser() if baseline else None,
        detect_secrets_plugins=tuple(base / Path(p).expanduser()
                                     for p in strings("detect-secrets-plugins")),
        policy=MappingProxyType(dict(policy)),
        max_occurrences=parse_max_occurrences(occurrences, source=src)
        if occurrences is not None else None,
    )
