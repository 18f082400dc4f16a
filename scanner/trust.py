"""The trust boundary: what the scanned repository's own config file may change.

credscope runs in CI on pull requests from strangers and in hooks on freshly cloned code, so the
repository's `.credscope.toml` (or `[tool.credscope]`) is hostile input. It may narrow a scan
only in ways every report shows (excluding or allowlisting paths, disabling rules, raising the
gate); everything that runs code or rules, allowlists by pattern, or lowers the gate needs the
user's own config (config.user_config_path), the command line, or `--trust-repo-config`:

| setting                  | repository config (untrusted)                    | trusted |
|--------------------------|--------------------------------------------------|---------|
| detect-secrets-plugins   | refused: it is code                              | applied |
| rules-dirs               | refused: rules are patterns run on every file    | applied |
| allowlist-values         | refused: a regex can allowlist every value       | applied |
| exclude, allowlist-paths | applied and reported; a catch-all is refused     | applied |
| disable-rules            | applied and reported                             | applied |
| fail-on                  | applied when at least as strict, else refused    | applied |
| max-file-size            | applied when at least as large, else refused     | applied |
| min-confidence           | applied when at most as high, else refused       | applied |
| policy.RULE              | applied when at least as severe, else refused    | applied |
| baseline                 | applied when inside the repository, else refused | applied |
| jobs, default-excludes   | applied (jobs never exceeds the cores)           | applied |

Every narrowing and refusal becomes a ConfigEffect on the Config, then on the ScanResult.
See docs/reliability.md, "Trust boundary".
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from types import MappingProxyType
from typing import Any

from scanner.config import Config, Settings
from scanner.errors import ConfigError
from scanner.matching.safe_regex import LinearError, compile_linear
from scanner.model import Confidence, ConfigEffect, Severity
from scanner.paths import matches_any

TRUST_HINT = "only your own config, the command line or --trust-repo-config may set it"
# Files below directories of every shape: a pattern that excludes all of them (itself, or
# by excluding a directory above them, as the walk prunes) excludes nearly every file.
_PROBES = ("src/main.py", "deep/dir/tree/file.txt", ".github/workflows/ci.yml",
           "config/settings.json", "tools/Makefile", "q7/.env")


def inside(path: Path, root: Path) -> bool:
    """Does `path` lie inside the scanned root (symlinks resolved)?"""
    base = root if root.is_dir() else root.parent
    try:
        path.resolve().relative_to(base.resolve())
    except (ValueError, OSError, RuntimeError):
        return False
    return True


def is_catch_all(pattern: str) -> bool:
    return all(_excludes(pattern, probe) for probe in _PROBES)


def _excludes(pattern: str, path: str) -> bool:
    parts = path.split("/")
    dirs = ("/".join(parts[:i]) + "/" for i in range(1, len(parts)))
    return any(matches_any(d, (pattern,)) for d in dirs) or matches_any(path, (pattern,))


def stricter_or_equal(asked: Severity, current: Severity) -> bool:
    """Does fail-on `asked` fail on everything `current` fails on? (never fails on nothing;
    note fails on the most.)"""
    if asked is Severity.NONE:
        return current is Severity.NONE
    return current is Severity.NONE or asked.rank <= current.rank


def check_allowlist_values(patterns: tuple[str, ...], source: str) -> None:
    """Allowlist regexes run under RE2 (linear time); one RE2 refuses is a config error."""
    for pattern in patterns:
        try:
            compile_linear(pattern)
        except LinearError as err:
            raise ConfigError(f"allowlist-values: {pattern!r} is not a linear-time pattern "
                              f"({err}); write it without lookaround or backreferences",
                              path=source) from None


class _Boundary:
    """Applies one file's settings to a Config, recording what it narrowed or was refused."""

    def __init__(self, config: Config, source: Path, trusted: bool) -> None:
        self.config = config
        self.source = str(source)
        self.trusted = trusted
        self.effects: list[ConfigEffect] = []

    def note(self, setting: str, value: object, applied: bool, detail: str = "") -> None:
        self.effects.append(ConfigEffect(setting, _shown(value, self.config.root), self.source,
                                         applied, detail))

    def refuse(self, setting: str, value: object, why: str) -> None:
        self.note(setting, value, False, f"{why}; {TRUST_HINT}")

    def patterns(self, setting: str, patterns: tuple[str, ...]) -> tuple[str, ...]:
        """Path patterns: untrusted ones are reported, and a catch-all is refused."""
        kept = []
        for pattern in patterns:
            if self.trusted:
                kept.append(pattern)
            elif is_catch_all(pattern):
                self.refuse(setting, pattern, "it matches every path")
            else:
                kept.append(pattern)
                self.note(setting, pattern, True)
        return tuple(kept)

    def at_least(self, setting: str, asked: Any, current: Any, stronger: bool) -> Any:
        """A value that may only tighten the gate unless trusted."""
        if self.trusted or stronger:
            if not self.trusted and asked != current:
                self.note(setting, asked, True)
            return asked
        self.refuse(setting, asked, f"it would weaken the default ({current})")
        return current


def apply(config: Config, settings: Settings, source: Path, *, trusted: bool) -> Config:
    """`config` with one file's settings applied within the trust boundary."""
    b = _Boundary(config, source, trusted)
    changes: dict[str, Any] = {}
    exclude = b.patterns("exclude", settings.exclude)
    changes["exclude"] = (*config.exclude, *exclude)
    if not trusted:
        changes["repo_exclude"] = (*config.repo_exclude, *exclude)
        changes["config_file"] = source
    changes["allowlist_paths"] = (*config.allowlist_paths,
                                  *b.patterns("allowlist-paths", settings.allowlist_paths))
    if settings.allowlist_values:
        if trusted:
            check_allowlist_values(settings.allowlist_values, b.source)
            changes["allowlist_values"] = (*config.allowlist_values, *settings.allowlist_values)
        else:
            for value in settings.allowlist_values:
                b.refuse("allowlist-values", value, "a pattern can allowlist every secret")
    for setting, paths, field in (("rules-dirs", settings.rules_dirs, "rules_dirs"),
                                  ("detect-secrets-plugins", settings.detect_secrets_plugins,
                                   "detect_secrets_plugins")):
        if paths and trusted:
            changes[field] = (*getattr(config, field), *paths)
        for path in paths if not trusted else ():
            what = "it loads and runs code" if field != "rules_dirs" else \
                "it loads rules that run on every file"
            b.refuse(setting, path, what)
    for rule_id in settings.disable_rules:
        if not trusted:
            b.note("disable-rules", rule_id, True)
    changes["disable_rules"] = (*config.disable_rules, *settings.disable_rules)
    if settings.fail_on is not None:
        changes["fail_on"] = b.at_least("fail-on", settings.fail_on, config.fail_on,
                                        stricter_or_equal(settings.fail_on, config.fail_on))
    if settings.min_confidence is not None:  # a higher minimum hides more findings
        changes["min_confidence"] = b.at_least(
            "min-confidence", settings.min_confidence, config.min_confidence,
            settings.min_confidence.rank <= config.min_confidence.rank)
    if settings.max_file_size is not None:
        changes["max_file_size"] = b.at_least("max-file-size", settings.max_file_size,
                                              config.max_file_size,
                                              settings.max_file_size >= config.max_file_size)
    if settings.baseline is not None:
        if trusted or inside(settings.baseline, config.root):
            changes["baseline"] = settings.baseline
        else:
            b.refuse("baseline", settings.baseline, "it lies outside the repository")
    if settings.default_excludes is not None:
        changes["default_excludes"] = settings.default_excludes
    if settings.jobs is not None:
        changes["jobs"] = settings.jobs
    if settings.max_occurrences is not None:  # how many places a report lists, never the gate
        changes["max_occurrences"] = settings.max_occurrences
        if not trusted:
            b.note("max-occurrences", settings.max_occurrences, True)
    changes["policy"] = _policy(b, config, settings)
    return replace(config, **changes, config_effects=(*config.config_effects, *b.effects))


def _policy(b: _Boundary, config: Config, settings: Settings) -> MappingProxyType[str, Any]:
    """Policy overrides: validated here, so errors name this file; an untrusted override
    may raise a rule's severity (or change its wording), never lower it or switch it off."""
    from scanner.classify.policy import POLICY_RULES, severity_overrides  # noqa: PLC0415

    merged = dict(config.policy)
    for key, override in severity_overrides(settings.policy, b.source).items():
        raw = settings.policy[key]
        default = POLICY_RULES[key].severity
        current = _current_severity(config.policy.get(key), default)
        asked = override.severity
        if b.trusted or (asked is not None and current is not None
                         and asked.rank >= current.rank):
            if not b.trusted and asked is not current:
                b.note(f"policy.{key}", asked, True)
            merged[key] = raw
        else:
            shown = asked.value if asked is not None else "off"
            b.refuse(f"policy.{key}", shown, "it would lower the policy's severity "
                     f"({current.value if current else 'off'})")
    return MappingProxyType(merged)


def _shown(value: object, root: Path) -> str:
    """A setting's value as the file wrote it: paths relative to the root, fail-on words."""
    if isinstance(value, Severity):
        return "never" if value is Severity.NONE else value.value
    if isinstance(value, Confidence):
        return value.value
    if isinstance(value, Path):
        base = root if root.is_dir() else root.parent
        try:
            return value.relative_to(base).as_posix()
        except ValueError:
            return str(value)
    return str(value)


def _current_severity(raw: object, default: Severity) -> Severity | None:
    """The severity an already-applied override gives, or the default."""
    if raw is None:
        return default
    value = raw.get("severity", default.value) if isinstance(raw, dict) else raw
    return None if value == "off" else Severity(str(value))


class ExcludeTally:
    """What the repository's own exclude patterns removed, per pattern: every report says how
    much of the tree a repository's config kept out of the scan."""

    def __init__(self, repo_patterns: tuple[str, ...]) -> None:
        self.patterns = repo_patterns
        self.counts: dict[str, list[int]] = {}  # pattern -> [files, directories]

    def removed(self, rel: str, *, directory: bool = False) -> None:
        shown = rel + "/" if directory else rel
        for pattern in self.patterns:
            if matches_any(shown, (pattern,)):
                self.counts.setdefault(pattern, [0, 0])[directory] += 1
                return


def with_counts(effects: tuple[ConfigEffect, ...], tally: ExcludeTally | None,
                ) -> tuple[ConfigEffect, ...]:
    """The config's effects with what each applied exclude pattern removed in this scan."""
    if tally is None:
        return effects
    out = []
    for effect in effects:
        if effect.setting == "exclude" and effect.applied:
            files, dirs = tally.counts.get(effect.value, [0, 0])
            parts = [f"{files:,} file{'s' * (files != 1)}"] if files or not dirs else []
            if dirs:  # pruned whole: what lies below them is not walked, so not counted
                parts.append(f"{dirs:,} director{'ies' if dirs != 1 else 'y'}")
            effect = replace(effect, detail=f"excluded {' and '.join(parts)}")
        out.append(effect)
    return tuple(out)
