"""The engine: a pure function of (rules, bytes) -> matches.

Two stages. A prefilter decides which rules can match a blob at all: hyperscan runs every
rule's pattern in one pass over the bytes (GB/s); without hyperscan, the `re` engine checks
each rule's keywords. Then exactly the same `re` extraction runs for the rules that passed,
so both engines give identical findings by construction (a test table holds them to it).
"""

from __future__ import annotations

import hashlib
import itertools
import math
import re
import sys
from collections import Counter
from collections.abc import Callable, Collection, Iterator, Sequence
from typing import Any, NamedTuple, Protocol

from scanner.matching import db_cache
from scanner.matching.anchors import Anchor, anchor_regions, lines_of
from scanner.matching.loader import rules_hash
from scanner.matching.schema import Rule
from scanner.model import Match

if sys.version_info >= (3, 11):
    import re._constants as _sre_constants
    import re._parser as _sre_parser
else:  # pragma: no cover - Python 3.10
    import sre_constants as _sre_constants
    import sre_parse as _sre_parser

# A plugin finds secret spans itself (generic detectors); registered by name, never by import
# side effect. It receives the rule and the blob and yields (start, end) byte spans.
PluginFn = Callable[[Rule, bytes], Iterator[tuple[int, int]]]
PLUGINS: dict[str, PluginFn] = {}
# Where a plugin starts looking (anchors.py), by plugin name: hyperscan finds these in its one
# pass so the plugin reads only the lines that hold them, and selects the plugin's rule by
# them, so a plugin with anchors must find nothing where none of them matches. A plugin
# without anchors reads whole blobs and is selected by its keywords.
AnchorsFn = Callable[[Rule], tuple[Anchor, ...]]
ANCHORS: dict[str, AnchorsFn] = {}


def rule_anchors(rule: Rule) -> tuple[Anchor, ...]:
    anchors = ANCHORS.get(rule.kind.removeprefix("plugin:")) if rule.kind != "regex" else None
    return anchors(rule) if anchors is not None else ()


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


_NO_ENDS: list[int] = []  # shared, never mutated: an anchor with no match in the blob


class Pass(NamedTuple):
    """What the engine's one hyperscan pass over a blob found."""

    candidates: list[int]  # the rules that may match, by index
    anchor_ends: dict[Anchor, list[int]]  # each compiled anchor's match ends, in order
    starts_from: dict[int, int]  # rule -> where its `re` search may start
    line_ends: dict[int, list[int]]  # line-local rule -> the ends of the lines it may match


class HyperscanEngine:
    """One hyperscan pass per blob reports the candidate rules (each rule's pattern, first
    match only), the lines where a line-local rule may match (line_local), and every match
    end of the plugins' anchors (anchors.py)."""

    name = "hyperscan"

    def __init__(self, rules: Sequence[Rule]) -> None:
        import hyperscan  # noqa: PLC0415 - optional dependency, imported only when used

        self._hs: Any = hyperscan
        self.rules = tuple(rules)
        self.anchors = tuple(dict.fromkeys(a for r in self.rules for a in rule_anchors(r)))
        self._exprs, self._requires = prefilter_expressions(self.rules)
        self._db, self.compiled_anchors, line_ids = _load_or_compile(hyperscan, self.rules,
                                                                     self.anchors)
        # Which rule's first pattern match each expression reports: the rule whose loosened
        # pattern it is (its own expression, or the one it requires). Widths are parsed the
        # first time a rule is a candidate (a hook scanning ten files needs a few).
        self._pattern_of = pattern_expressions(self.rules, self._requires)
        # Line-local rules by the id of their line-form expression (line_expressions).
        self._line_rule = {expr_id: self._pattern_of[expr_id] for expr_id in line_ids
                           if expr_id in self._pattern_of}
        self._widths: dict[int, int | None] = {}
        # The rules selected by their anchors' matches, listed under each compiled anchor.
        position = {a: i for i, a in enumerate(self.compiled_anchors)}
        self._selects: list[list[int]] = [[] for _ in self.compiled_anchors]
        for index in anchored_rules(self.rules, self.compiled_anchors):
            for anchor in rule_anchors(self.rules[index]):
                self._selects[position[anchor]].append(index)
        # Every compiled anchor with no match: shared by blobs without anchor matches (never
        # mutated: anchor_regions only reads it).
        self._no_ends: dict[Anchor, list[int]] = dict.fromkeys(self.compiled_anchors, _NO_ENDS)
        self._scratch = hyperscan.Scratch(self._db)
        self._db.scratch = self._scratch

    def candidates(self, data: bytes) -> list[int]:
        return self._pass(data).candidates

    def _pass(self, data: bytes) -> Pass:
        """One hyperscan pass over the blob (what it finds: Pass)."""
        n_exprs = len(self._exprs)  # the rules' expressions, then their required patterns
        line_rule = self._line_rule
        hits: set[int] = set()
        events: list[int] = []  # anchor index << 40 | end offset: one append per anchor match
        line_ends: dict[int, list[int]] = {}  # line-local rule -> the line ends reported
        first_end: dict[int, int] = {}

        def on_match(index: int, _start: int, end: int, _flags: int, _ctx: object) -> None:
            if index >= n_exprs:
                events.append((index - n_exprs) << 40 | end)
                return
            hits.add(index)
            rule_index = line_rule.get(index)
            if rule_index is None:
                first_end[index] = end  # one report per expression (single-match)
            elif rule_index in line_ends:
                line_ends[rule_index].append(end)
            else:
                line_ends[rule_index] = [end]

        self._db.scan(data, match_event_handler=on_match)
        ends: dict[Anchor, list[int]] = (dict(self._no_ends) if events else self._no_ends)
        if events:
            mask = (1 << 40) - 1
            events.sort()  # by anchor, then end offset
            for index, group in itertools.groupby(events, key=lambda e: e >> 40):
                ends[self.compiled_anchors[index]] = [e & mask for e in group]
                hits.update(self._selects[index])
        requires = self._requires
        candidates = sorted(i for i in hits if i < len(self.rules) and (
            i not in requires or requires[i] in hits))
        # A regex rule's first pattern match ends at or after the first end hyperscan
        # reported for it (its expression matches a superset, and reports come in end
        # order), so no match starts before that end minus the pattern's widest match:
        # `re` skips the rest. (Prefix-less patterns are slow in `re` over large blobs.)
        starts_from: dict[int, int] = {}
        for expr_id, end in first_end.items():
            rule_index = self._pattern_of.get(expr_id)
            width = None if rule_index is None else self._width(rule_index)
            if rule_index is not None and width is not None and end > width:
                starts_from[rule_index] = end - width
        return Pass(candidates, ends, starts_from, line_ends)

    def _width(self, index: int) -> int | None:
        if index not in self._widths:
            self._widths[index] = max_width(self.rules[index].pattern)
        return self._widths[index]

    def scan(self, data: bytes) -> list[Match]:
        found = self._pass(data)
        if not found.candidates:
            return []
        with anchor_regions(data, found.anchor_ends):
            return extract(self.rules, found.candidates, data, found.starts_from,
                           found.line_ends)


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
    """What hyperscan runs for a rule: its required context, its pattern (or the prefilter
    the rule gives in its place) with large repeats loosened, or a keyword alternation for
    plugins. Each is a valid prefilter."""
    if rule.kind != "regex":
        return keyword_expression(rule)
    if _context_prefilter(rule):
        # A rule with context only reports a match whose window holds a context match, so the
        # blob holds one: the context selects a superset of the blobs. Context rules are the
        # prefix-less shapes (`[0-9a-f]{32}-...` near "mailgun"), whose patterns have no
        # literal for hyperscan to lock onto: on a tree of source code they cost two thirds of
        # the whole database's scan time, their contexts next to nothing.
        return b"|".join(b"(?:" + c.encode("utf-8") + b")" for c in rule.context)
    return loosen_repeats(_pattern_prefilter(rule)).encode("utf-8")


def _pattern_prefilter(rule: Rule) -> str:
    """The rule's pattern, or the prefilter it names to stand in for it: a regex matching
    inside every match of the pattern, with an early literal (the .pgpass line format,
    `^host:port:db:user:password$`, has none before its first `:`, so hyperscan followed it
    from every line start: a quarter of the whole database's scan time)."""
    return rule.prefilter or rule.pattern


def required_expression(rule: Rule) -> bytes | None:
    """For a rule selected by its context: its pattern (or prefilter) too, when that holds a
    literal (cheap for hyperscan). The rule is a candidate only where both match, which keeps
    the `re` pattern off blobs that merely mention the context (`machine learning` for
    netrc)."""
    stand_in = _pattern_prefilter(rule)
    if rule.kind == "regex" and _context_prefilter(rule) and literal_run(stand_in) >= 3:
        return loosen_repeats(stand_in).encode("utf-8")
    return None


def prefilter_expressions(rules: Sequence[Rule]) -> tuple[list[bytes], dict[int, int]]:
    """One expression per rule (id = rule index), then the required patterns; and which
    expression id each rule also requires."""
    exprs = [hyperscan_expression(r) for r in rules]
    requires: dict[int, int] = {}
    for i, rule in enumerate(rules):
        required = required_expression(rule)
        if required is not None:
            requires[i] = len(exprs)
            exprs.append(required)
    return exprs, requires


def pattern_expressions(rules: Sequence[Rule], requires: dict[int, int]) -> dict[int, int]:
    """The expressions that are a regex rule's own (loosened) pattern: its expression, or
    the pattern it requires; expression id -> rule index. A prefilter standing in for the
    pattern is left out: the engine's shortcuts (starts_from, line_ends) read the ends of
    the pattern's own matches."""
    found: dict[int, int] = {}
    for index, rule in enumerate(rules):
        expr_id = requires.get(index, index)
        if rule.kind == "regex" and rule.prefilter is None and (
                expr_id != index or not _context_prefilter(rule)):
            found[expr_id] = index
    return found


def line_expressions(rules: Sequence[Rule], requires: dict[int, int]) -> dict[int, int]:
    """The pattern expressions of line-local rules, compiled to report the end of each line
    holding a match (line_form), so `re` reads only those lines: it used to read from the
    first match to the end of the blob, a tenth of a history scan (URL rules in docs)."""
    return {expr_id: index for expr_id, index in pattern_expressions(rules, requires).items()
            if line_local(rules[index].pattern)}


def line_form(expression: bytes) -> bytes:
    """A match of the expression, run on to its line's end: hyperscan (multi-line mode)
    reports that end once however many matches the line holds."""
    return b"(?:" + expression + b")[^\n]*$"


# Character categories that hold a line feed.
_NEWLINE_CATEGORIES = frozenset({
    _sre_constants.CATEGORY_SPACE, _sre_constants.CATEGORY_NOT_DIGIT,
    _sre_constants.CATEGORY_NOT_WORD, _sre_constants.CATEGORY_LINEBREAK,
    _sre_constants.CATEGORY_UNI_SPACE, _sre_constants.CATEGORY_UNI_NOT_DIGIT,
    _sre_constants.CATEGORY_UNI_NOT_WORD, _sre_constants.CATEGORY_UNI_LINEBREAK,
    _sre_constants.CATEGORY_LOC_NOT_WORD,
})
# Assertions that hold at a line's end exactly when at the end of the string, given that the
# line feed is never part of a match: `^`, `\A` and `\b` (`$` and `\Z` do not).
_LINE_SAFE_AT = frozenset({
    _sre_constants.AT_BEGINNING, _sre_constants.AT_BEGINNING_LINE,
    _sre_constants.AT_BEGINNING_STRING, _sre_constants.AT_BOUNDARY,
    _sre_constants.AT_NON_BOUNDARY,
})


def line_local(pattern: str) -> bool:
    r"""Does every match of `pattern` lie on one line, and match the same when `re` searches
    that line alone (`finditer(data, line_start, line_end)`)? True when nothing in it,
    lookarounds included, can match a line feed, it cannot match empty, and it holds no `$`
    or `\Z`. (A lookbehind still sees the bytes before the line: `re` honours them.)"""
    parsed = _parsed(pattern)
    if parsed is None or parsed.getwidth()[0] == 0:
        return False
    dotall = bool(parsed.state.flags & _sre_constants.SRE_FLAG_DOTALL)
    return _no_line_feed(list(parsed.data), dotall)


def _no_line_feed(items: list[tuple[Any, Any]], dotall: bool) -> bool:
    c = _sre_constants
    for op, arg in items:
        if op is c.LITERAL:
            if arg == _LF:
                return False
        elif op is c.NOT_LITERAL:
            if arg != _LF:
                return False
        elif op is c.ANY:
            if dotall:
                return False
        elif op is c.IN:
            if _class_holds_line_feed(arg):
                return False
        elif op is c.BRANCH:
            if not all(_no_line_feed(list(branch), dotall) for branch in arg[1]):
                return False
        elif op is c.SUBPATTERN:
            _, add, remove, body = arg
            inner = (dotall or bool(add & c.SRE_FLAG_DOTALL)) and not remove & c.SRE_FLAG_DOTALL
            if not _no_line_feed(list(body), inner):
                return False
        elif op in _REPEATS:
            if not _no_line_feed(list(arg[2]), dotall):
                return False
        elif op in (c.ASSERT, c.ASSERT_NOT):
            if not _no_line_feed(list(arg[1]), dotall):
                return False
        elif op is _ATOMIC_GROUP:
            if not _no_line_feed(list(arg), dotall):
                return False
        elif op is c.GROUPREF_EXISTS:
            _, yes, no = arg
            if not _no_line_feed(list(yes), dotall) or (
                    no is not None and not _no_line_feed(list(no), dotall)):
                return False
        elif op is c.AT:
            if arg not in _LINE_SAFE_AT:
                return False
        elif op is not c.GROUPREF:  # a backreference repeats a group checked on its own
            return False
    return True


_LF = 0x0A
# Python 3.11's atomic groups and possessive repeats (3.10's parser has neither).
_ATOMIC_GROUP = getattr(_sre_constants, "ATOMIC_GROUP", None)
_REPEATS = frozenset({_sre_constants.MAX_REPEAT, _sre_constants.MIN_REPEAT,
                      getattr(_sre_constants, "POSSESSIVE_REPEAT", _sre_constants.MAX_REPEAT)})


def _class_holds_line_feed(items: list[tuple[Any, Any]]) -> bool:
    negate = bool(items) and items[0][0] is _sre_constants.NEGATE
    holds = False
    for op, arg in items[1:] if negate else items:
        if op is _sre_constants.LITERAL:
            holds |= arg == _LF
        elif op is _sre_constants.RANGE:
            holds |= arg[0] <= _LF <= arg[1]
        elif op is _sre_constants.CATEGORY:
            holds |= arg in _NEWLINE_CATEGORIES
        else:
            return True  # a form not known here: assume the worst
    return holds != negate


def _context_prefilter(rule: Rule) -> bool:
    return bool(rule.context) and all(_window_safe(c) for c in rule.context)


def max_width(pattern: str) -> int | None:
    """The most bytes a match of `pattern` can span (as a UTF-8 pattern over bytes, each
    character is at most 4 bytes), or None when it is unbounded."""
    parsed = _parsed(pattern)
    if parsed is None:
        return None
    _, widest = parsed.getwidth()
    if widest >= _sre_constants.MAXREPEAT - 1:  # getwidth caps an unbounded width there
        return None
    return widest if pattern.isascii() else widest * 4


def literal_run(pattern: str) -> int:
    """The longest run of literal characters that every match of `pattern` holds (an
    alternation counts its shortest branch's); 0 when it cannot tell."""
    parsed = _parsed(pattern)
    return 0 if parsed is None else _longest_literal(list(parsed.data))


def _parsed(pattern: str) -> _sre_parser.SubPattern | None:
    """`re`'s own parse of the pattern (what the analyses above walk), or None when it does
    not parse (a user's broken rule is reported by the loader, not here)."""
    try:
        return _sre_parser.parse(pattern)
    except (re.error, RecursionError, OverflowError):
        return None


def _longest_literal(items: list[tuple[Any, Any]]) -> int:
    best = run = 0
    for op, arg in items:
        if op is _sre_constants.LITERAL:
            run += 1
            best = max(best, run)
            continue
        run = 0
        if op is _sre_constants.SUBPATTERN:
            best = max(best, _longest_literal(list(arg[-1])))
        elif op is _sre_constants.BRANCH:
            best = max(best, min(_longest_literal(list(b)) for b in arg[1]))
        elif op in (_sre_constants.MAX_REPEAT, _sre_constants.MIN_REPEAT) and arg[0] >= 1:
            best = max(best, _longest_literal(list(arg[2])))
    return best


def _window_safe(context: str) -> bool:
    """A context regex matches in the blob wherever it matches in a match's window (a run of
    whole lines), unless it anchors to the window's ends: `^` or `$` without (?m)."""
    return context.startswith("(?m)") or not re.search(r"[\^$]|\\[AZz]", context.replace(
        "[^", "["))


def keyword_expression(rule: Rule) -> bytes:
    return b"(?i)(?:" + b"|".join(re.escape(k).encode() for k in rule.keywords) + b")"


def compile_database(hyperscan: Any, rules: Sequence[Rule], anchors: Sequence[Anchor] = (),
                     lines: Collection[int] | None = None) -> tuple[Any, tuple[Anchor, ...]]:
    """Compile one block-mode database in prefilter mode. The database only selects the
    rules that can match (exact `re` extraction decides), so a superset of matches is all
    it needs; exact mode turns the large bounded repeats of key and connection-string rules
    into automata that took minutes to compile together, prefilter mode takes seconds and
    scans faster. A pattern even prefilter mode rejects is replaced by its keywords.

    Ids: one expression per rule (its index), then the patterns some rules also require
    (prefilter_expressions), then the anchors, exact and caseless, every match reported. A
    plugin rule whose anchors all compile has no expression: its anchors select it. (Their
    keyword alternations held two-letter keywords like `id` and `-p` that cost the database
    a sixth of its scan time.)
    Returns the database and the anchors it holds: one hyperscan rejects is left out, and
    plugins search for it in whole blobs (slower, same hits)."""
    exprs, requires = prefilter_expressions(rules)
    owner = list(range(len(rules))) + list(requires)  # the rule behind each expression
    flags = [hyperscan.HS_FLAG_SINGLEMATCH | hyperscan.HS_FLAG_PREFILTER] * len(exprs)
    if lines is None:
        lines = line_expressions(rules, requires).keys()
    for i in lines:  # every match's line end, not just the first match
        exprs[i] = line_form(exprs[i])
        flags[i] = hyperscan.HS_FLAG_PREFILTER | hyperscan.HS_FLAG_MULTILINE
    kept = tuple(anchors)
    db = hyperscan.Database()
    if not exprs and not kept:
        return db, ()

    def compile_all() -> None:
        selected = anchored_rules(rules, kept)
        ids = [i for i in range(len(exprs)) if i not in selected]
        ids += range(len(exprs), len(exprs) + len(kept))
        every = exprs + [a.hyperscan_expression for a in kept]
        every_flags = flags + [hyperscan.HS_FLAG_CASELESS] * len(kept)
        db.compile(expressions=[every[i] for i in ids], ids=ids, elements=len(ids),
                   flags=[every_flags[i] for i in ids])

    try:
        compile_all()
        return db, kept
    except hyperscan.error:
        pass
    for i, expr in enumerate(exprs):
        if not _compiles(hyperscan, expr, flags[i]):
            fallback = _fallback_expression(rules[owner[i]])
            exprs[i] = line_form(fallback) if i in lines else fallback
    kept = tuple(a for a in kept
                 if _compiles(hyperscan, a.hyperscan_expression, hyperscan.HS_FLAG_CASELESS))
    compile_all()
    return db, kept


def anchored_rules(rules: Sequence[Rule], compiled: Sequence[Anchor]) -> frozenset[int]:
    """The plugin rules whose anchors all compiled: hyperscan selects them by those."""
    have = set(compiled)
    return frozenset(i for i, rule in enumerate(rules)
                     if (anchors := rule_anchors(rule)) and all(a in have for a in anchors))


def _compiles(hyperscan: Any, expr: bytes, flags: int) -> bool:
    try:
        hyperscan.Database().compile(expressions=[expr], ids=[0], elements=1, flags=[flags])
    except hyperscan.error:
        return False
    return True


def _fallback_expression(rule: Rule) -> bytes:
    """Every `re` match holds one of the rule's keywords (the rule tests hold each rule to
    it); without keywords, any byte selects the rule."""
    if rule.keywords:
        return b"(?i)(?:" + b"|".join(re.escape(k).encode() for k in rule.keywords) + b")"
    return b"(?s)."


_DB_FORMAT = "pf9"  # bump when compile_database changes what it builds


def _load_or_compile(hyperscan: Any, rules: Sequence[Rule], anchors: Sequence[Anchor]
                     ) -> tuple[Any, tuple[Anchor, ...], frozenset[int]]:
    """Compiling a few hundred patterns takes a moment; a hook must not pay it every commit,
    so the serialised database is cached on disk (db_cache: verified, never planted), named
    by the rules' and anchors' hash (and the Python version, whose parser judges
    line_local). The entry also records which anchors compiled and which expressions are in
    line form (two bitmaps), so a cache hit needs no check and parses no pattern. Returns
    the database, the anchors it holds and the ids of its line-form expressions."""
    version = getattr(hyperscan, "__version__", "0")
    digest = hashlib.sha256(rules_hash(rules).encode())
    digest.update(f"{sys.version_info[0]}.{sys.version_info[1]}".encode())
    for anchor in anchors:
        digest.update(b"\0" + anchor.pattern + b"\0" + anchor.hyperscan_expression)
    name = f"hs-{digest.hexdigest()[:32]}-{version}-{_DB_FORMAT}.db"
    cached = db_cache.load(name)
    if cached is not None:
        try:
            head, _, body = cached.partition(b"\n")
            compiled, lines = (int(bits, 16) for bits in head.split(b" "))
            db = hyperscan.loadb(body, hyperscan.HS_MODE_BLOCK)
        except (hyperscan.error, TypeError, ValueError):
            pass  # verified yet unloadable (another hyperscan build): rebuild it
        else:
            return (db, tuple(a for i, a in enumerate(anchors) if compiled >> i & 1),
                    frozenset(i for i in range(lines.bit_length()) if lines >> i & 1))
    line_ids = frozenset(line_expressions(rules, prefilter_expressions(rules)[1]))
    db, kept = compile_database(hyperscan, rules, anchors, line_ids)
    bitmap = sum(1 << i for i, a in enumerate(anchors) if a in kept)
    head = f"{bitmap:x} {sum(1 << i for i in line_ids):x}".encode()
    db_cache.store(name, head + b"\n" + hyperscan.dumpb(db))
    return db, kept, line_ids


def extract(rules: Sequence[Rule], candidates: Sequence[int], data: bytes,
            starts_from: dict[int, int] | None = None,
            line_ends: dict[int, list[int]] | None = None) -> list[Match]:
    """Run the exact `re` (or plugin) extraction for the candidate rules; resolve overlaps.
    `starts_from[index]`: no match of that rule starts before this offset. `line_ends[index]`:
    the rule is line-local and matches on no line but the ones ending there."""
    found: list[tuple[int, int, int]] = []  # (start, end, rule index)
    for index in candidates:
        rule = rules[index]
        lines = line_ends.get(index) if line_ends else None
        pos = starts_from.get(index, 0) if starts_from else 0
        spans = _spans(rule, data, pos) if lines is None else _line_spans(rule, data, lines)
        for start, end in spans:
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


def _spans(rule: Rule, data: bytes, pos: int = 0) -> Iterator[tuple[int, int]]:
    if rule.kind != "regex":
        plugin = PLUGINS.get(rule.kind.removeprefix("plugin:"))
        if plugin is not None:
            yield from plugin(rule, data)
        return
    group = rule.secret_group
    for m in rule.regex.finditer(data, pos):
        start, end = m.span(group)
        if start >= 0 and end > start:
            yield start, end


def _line_spans(rule: Rule, data: bytes, ends: list[int]) -> Iterator[tuple[int, int]]:
    """A line-local rule's matches, line by line: the same as in the whole blob, since none
    crosses a line and each searched line holds every byte a match can look at."""
    group = rule.secret_group
    for lo, hi in lines_of(data, sorted(ends)):
        for m in rule.regex.finditer(data, lo, hi):
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
