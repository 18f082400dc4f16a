"""The engine: a pure function of (rules, bytes) -> matches.

Two stages. A prefilter decides which rules can match a blob at all: hyperscan runs every
rule's pattern in one pass over the bytes (GB/s); without hyperscan, the `re` engine checks
each rule's keywords. Then exactly the same `re` extraction runs for the rules that passed,
so both engines give identical findings by construction (a test table holds them to it).
"""

from __future__ import annotations

import math
import os
import re
import sys
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any, Protocol

from scanner.matching.loader import rules_hash
from scanner.matching.schema import Rule
from scanner.model import Match

# A plugin finds secret spans itself (generic detectors); registered by name, never by import
# side effect. It receives the rule and the blob and yields (start, end) byte spans.
PluginFn = Callable[[Rule, bytes], Iterator[tuple[int, int]]]
PLUGINS: dict[str, PluginFn] = {}


class Engine(Protocol):
    """Finds every rule match in a blob. Pure: same rules and bytes, same matches."""

    name: str
    rules: tuple[Rule, ...]

    def scan(self, data: bytes) -> list[Match]: ...


def make_engine(rules: Sequence[Rule], *, prefer: str = "auto") -> Engine:
    """hyperscan when importable (or asked for), else the pure-`re` engine with a notice."""
    if prefer in ("auto", "hyperscan"):
        try:
            return HyperscanEngine(rules)
        except ImportError:
            if prefer == "hyperscan":
                raise
            print("credscope: notice: hyperscan is not available here; using the slower "
                  "pure-Python `re` engine (same findings).", file=sys.stderr)
    return ReEngine(rules)


class ReEngine:
    name = "re"

    def __init__(self, rules: Sequence[Rule]) -> None:
        self.rules = tuple(rules)
        self._keywords = [tuple(k.encode() for k in r.keywords) for r in self.rules]

    def candidates(self, data: bytes) -> list[int]:
        lowered = data.lower()
        return [i for i, kws in enumerate(self._keywords) if any(k in lowered for k in kws)]

    def scan(self, data: bytes) -> list[Match]:
        return extract(self.rules, self.candidates(data), data)


class HyperscanEngine:
    name = "hyperscan"

    def __init__(self, rules: Sequence[Rule]) -> None:
        import hyperscan  # noqa: PLC0415 - optional dependency, imported only when used

        self._hs: Any = hyperscan
        self.rules = tuple(rules)
        self._db = _load_or_compile(hyperscan, self.rules)
        self._scratch = hyperscan.Scratch(self._db)
        self._db.scratch = self._scratch

    def candidates(self, data: bytes) -> list[int]:
        hits: set[int] = set()

        def on_match(rule_index: int, _start: int, _end: int, _flags: int, _ctx: object) -> None:
            hits.add(rule_index)

        self._db.scan(data, match_event_handler=on_match)
        return sorted(hits)

    def scan(self, data: bytes) -> list[Match]:
        return extract(self.rules, self.candidates(data), data)


# Hyperscan compiles a bounded repeat into states: a few rules with repeats in the thousands
# (PEM bodies, JWTs) took its combined compile to minutes. The database only prefilters, so
# each large repeat is loosened to an unbounded one ({400,8000} -> {64,}): a superset of the
# rule's matches, compiled in about a second, and still as selective as the exact pattern
# (a keyword alternation in its place made `auth` or `://` rules candidates in most files).
MAX_PREFILTER_REPEAT = 64
_REPEAT = re.compile(r"(?<!\\)\{(\d+)(?:(,)(\d*))?\}")


def largest_repeat(pattern: str) -> int:
    return max((int(m.group(3) or m.group(1)) for m in _REPEAT.finditer(pattern)), default=0)


def loosen_repeats(pattern: str, cap: int = MAX_PREFILTER_REPEAT) -> str:
    """`{lo,hi}` and `{n}` above `cap` become `{min(lo, cap),}`: they match more, never less."""

    def loosen(m: re.Match[str]) -> str:
        lo, comma, hi = int(m.group(1)), m.group(2), m.group(3)
        top = int(hi) if hi else (None if comma else lo)
        return m.group(0) if top is not None and top <= cap else f"{{{min(lo, cap)},}}"

    return _REPEAT.sub(loosen, pattern)


def hyperscan_expression(rule: Rule) -> bytes:
    """What hyperscan runs for a rule: its pattern with large repeats loosened, or a keyword
    alternation for plugins. Either is a valid prefilter."""
    if rule.kind == "regex":
        return loosen_repeats(rule.pattern).encode("utf-8")
    return keyword_expression(rule)


def keyword_expression(rule: Rule) -> bytes:
    return b"(?i)(?:" + b"|".join(re.escape(k).encode() for k in rule.keywords) + b")"


def compile_database(hyperscan: Any, rules: Sequence[Rule]) -> Any:
    """Compile one block-mode database in prefilter mode. The database only selects the
    rules that can match (exact `re` extraction decides), so a superset of matches is all
    it needs; exact mode turns the large bounded repeats of key and connection-string rules
    into automata that took minutes to compile together, prefilter mode takes seconds and
    scans faster. A pattern even prefilter mode rejects is replaced by its keywords."""
    exprs = [hyperscan_expression(r) for r in rules]
    flags = [hyperscan.HS_FLAG_SINGLEMATCH | hyperscan.HS_FLAG_PREFILTER] * len(exprs)
    db = hyperscan.Database()
    if not exprs:
        return db
    try:
        db.compile(expressions=exprs, ids=list(range(len(exprs))), elements=len(exprs),
                   flags=flags)
        return db
    except hyperscan.error:
        pass
    for i, expr in enumerate(exprs):
        try:
            hyperscan.Database().compile(expressions=[expr], ids=[0], elements=1,
                                         flags=[flags[i]])
        except hyperscan.error:
            exprs[i] = _fallback_expression(rules[i])
    db.compile(expressions=exprs, ids=list(range(len(exprs))), elements=len(exprs),
               flags=flags)
    return db


def _fallback_expression(rule: Rule) -> bytes:
    """Every `re` match holds one of the rule's keywords (the rule tests hold each rule to
    it); without keywords, any byte selects the rule."""
    if rule.keywords:
        return b"(?i)(?:" + b"|".join(re.escape(k).encode() for k in rule.keywords) + b")"
    return b"(?s)."


def cache_dir() -> Path:
    base = os.environ.get("CREDSCOPE_CACHE_DIR") or os.environ.get("XDG_CACHE_HOME")
    root = Path(base) if base else Path.home() / ".cache"
    return root if os.environ.get("CREDSCOPE_CACHE_DIR") else root / "credscope"


_DB_FORMAT = "pf2"  # bump when compile_database changes what it builds


def _load_or_compile(hyperscan: Any, rules: Sequence[Rule]) -> Any:
    """Compiling a few hundred patterns takes a moment; a hook must not pay it every commit,
    so the serialised database is cached on disk, keyed by the rules' hash."""
    version = getattr(hyperscan, "__version__", "0")
    path = cache_dir() / f"hs-{rules_hash(rules)}-{version}-{_DB_FORMAT}.db"
    try:
        return hyperscan.loadb(path.read_bytes(), hyperscan.HS_MODE_BLOCK)
    except (OSError, hyperscan.error, TypeError, ValueError):
        pass
    db = compile_database(hyperscan, rules)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_bytes(hyperscan.dumpb(db))
        tmp.replace(path)
    except OSError:
        pass  # a read-only home only costs the next run a recompile
    return db


def extract(rules: Sequence[Rule], candidates: Sequence[int], data: bytes) -> list[Match]:
    """Run the exact `re` (or plugin) extraction for the candidate rules; resolve overlaps."""
    found: list[tuple[int, int, int]] = []  # (start, end, rule index)
    for index in candidates:
        rule = rules[index]
        for start, end in _spans(rule, data):
            if rule.context and not _has_context(rule, data, start, end):
                continue
            if rule.entropy is not None and shannon_entropy(data[start:end]) < rule.entropy:
                continue
            found.append((start, end, index))
    # Lines and columns are counted incrementally from the previous match: one pass over the
    # blob however many matches it holds (a long line of tokens was quadratic).
    matches = []
    line, counted, column = 1, 0, 1
    for s, e, i in resolve_overlaps(rules, found):
        newlines = data.count(b"\n", counted, s)
        if newlines:
            line += newlines
            counted, column = data.rfind(b"\n", counted, s) + 1, 1
        column += len(data[counted:s].decode("utf-8", "replace"))
        counted = s
        matches.append(_to_match(rules[i], data, s, e, line, column))
    return matches


def _spans(rule: Rule, data: bytes) -> Iterator[tuple[int, int]]:
    if rule.kind != "regex":
        plugin = PLUGINS.get(rule.kind.removeprefix("plugin:"))
        if plugin is not None:
            yield from plugin(rule, data)
        return
    group = rule.secret_group
    for m in rule.regex.finditer(data):
        start, end = m.span(group)
        if start >= 0 and end > start:
            yield start, end


def resolve_overlaps(
    rules: Sequence[Rule], found: list[tuple[int, int, int]]
) -> list[tuple[int, int, int]]:
    """One finding per secret: on overlapping spans the higher priority wins, then the
    longer span, then the rule listed first."""
    kept: list[tuple[int, int, int]] = []
    for cluster in _overlap_clusters(found):
        ranked = sorted(cluster, key=lambda f: (-rules[f[2]].priority, -(f[1] - f[0]), f[2], f[0]))
        chosen: list[tuple[int, int, int]] = []
        for cand in ranked:
            if all(cand[1] <= k[0] or cand[0] >= k[1] for k in chosen):
                chosen.append(cand)
        kept.extend(chosen)
    return sorted(kept)


def _overlap_clusters(found: list[tuple[int, int, int]]) -> Iterator[list[tuple[int, int, int]]]:
    """Runs of transitively overlapping spans. Spans in different runs never compete, so the
    greedy choice runs per run: a file of many separate secrets costs O(n log n), not O(n²)."""
    cluster: list[tuple[int, int, int]] = []
    reach = 0
    for span in sorted(found):
        if cluster and span[0] >= reach:
            yield cluster
            cluster = []
        reach = max(reach, span[1]) if cluster else span[1]
        cluster.append(span)
    if cluster:
        yield cluster


def _has_context(rule: Rule, data: bytes, start: int, end: int) -> bool:
    lo = start
    for _ in range(rule.context_lines + 1):
        lo = data.rfind(b"\n", 0, lo)
        if lo <= 0:
            lo = 0
            break
    hi = end
    for _ in range(rule.context_lines + 1):
        nxt = data.find(b"\n", hi + 1)
        if nxt < 0:
            hi = len(data)
            break
        hi = nxt
    window = data[lo:hi]
    return any(rx.search(window) for rx in rule.context_regexes)


def shannon_entropy(value: bytes) -> float:
    if not value:
        return 0.0
    counts = Counter(value)
    total = len(value)
    return -sum(c / total * math.log2(c / total) for c in counts.values())


def _to_match(rule: Rule, data: bytes, start: int, end: int, line: int, column: int) -> Match:
    secret = data[start:end].decode("utf-8", "replace")
    end_line = line + data.count(b"\n", start, end)
    if end_line == line:
        end_column = column + len(secret)
    else:
        end_line_start = data.rfind(b"\n", start, end) + 1
        end_column = len(data[end_line_start:end].decode("utf-8", "replace")) + 1
    return Match(
        rule_id=rule.id,
        start=start,
        end=end,
        secret=secret,
        line=line,
        column=column,
        end_column=end_column,
        end_line=end_line,
    )
