"""The engine: prefilter + exact extraction, overlaps, context, entropy, plugins, and the two
engines agreeing."""

from __future__ import annotations

import random
import string
from collections.abc import Iterator
from pathlib import Path

import pytest

from scanner.errors import RuleError
from scanner.matching import engine as engine_mod
from scanner.matching.engine import HyperscanEngine, ReEngine, shannon_entropy
from scanner.matching.loader import load_rule_file, parse_rule
from scanner.matching.schema import Rule
from tests.helpers import HAVE_HYPERSCAN, needs_hyperscan, rand

BASE = {
    "provider": "Test", "title": "t", "description": "d", "remediation": "r",
    "tier": "WRITE", "keywords": ["tok_"],
}


def rule(**kw: object) -> Rule:
    return parse_rule({**BASE, **kw}, "inline.toml")


ENGINES = [ReEngine, pytest.param(HyperscanEngine, marks=needs_hyperscan, id="HyperscanEngine")]
AVAILABLE = [ReEngine, HyperscanEngine] if HAVE_HYPERSCAN else [ReEngine]


@pytest.mark.parametrize("make", ENGINES)
def test_line_and_columns(make: type) -> None:
    eng = make([rule(id="t.a", pattern=r"\b(tok_[a-z0-9]{8})\b")])
    data = "first line\nπ = 'tok_abcd1234'\n".encode()
    [m] = eng.scan(data)
    assert (m.line, m.column, m.end_column, m.secret) == (2, 6, 18, "tok_abcd1234")


@pytest.mark.parametrize("make", ENGINES)
def test_overlap_priority_then_length(make: type) -> None:
    rules = [
        rule(id="t.generic", pattern=r"(tok_[a-z0-9]{4,40})", priority=-5),
        rule(id="t.specific", pattern=r"(tok_live_[a-z0-9]{4,40})", priority=5,
             keywords=["tok_live_"]),
    ]
    eng = make(rules)
    [m] = eng.scan(b"x tok_live_abcd1234 y")
    assert m.rule_id == "t.specific"
    both = eng.scan(b"tok_live_abcd1234 and tok_zzzz9999")
    assert [m.rule_id for m in both] == ["t.specific", "t.generic"]


@pytest.mark.parametrize("make", ENGINES)
def test_context_required_within_lines(make: type) -> None:
    r = rule(id="t.uuid", keywords=["-"],
             pattern=r"\b([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\b",
             context=["(?i)railway"], context_lines=1)
    eng = make([r])
    uuid = b"123e4567-e89b-42d3-a456-426614174000"  # credscope: allow (deliberate test value)
    assert eng.scan(b"request_id = " + uuid) == []
    assert len(eng.scan(b"# railway\nTOKEN = " + uuid)) == 1
    assert eng.scan(b"# railway\n\n\n\nTOKEN = " + uuid) == []


@pytest.mark.parametrize("make", ENGINES)
def test_entropy_floor(make: type) -> None:
    eng = make([rule(id="t.e", pattern=r"(tok_[a-zA-Z0-9]{16})", entropy=3.0)])
    assert eng.scan(b"tok_aaaaaaaaaaaaaaaa") == []
    assert len(eng.scan(b"tok_q8Zr2LmX0pW7vK3n")) == 1
    assert shannon_entropy(b"") == 0.0


def test_plugin_rules(monkeypatch: pytest.MonkeyPatch) -> None:
    def finder(_rule: Rule, data: bytes) -> Iterator[tuple[int, int]]:
        i = data.find(b"secret:")
        if i >= 0:
            yield i + 7, i + 13

    monkeypatch.setitem(engine_mod.PLUGINS, "fake", finder)
    r = rule(id="t.plugin", pattern="unused", kind="plugin:fake", keywords=["secret:"])
    for make in AVAILABLE:
        [m] = make([r]).scan(b"x secret:abcdef")
        assert m.secret == "abcdef"


@needs_hyperscan
def test_engines_agree_on_random_and_near_miss_input() -> None:
    from scanner.matching.loader import load_rules

    rules = load_rules()
    hs, plain = HyperscanEngine(rules), ReEngine(rules)
    rng = random.Random(7)
    alphabet = b"abcdefXYZ0123456789_-.:=\"' \n/+"
    prefixes = [k.encode() for r in rules for k in r.keywords]
    for _ in range(300):
        chunk = bytearray(rng.choice(alphabet) for _ in range(rng.randint(0, 400)))
        for _ in range(rng.randint(0, 4)):
            pos = rng.randint(0, len(chunk))
            chunk[pos:pos] = rng.choice(prefixes)
        data = bytes(chunk)
        assert hs.scan(data) == plain.scan(data)


def test_rule_loader_errors_name_file_rule_and_field(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text('[[rules]]\nid = "x.y"\nprovider = "P"\ntitle = "t"\ndescription = "d"\n'
                   'pattern = "(unclosed"\nkeywords = ["x"]\ntier = "ADMIN"\nremediation = "r"\n')
    with pytest.raises(RuleError) as err:
        load_rule_file(bad)
    text = str(err.value)
    assert "bad.toml" in text and "x.y" in text and "pattern" in text
    bad.write_text('[[rules]]\nid = "x.y"\ntier = "GOD"\n')
    with pytest.raises(RuleError, match="provider"):
        load_rule_file(bad)
    with pytest.raises(RuleError, match="tier"):
        parse_rule({**BASE, "id": "x.y", "pattern": "x", "tier": "GOD"}, "f.toml")
    bad.write_text("not = [toml")
    with pytest.raises(RuleError, match="invalid TOML"):
        load_rule_file(bad)


@needs_hyperscan
def test_hyperscan_database_is_cached_on_disk(tmp_path: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CREDSCOPE_CACHE_DIR", str(tmp_path))
    rules = [rule(id="t.cache", pattern=r"(tok_[a-z]{8})"),
             rule(id="t.span", pattern=r"(tok_[a-z]{8})\s+\w+")]
    first = HyperscanEngine(rules)
    cached = list(tmp_path.glob("hs-*.db"))
    assert len(cached) == 1
    calls: list[int] = []
    monkeypatch.setattr(engine_mod, "compile_database",
                        lambda *a: calls.append(1))  # would break the engine if called
    monkeypatch.setattr(engine_mod, "line_local", lambda *a: calls.append(2))
    again = HyperscanEngine(rules)  # which rules are line-local: read from the cache entry
    assert again._line_rule == first._line_rule == {0: 0}
    assert again.scan(b"tok_abcdefgh")[0].secret == "tok_abcdefgh"
    assert calls == []


def test_context_rules_are_selected_by_their_context(tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """A prefix-less pattern is costly for hyperscan: a rule with context is selected by its
    context, and also by its pattern when that holds a literal (both must match)."""
    pytest.importorskip("hyperscan")
    monkeypatch.setenv("CREDSCOPE_CACHE_DIR", str(tmp_path))
    shape = rule(id="t.shape", keywords=["-"], pattern=r"\b([0-9a-f]{32}-[0-9a-f]{8})\b",
                 context=["(?i)mailgun"])
    keyed = rule(id="t.keyed", keywords=["password"], context=[r"\bmachine[ \t]+\S+"],
                 pattern=r"(?:^|[ \t])password[ \t]+(?P<secret>\S{6,})")
    anchored = rule(id="t.anchored", keywords=["user"], context=[r"^[ \t]*user:"],
                    pattern=r"token: (tok_\w+)")
    assert engine_mod.hyperscan_expression(shape) == b"(?:(?i)mailgun)"
    assert engine_mod.required_expression(shape) is None  # no literal: the context alone
    assert engine_mod.required_expression(keyed) is not None
    # `^` without (?m) anchors to the match's window, not the blob: not a blob prefilter.
    assert engine_mod.hyperscan_expression(anchored) == anchored.pattern.encode()
    eng = HyperscanEngine([shape, keyed, anchored])
    hexes = b"0123456789abcdef" * 2 + b"-89abcdef"
    assert eng.candidates(b"x = " + hexes) == []  # the pattern without its context
    assert eng.candidates(b"# mailgun\nx = " + hexes) == [0]
    assert eng.candidates(b"machine learning is fun") == []  # context without pattern
    word = rand(string.ascii_letters + string.digits, 10, "netrc-context")  # fake, built here
    netrc = f"machine host\n password {word}".encode()
    assert eng.candidates(netrc) == [1]
    assert eng.scan(netrc)[0].secret == word


def test_a_prefilter_stands_in_for_its_pattern(tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    """A rule's prefilter is what hyperscan compiles for it: the blobs it selects are the
    blobs `re` reads (so a prefilter match without a pattern match is a candidate that finds
    nothing), and the pattern's own shortcuts are not taken from it."""
    pytest.importorskip("hyperscan")
    monkeypatch.setenv("CREDSCOPE_CACHE_DIR", str(tmp_path))
    line = rule(id="t.line", keywords=[":"], prefilter=r":[0-9]{1,5}:\w{6}",
                pattern=r"(?m)^[a-z]+:[0-9]{1,5}:(?P<secret>\w{6,40})$")
    assert engine_mod.hyperscan_expression(line) == rb":[0-9]{1,5}:\w{6}"
    assert engine_mod.pattern_expressions([line], {}) == {}
    eng = HyperscanEngine([line])
    word = rand(string.ascii_letters, 12, "prefilter")  # fake, built here
    assert eng.candidates(f"db:5432:{word}\n".encode()) == [0]
    assert eng.scan(f"db:5432:{word}\n".encode())[0].secret == word
    assert eng.candidates(f"  :5432:{word} and more".encode()) == [0]  # the prefilter's pick
    assert eng.scan(f"  :5432:{word} and more".encode()) == []  # ...which `re` rejects
    assert eng.candidates(f"db:port:{word}\n".encode()) == []


def test_the_database_cache_key_covers_what_hyperscan_compiles() -> None:
    """A context or a prefilter can be the expression compiled for a rule: editing either
    must not reuse a database cached before the edit."""
    from scanner.matching.loader import rules_hash

    plain = rule(id="t.k", pattern=r"(tok_[a-z]{8})")
    hashes = {rules_hash([plain]), rules_hash([rule(id="t.k", pattern=r"(tok_[a-z]{8})",
                                                    context=["(?i)stripe"])]),
              rules_hash([rule(id="t.k", pattern=r"(tok_[a-z]{8})", prefilter="tok_")])}
    assert len(hashes) == 3


def test_only_a_regex_rule_takes_a_prefilter() -> None:
    with pytest.raises(RuleError, match="prefilter"):
        rule(id="t.p", pattern="x", kind="plugin:generic", prefilter="x")


@pytest.mark.parametrize(("pattern", "run"), [
    (r"\b([A-Za-z0-9]{6}\.[A-Za-z0-9_-]{6}:[A-Za-z0-9_-]{40})", 1),
    (r"(?:^|[ \t])password[ \t]+(?P<secret>\S+)", 8),
    (r"\b((?:live|test)_[0-9a-f]{35})\b", 4),
    (r"(?i)(?:railway_api_token|bearer\s{1,3})x", 6),
    (r"(?:ab)?cd", 2),
    (r"[", 0),
])
def test_literal_run(pattern: str, run: int) -> None:
    assert engine_mod.literal_run(pattern) == run


def test_every_shipped_rule_pattern_compiles() -> None:
    """The loader leaves the shipped rules' regexes to first use (startup time); this is
    where they are all compiled, so a broken one fails here and not in a user's scan."""
    from scanner.matching.loader import load_rules

    for shipped in load_rules():
        assert shipped.regex.pattern and len(shipped.context_regexes) == len(shipped.context)


@pytest.mark.parametrize(("pattern", "local"), [
    (r"\b(tok_[A-Za-z0-9]{8})\b", True),
    (r"(?i)tok_(?P<secret>[^\s'\"]{8,40})(?![\w])", True),  # \s excluded, so no line feed
    (r"(?<=[ \t])tok_[a-z]{4}", True),  # a lookbehind sees the bytes before the line
    (r"^tok_[a-z]{4}|(?m:^)key_[a-z]{4}", True),
    (r"(a)?(?(1)tok|kot)_\w+", True),
    (r"tok_.{4}", True),  # `.` stops at a line feed
    (r"(?s)tok_.{4}", False),
    (r"tok_\s+[a-z]{4}", False),
    (r"tok_[^x]{4}", False),
    (r"tok_[\x00-\x7f]{4}", False),
    (r"tok_\W", False),
    (r"tok_\D", False),
    (r"tok_[a-z]{4}$", False),  # `$` holds before a blob's last line feed, not a line's
    (r"tok_[a-z]{4}\Z", False),
    (r"tok_[a-z]{4}(?=\n)", False),
    (r"tok_[a-z]{4}(?!\s)", False),
    (r"(?:tok_)?", False),  # can match empty
    (r"tok\n", False),
    (r"(", False),
])
def test_line_local(pattern: str, local: bool) -> None:
    assert engine_mod.line_local(pattern) is local


LINE_RULES = [
    rule(id="t.line", pattern=r"\b(tok_[a-z0-9]{8})(?:[^a-z0-9\n]|(?<=[a-z0-9])\b)"),
    rule(id="t.behind", keywords=["key="], pattern=r"(?<![\w])key=(?P<secret>[A-Z]{6,12})"),
    rule(id="t.ctx", keywords=["pw "], pattern=r"(?:^|[ \t])pw (?P<secret>[a-z0-9]{6,})",
         context=[r"\bmachine\b"], context_lines=2),
    rule(id="t.multi", keywords=["tok_"], pattern=r"tok_(?P<secret>[a-z]{4})\s+end"),
]


def test_line_local_rules_are_searched_only_on_the_lines_hyperscan_reports(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A line-local rule's expression reports the end of each line that may hold a match, and
    `re` reads those lines only; a rule that can match across lines is searched from its
    first match on, as before. Both give exactly what the `re` engine finds."""
    pytest.importorskip("hyperscan")
    monkeypatch.setenv("CREDSCOPE_CACHE_DIR", str(tmp_path))
    eng, plain = HyperscanEngine(LINE_RULES), ReEngine(LINE_RULES)
    assert sorted(eng._line_rule.values()) == [0, 1, 2]  # t.multi's \s may be a line feed
    filler = b"nothing here\n" * 50
    data = (filler + b"a tok_abcd1234, tok_efgh5678\r\n" + filler + b"xkey=ABCDEFG key=HIJKLMN"
            b"\nmachine host\n pw s3cr3tpw\ntok_wxyz\n end\ntok_00000000")  # no final newline
    found = eng._pass(data)
    lines = {eng.rules[i].id: sorted(e) for i, e in found.line_ends.items()}
    line_end = {n: data.index(b"\n", data.index(n)) for n in (b"tok_abcd", b"key=HIJ", b" pw ")}
    assert lines == {"t.line": [line_end[b"tok_abcd"], len(data)],
                     "t.behind": [line_end[b"key=HIJ"]], "t.ctx": [line_end[b" pw "]]}
    assert "t.multi" not in lines and 3 in found.candidates
    matches = eng.scan(data)
    assert matches == plain.scan(data)
    assert [m.secret for m in matches] == ["tok_abcd1234", "tok_efgh5678", "HIJKLMN",
                                           "s3cr3tpw", "wxyz", "tok_00000000"]
    # Only the reported lines are read: given one line's end, `re` finds that line's matches.
    assert [data[s:e] for s, e in engine_mod._line_spans(
        LINE_RULES[0], data, [line_end[b"tok_abcd"]])] == [b"tok_abcd1234", b"tok_efgh5678"]


def test_line_local_rules_agree_with_re_on_generated_lines(tmp_path: Path,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("hyperscan")
    monkeypatch.setenv("CREDSCOPE_CACHE_DIR", str(tmp_path))
    eng, plain = HyperscanEngine(LINE_RULES), ReEngine(LINE_RULES)
    rng = random.Random(20261125)
    pieces = [b"tok_", b"key=", b"pw ", b"machine ", b"end", b"\n", b"\r\n", b" ", b"\t", b"x",
              b"ABCDEFGH", b"abcd1234", b"s3cr3tpw", b",", b"_", b"="]
    for _ in range(400):
        data = b"".join(rng.choice(pieces) for _ in range(rng.randint(0, 60)))
        assert eng.scan(data) == plain.scan(data), data


@needs_hyperscan
def test_a_planted_or_tampered_database_is_rebuilt_not_trusted(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A file under the expected name that credscope did not write (a shared cache, a CI
    cache restored from a stranger's run) must not decide which rules run."""
    import hyperscan

    monkeypatch.setenv("CREDSCOPE_CACHE_DIR", str(tmp_path / "cache"))
    rules = [rule(id="t.plant", pattern=r"(tok_[a-z]{8})")]
    HyperscanEngine(rules)
    (cached,) = (tmp_path / "cache").glob("hs-*.db")
    empty = hyperscan.Database()
    empty.compile(expressions=[b"never-matches-anything-zzz"], ids=[0], elements=1)
    planted = b"0 0\n" + hyperscan.dumpb(empty)
    original = cached.read_bytes()
    for forged in (planted, original[:40] + planted, original[:-1] + bytes([original[-1] ^ 1])):
        cached.write_bytes(forged)
        found = HyperscanEngine(rules).scan(b"x tok_abcdefgh")
        assert [m.secret for m in found] == ["tok_abcdefgh"]
        assert cached.read_bytes() != forged  # deleted and rebuilt
    # A cache directory others may write to is neither read nor written.
    open_dir = tmp_path / "open"
    open_dir.mkdir()
    open_dir.chmod(0o777)
    monkeypatch.setenv("CREDSCOPE_CACHE_DIR", str(open_dir))
    assert [m.secret for m in HyperscanEngine(rules).scan(b"tok_abcdefgh")] == ["tok_abcdefgh"]
    assert list(open_dir.iterdir()) == []
