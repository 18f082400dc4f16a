"""Load and validate rules: built-ins from rules/, extra directories, and entry-point packs.

Every error names the file, the rule id and the field, so a broken rule pack is fixed in one go.
"""

from __future__ import annotations

import hashlib
import re
import sys
from collections.abc import Iterable, Sequence
from importlib import metadata
from pathlib import Path
from typing import Any

from scanner.errors import RuleError
from scanner.matching.safe_regex import HOW_TO, LinearError, compile_linear
from scanner.matching.schema import Example, Rule
from scanner.model import Capability, Environment, Scope, Tier

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

ENTRY_POINT_GROUP = "credscope.rules"
_ID_RE = re.compile(r"^[a-z0-9][a-z0-9-]*(\.[a-z0-9][a-z0-9-]*)+$")
_REQUIRED_STR = ("id", "provider", "title", "description", "pattern", "remediation")
_KNOWN_KEYS = frozenset({
    "id", "provider", "title", "description", "pattern", "keywords", "context", "context_lines",
    "priority", "tier", "worst_case", "scope", "capabilities", "environment", "decoder",
    "remediation", "narrower", "references", "entropy", "examples", "tags", "kind", "prefilter",
})


def builtin_rules_dir() -> Path:
    """rules/ beside the package in a checkout; scanner._rules inside an installed wheel."""
    checkout = Path(__file__).resolve().parents[2] / "rules"
    if checkout.is_dir():
        return checkout
    # scanner._rules has no __init__.py (it is data), so importlib.resources would hand back
    # a namespace MultiplexedPath; the directory beside this package is the real one.
    return Path(__file__).resolve().parents[1] / "_rules"


def rule_files(extra_dirs: Sequence[Path] = ()) -> list[Path]:
    files = sorted(builtin_rules_dir().glob("*.toml"))
    for directory in extra_dirs:
        if not directory.is_dir():
            raise RuleError("rules directory does not exist", path=str(directory))
        files.extend(sorted(directory.glob("*.toml")))
    for entry in metadata.entry_points(group=ENTRY_POINT_GROUP):
        files.extend(sorted(_pack_dir(entry).glob("*.toml")))
    return files


def _pack_dir(entry: metadata.EntryPoint) -> Path:
    """A rule pack's entry point names a callable returning a directory of TOML files (or
    the directory). A pack that fails to load is the pack's error, not credscope's: exit 2,
    naming the pack, never exit 3."""
    where = f"rule pack {entry.name!r} ({entry.value})"
    try:
        target = entry.load()
        pack_dir = Path(target() if callable(target) else target)
    except (Exception, SystemExit) as err:  # noqa: BLE001 - whatever a third-party pack raises
        raise RuleError(f"{where} failed to load: {type(err).__name__}: {err}") from None
    if not pack_dir.is_dir():
        raise RuleError(f"{where} names {str(pack_dir)!r}, which is not a directory")
    return pack_dir


def load_rules(extra_dirs: Sequence[Path] = ()) -> tuple[Rule, ...]:
    rules: list[Rule] = []
    seen: dict[str, str] = {}
    files = rule_files(extra_dirs)
    if not files:
        raise RuleError("no rule files found (a broken installation?)",
                        path=str(builtin_rules_dir()))
    builtin = builtin_rules_dir()
    for path in files:
        # The shipped rules' regexes are compiled by the test suite; compiling all of them
        # again at every start (a third of a hook's run) is left to first use. A user's rules
        # and rule packs are checked here, with the file, rule and field named.
        user = path.parent != builtin
        for rule in load_rule_file(path, check_patterns=user, linear=user):
            if rule.id in seen:
                raise RuleError(f"duplicate rule id (first defined in {seen[rule.id]})",
                                path=str(path), rule_id=rule.id, field="id")
            seen[rule.id] = str(path)
            rules.append(rule)
    return tuple(rules)


def load_rule_file(path: Path, *, check_patterns: bool = True, linear: bool = False
                   ) -> list[Rule]:
    """The rules of one file. `linear`: a user's file, whose patterns must compile in RE2
    and run under it (safe_regex.py)."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as err:
        raise RuleError(f"cannot read rule file: {err}", path=str(path)) from None
    except tomllib.TOMLDecodeError as err:
        raise RuleError(f"invalid TOML: {err}", path=str(path)) from None
    except RecursionError:  # tomllib recurses per nested array/table
        raise RuleError("invalid TOML: nested too deeply", path=str(path)) from None
    tables = data.get("rules")
    if not isinstance(tables, list) or not all(isinstance(t, dict) for t in tables):
        raise RuleError("expected one or more [[rules]] tables", path=str(path))
    return [parse_rule(t, str(path), check_patterns=check_patterns, linear=linear)
            for t in tables]


def rules_hash(rules: Iterable[Rule]) -> str:
    """Stable digest of everything that affects matching; keys the compiled-database cache."""
    digest = hashlib.sha256()
    for rule in rules:
        # Context and prefilter too: either can be the expression hyperscan compiles for the
        # rule, so a cached database built before an edit to them must not be reused.
        for part in (rule.id, rule.pattern, *rule.keywords, rule.kind, "\1", *rule.context,
                     "\1", rule.prefilter or ""):
            digest.update(part.encode("utf-8") + b"\0")
    return digest.hexdigest()[:32]


class _Fields:
    """Typed accessors over one raw rule table that raise RuleError naming the field."""

    def __init__(self, table: dict[str, Any], path: str, *, check_patterns: bool = True,
                 linear: bool = False) -> None:
        self.table = table
        self.path = path
        self.check_patterns = check_patterns
        self.linear = linear
        raw_id = table.get("id")
        self.rule_id = raw_id if isinstance(raw_id, str) else None

    def fail(self, field: str, message: str) -> RuleError:
        return RuleError(message, path=self.path, rule_id=self.rule_id, field=field)

    def string(self, key: str, default: str | None = None) -> str:
        value = self.table.get(key, default)
        if not isinstance(value, str) or not value.strip():
            raise self.fail(key, "must be a non-empty string")
        return value

    def optional_string(self, key: str) -> str | None:
        return self.string(key) if key in self.table else None

    def strings(self, key: str, *, required: bool = False) -> tuple[str, ...]:
        value = self.table.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
            raise self.fail(key, "must be a list of non-empty strings")
        if required and not value:
            raise self.fail(key, "must not be empty")
        return tuple(value)

    def integer(self, key: str, default: int, low: int, high: int) -> int:
        value = self.table.get(key, default)
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise self.fail(key, f"must be an integer from {low} to {high}")
        return value

    def enum(self, key: str, kind: type[Any], default: str | None = None) -> Any:
        raw = self.table.get(key, default)
        try:
            return kind(raw)
        except ValueError:
            allowed = ", ".join(m.value for m in kind)
            raise self.fail(key, f"{raw!r} is not one of: {allowed}") from None

    def regex(self, key: str, value: str) -> str:
        if not self.check_patterns:
            return value
        try:
            re.compile(value.encode("utf-8"))
        except re.error as err:
            raise self.fail(key, f"invalid regular expression: {err}") from None
        if not self.linear:
            return value
        try:  # a user's pattern runs under RE2: linear time whatever it says
            compile_linear(value.encode("utf-8"))
        except LinearError as err:
            raise self.fail(key, f"not a linear-time pattern ({err}): user rules run under "
                            f"RE2 so that no file can make a scan hang; {HOW_TO}") from None
        return value


def parse_rule(table: dict[str, Any], path: str, *, check_patterns: bool = True,
               linear: bool = False) -> Rule:
    f = _Fields(table, path, check_patterns=check_patterns, linear=linear)
    unknown = sorted(set(table) - _KNOWN_KEYS)
    if unknown:
        raise f.fail(unknown[0], "unknown key (typo?)")
    for key in _REQUIRED_STR:
        f.string(key)
    rule_id = f.string("id")
    if not _ID_RE.match(rule_id):
        raise f.fail("id", "must look like 'provider.kind' (lower case, dots and dashes)")
    keywords = f.strings("keywords", required=True)
    if any(k != k.lower() for k in keywords):
        raise f.fail("keywords", "keywords are matched case-insensitively: write them lower case")
    capabilities = tuple(_capability(f, c) for c in f.strings("capabilities"))
    tier: Tier = f.enum("tier", Tier)
    worst_case: Tier = f.enum("worst_case", Tier, table.get("tier"))
    if worst_case is Tier.UNKNOWN:
        raise f.fail("worst_case", "the worst case of an UNKNOWN tier must be a concrete tier")
    entropy = table.get("entropy")
    if entropy is not None and (isinstance(entropy, bool) or not isinstance(entropy, (int, float))):
        raise f.fail("entropy", "must be a number of bits per character")
    kind = f.string("kind", "regex")
    if kind != "regex" and not kind.startswith("plugin:"):
        raise f.fail("kind", "must be 'regex' or 'plugin:<name>'")
    prefilter = f.optional_string("prefilter")
    if prefilter is not None and kind != "regex":
        raise f.fail("prefilter", "only a regex rule has a pattern to stand in for")
    return Rule(
        id=rule_id,
        provider=f.string("provider"),
        title=f.string("title"),
        description=f.string("description"),
        pattern=f.regex("pattern", f.string("pattern")),
        keywords=keywords,
        tier=tier,
        worst_case=worst_case if tier is Tier.UNKNOWN else tier,
        scope=f.enum("scope", Scope, "unknown"),
        capabilities=capabilities,
        environment=f.enum("environment", Environment, "unknown"),
        remediation=f.string("remediation"),
        source_file=path,
        context=tuple(f.regex("context", c) for c in f.strings("context")),
        context_lines=f.integer("context_lines", 3, 0, 50),
        priority=f.integer("priority", 0, -100, 100),
        decoder=f.optional_string("decoder"),
        narrower=f.optional_string("narrower"),
        references=f.strings("references"),
        entropy=float(entropy) if entropy is not None else None,
        examples=_examples(f),
        tags=f.strings("tags"),
        kind=kind,
        linear=linear,
        prefilter=None if prefilter is None else f.regex("prefilter", prefilter),
    )


def _capability(f: _Fields, raw: str) -> Capability:
    try:
        return Capability(raw)
    except ValueError:
        allowed = ", ".join(c.value for c in Capability)
        raise f.fail("capabilities", f"{raw!r} is not one of: {allowed}") from None


def _examples(f: _Fields) -> tuple[Example, ...]:
    raw = f.table.get("examples", [])
    if not isinstance(raw, list):
        raise f.fail("examples", "must be an array of tables")
    out = []
    for i, ex in enumerate(raw):
        if not isinstance(ex, dict) or not isinstance(ex.get("text"), str):
            raise f.fail(f"examples[{i}].text", "must be a string")
        if not isinstance(ex.get("positive"), bool):
            raise f.fail(f"examples[{i}].positive", "must be true or false")
        secret = ex.get("secret")
        if secret is not None and not isinstance(secret, str):
            raise f.fail(f"examples[{i}].secret", "must be a string")
        out.append(Example(text=ex["text"], positive=ex["positive"], secret=secret))
    return tuple(out)
