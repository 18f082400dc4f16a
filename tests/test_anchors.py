"""Anchors: plugins read only the lines that hyperscan's pass says hold an anchor match, and
find exactly what a whole-blob search finds (scanner/matching/anchors.py)."""

from __future__ import annotations

import random
import string
from pathlib import Path

import pytest

from scanner.matching import anchors as anchors_mod
from scanner.matching import engine as engine_mod
from scanner.matching.anchors import Anchor, anchor_regions, finditer, keyword_hits, starts
from scanner.matching.engine import HyperscanEngine, ReEngine, rule_anchors
from scanner.matching.generic import register_generic_plugins
from scanner.matching.loader import load_rules
from tests.helpers import rand

hyperscan = pytest.importorskip("hyperscan")


@pytest.fixture(scope="module")
def engine() -> HyperscanEngine:
    register_generic_plugins()
    return HyperscanEngine(load_rules())


def spans(matches: object) -> list[tuple[int, int]]:
    return [m.span() for m in matches]  # type: ignore[attr-defined]


def test_plugins_search_only_the_reported_lines() -> None:
    anchor = Anchor(rb"pass\w*=")
    data = b"password=a\nnothing here\nPASSWD=b\n"
    assert spans(finditer(anchor, data)) == [(0, 9), (24, 31)]
    # The engine reported one match end, on the third line: the first is never read.
    with anchor_regions(data, {anchor: [31]}):
        assert spans(finditer(anchor, data)) == [(24, 31)]
        assert starts([anchor], data) == [24]
    # No reported end at all: nothing is read; an anchor the engine did not compile is
    # searched in the whole blob.
    other = Anchor(rb"nothing")
    with anchor_regions(data, {anchor: []}):
        assert spans(finditer(anchor, data)) == []
        assert spans(finditer(other, data)) == [(11, 18)]
    # Outside a pass (a plugin called directly), the whole blob.
    assert starts([anchor], data) == [0, 24]


def test_keyword_hits_in_regions_keep_overlapping_hits() -> None:
    data = b"aaaa\nb aaa\n"
    assert keyword_hits(("aa",), data) == [0, 1, 2, 7, 8]
    literal = anchors_mod.literal("aa")
    with anchor_regions(data, {literal: [10]}):
        assert keyword_hits(("aa",), data) == [7, 8]


def test_every_registered_anchor_is_compiled(engine: HyperscanEngine) -> None:
    assert len(engine.anchors) >= 20
    assert engine.compiled_anchors == engine.anchors
    plugin_rules = [r for r in engine.rules if r.kind.startswith("plugin:")]
    assert all(rule_anchors(r) for r in plugin_rules), "every generic detector has anchors"


def _noise(rng: random.Random, fragments: list[str]) -> bytes:
    alphabet = string.ascii_letters + string.digits + " \t=:\"'-/@.\n\\_[]()<>{}"
    parts = []
    for _ in range(400):
        if rng.random() < 0.5:
            parts.append(rng.choice(fragments))
        else:
            parts.append("".join(rng.choice(alphabet) for _ in range(rng.randint(1, 12))))
        parts.append(rng.choice(["", " ", "\n", "\r\n", "\t", "="]))
    return "".join(parts).encode()


def test_region_search_equals_whole_blob_search(engine: HyperscanEngine) -> None:
    """The invariant everything rests on: for every anchor, the hits on the lines hyperscan
    reported are exactly the hits of a whole-blob search (no anchor crosses a line, and
    hyperscan misses none). Inputs mix every generic rule example with keyword-laden noise."""
    fragments = [ex.text for r in engine.rules if r.kind.startswith("plugin:")
                 for ex in r.examples]
    fragments += [a.pattern.decode("latin-1").replace("\\", "") for a in engine.anchors]
    fragments += ["-p", "--user ", "Basic ", "bearer\t", "://u:p@h", "-aaaa-bbbb-cccc-",
                  "deadbeef-dead-beef-dead-beefdeadbeef", "PASSWORD\n=", "key\n:", "token"]
    rng = random.Random(20261124)
    for _ in range(60):
        data = _noise(rng, fragments)
        ends = engine._pass(data).anchor_ends
        whole = {a: spans(finditer(a, data)) for a in engine.compiled_anchors}
        with anchor_regions(data, ends):
            regional = {a: spans(finditer(a, data)) for a in engine.compiled_anchors}
        assert regional == whole
        assert engine.scan(data) == ReEngine(engine.rules).scan(data)


def test_anchors_pass_over_what_their_detector_can_never_take(engine: HyperscanEngine) -> None:
    """A `-p` inside a word and a call given no literal were the commonest anchor hits in
    source code, and no detector can take either (a MySQL `-p` starts a flag; a call only
    counts with a quoted literal): the anchors skip them, in both engines."""
    from scanner.matching.generic.shapes import MYSQL_DASH_P

    by_id = {r.id: r for r in engine.rules}
    value = rand(string.ascii_letters + string.digits, 16, "call-literal")  # fake, built here
    data = (f"for k in d.keys():\n    get_key(name)\n    set_key( '{value}')\n"
            "re-parse non-public\nmysql -u root --pS3cretValue db\n").encode()
    key_anchors = rule_anchors(by_id["generic.secret"])
    assert [data.count(b"\n", 0, s) for s in starts(key_anchors, data)] == [2]
    assert [data[s:s + 3] for s in starts([MYSQL_DASH_P], data)] == [b"-pS"]
    ends = engine._pass(data).anchor_ends
    with anchor_regions(data, ends):
        assert [data[s:s + 3] for s in starts([MYSQL_DASH_P], data)] == [b"-pS"]
        assert [data.count(b"\n", 0, s) for s in starts(key_anchors, data)] == [2]
    assert engine.scan(data) == ReEngine(engine.rules).scan(data)


def test_an_anchor_hyperscan_rejects_is_searched_whole(tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CREDSCOPE_CACHE_DIR", str(tmp_path))
    good, bad = Anchor(rb"tok\w+="), Anchor(rb"(?<=x)tok")  # lookbehind: no hyperscan
    db, kept = engine_mod.compile_database(hyperscan, [], [good, bad])
    assert kept == (good,)
    assert db is not None


def test_line_memo_gives_the_same_findings_wherever_the_line_sits(
        engine: HyperscanEngine) -> None:
    """Assignment detectors remember what each line yields (scanner/matching/generic/
    assignments.py): the same line in another blob, at another offset, yields the same
    secret at its own place; an XML form that may run on to the next line is never taken
    from memory."""
    from scanner.matching.generic import assignments

    assignments._LINE_MEMO.clear()
    word = rand(string.ascii_letters + string.digits, 12, "line-memo")  # fake, built here
    line = f'db_password = "{word}"'.encode()
    first = engine.scan(line + b"\n")
    again = engine.scan(b"# header\n" * 3 + line + b"\n")
    assert [(m.secret, m.line, m.start) for m in first] == [(word, 1, 15)]
    assert [(m.secret, m.line, m.start) for m in again] == [(word, 4, 42)]
    assert any(line in memo for memo in assignments._LINE_MEMO.values())

    xml = f'<password =\n   "x">{word}</password>\n'.encode()
    cold = engine.scan(xml)
    assert not any(b"<password =" in key for memo in assignments._LINE_MEMO.values()
                   for key in memo)
    assert engine.scan(xml) == cold == ReEngine(engine.rules).scan(xml)
