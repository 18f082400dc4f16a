"""Fuzzing the file-format boundaries a repository (or its owner) controls: the baseline
reader, the detect-secrets importer, the structured-file parsers and the policy loader.

Each either succeeds or raises its documented ScannerError subclass naming the file; the
structured parsers never raise at all (a broken file is a clean "unparseable" result, and the
raw text is still scanned). Each hypothesis example carries a batch of inputs.
"""

from __future__ import annotations

import json
import random
import string
import tempfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scanner.baseline import import_detect_secrets, load_baseline
from scanner.classify.policy import POLICY_RULES, Policy, severity_overrides
from scanner.config import load_config
from scanner.errors import BaselineError, ConfigError
from scanner.sources.structured import PARSERS, Parsed, parse
from tests.test_fuzz import budget, tried

WORK = Path(tempfile.mkdtemp(prefix="credscope-fuzz-inputs-"))
JSON_SCALARS: list[Any] = [None, True, False, 0, 1, -7, 2**64, 1.5, "", "x", "credscope",
                           "0" * 40, "ab" * 20, [], {}]
ENTRY_KEYS = ["fingerprint", "sha1", "rule", "provider", "hint", "path", "reason", "source",
              "extra"]


def _json_value(rng: random.Random, depth: int = 0) -> Any:
    roll = rng.random()
    if depth > 3 or roll < 0.5:
        return rng.choice(JSON_SCALARS)
    if roll < 0.75:
        return [_json_value(rng, depth + 1) for _ in range(rng.randint(0, 3))]
    return {rng.choice([*ENTRY_KEYS, "version", "entries", "results", "type"]):
            _json_value(rng, depth + 1) for _ in range(rng.randint(0, 4))}


def _baseline_doc(rng: random.Random) -> Any:
    """Mostly baseline-shaped documents with wrong types in random places."""
    entries = [{k: rng.choice(JSON_SCALARS) if rng.random() < 0.3 else "v" * rng.randint(0, 3)
                for k in rng.sample(ENTRY_KEYS, rng.randint(0, 4))}
               if rng.random() < 0.8 else _json_value(rng) for _ in range(rng.randint(0, 4))]
    doc = {"version": rng.choice([1, 1, 1, 2, "1", None]), "tool": "credscope",
           "entries": entries if rng.random() < 0.85 else _json_value(rng)}
    return doc if rng.random() < 0.9 else _json_value(rng)


def _corrupt(rng: random.Random, text: str) -> list[str]:
    """A document's text, truncated, with a byte flipped, and deeply nested."""
    cut = rng.randrange(len(text) + 1)
    i = rng.randrange(len(text) or 1)
    return [text, text[:cut], text[:i] + rng.choice('{}[]",:\\\x00é') + text[i + 1:],
            "[" * rng.choice([10, 2_000])]


def _load_or_reject(path: Path) -> None:
    try:
        load_baseline(path)
    except BaselineError as err:
        assert str(path) in str(err) and err.message


@settings(max_examples=budget(150))
@given(st.randoms(), st.integers(1, 12))
def test_baseline_reader_loads_or_rejects_with_file_and_reason(rng: random.Random,
                                                                n: int) -> None:
    path = WORK / ".credscope-baseline.json"
    for _ in range(n):
        texts = _corrupt(rng, json.dumps(_baseline_doc(rng)))
        tried("baseline", len(texts) + 1)
        for text in texts:
            path.write_text(text, encoding="utf-8")
            _load_or_reject(path)
        path.write_bytes(rng.randbytes(rng.randint(0, 40)) + b"\xff\xfe")
        _load_or_reject(path)


def test_deeply_nested_baselines_are_a_baseline_error(tmp_path: Path) -> None:
    """json recurses per level: a corrupt or hostile file must be exit 2, not a crash."""
    path, source = tmp_path / "deep.json", tmp_path / ".secrets.baseline"
    path.write_text("[" * 100_000)
    source.write_text('{"results": ' + "[" * 100_000)
    with pytest.raises(BaselineError, match="nested too deeply"):
        load_baseline(path)
    with pytest.raises(BaselineError, match="nested too deeply"):
        import_detect_secrets(source, tmp_path / "out.json")


@settings(max_examples=budget(60))
@given(st.lists(st.binary(max_size=200), min_size=1, max_size=20))
def test_baseline_reader_survives_random_bytes(batch: list[bytes]) -> None:
    tried("baseline", len(batch))
    path = WORK / "random-baseline.json"
    for data in batch:
        path.write_bytes(data)
        _load_or_reject(path)


def _detect_secrets_doc(rng: random.Random) -> Any:
    results = {rng.choice(["a.py", "b/c.env", "", "é"]): (
        [{"type": rng.choice(["Secret Keyword", 3, None]),
          "hashed_secret": rng.choice(["0" * 40, "AB" * 20, 5, None, ""]),
          "is_secret": rng.choice([True, False, None, "yes"]),
          "line_number": rng.choice([1, "x"])} if rng.random() < 0.8 else _json_value(rng)
         for _ in range(rng.randint(0, 3))] if rng.random() < 0.8 else _json_value(rng))
        for _ in range(rng.randint(0, 3))}
    doc = {"version": "1.5.0", "plugins_used": [], "results": results}
    return doc if rng.random() < 0.85 else _json_value(rng)


@settings(max_examples=budget(100))
@given(st.randoms(), st.integers(1, 8))
def test_detect_secrets_import_converts_or_rejects(rng: random.Random, n: int) -> None:
    source, target = WORK / ".secrets.baseline", WORK / "imported.json"
    for _ in range(n):
        for text in _corrupt(rng, json.dumps(_detect_secrets_doc(rng))):
            tried("detect-secrets-import")
            source.write_text(text, encoding="utf-8")
            target.unlink(missing_ok=True)
            try:
                outcome = import_detect_secrets(source, target)
            except BaselineError as err:
                assert str(source) in str(err)
                assert not target.exists(), "a rejected import must not write a baseline"
            else:
                # What was written reads back as a valid credscope baseline.
                assert len(load_baseline(target).entries) == outcome.added


# -- structured-file parsers ---------------------------------------------------------------

FRAGMENTS = {
    "json": ['{', '}', '[', ']', '"k"', ':', ',', '"v\\"x"', '1e400', 'NaN', 'null', '// c\n',
             '/* c */', '"\\u00e9"', '"\\ud800"', ' ', '\n', 'true', '-0', '"a\\'],
    "yaml": ['a: ', 'b:\n  - ', '&x ', '*x', '!!binary ', '"q"', "'s'", '|\n  ', '? ', '---\n',
             '...\n', '{', '}', '[', ']', ', ', '\n', '  ', '%YAML 1.1\n', '<<: *x\n', '\t'],
    "toml": ['[t]\n', '[[a]]\n', 'k = ', '"v"', "'''m\n'''", '"""x"""', '1', '{ a = 1 }', '[',
             ']', '\n', 'a.b = ', '# c\n', '"\\u00e9"', 'x=', ' = ', '\\'],
    "ini": ['[s]\n', 'k = v\n', 'k: v\n', '; c\n', '# c\n', '  cont\n', '=\n', '[', ']', '\n',
            'key\n', '"q"', "'q'", '%(x)s', '\r\n'],
    "dotenv": ['export ', 'K=', '"', "'", 'v', ' #c', '\n', '\\', '=', 'A_B', ' ', '\r\n'],
    "netrc": ['machine ', 'default ', 'login ', 'password ', 'account ', 'macdef ', 'h', 'u',
              'p', '\n', ' ', '\t', 'port '],
    "git-credentials": ['https://', 'u', ':', 't', '@', 'h', '/', '\n', 'x://', ' '],
}


def _structured_text(rng: random.Random, kind: str) -> str:
    pieces = FRAGMENTS[kind]
    text = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 30)))
    if rng.random() < 0.2:
        text += "".join(rng.choice(string.printable + "é\u2028\ufeff") for _ in range(20))
    return text


def _parse_ok(kind: str, data: bytes) -> None:
    result = parse(kind, data)
    assert isinstance(result, Parsed)
    for start, end, label in result.labels:
        assert 0 <= start <= end <= len(data), (kind, data, start, end)
        assert isinstance(label, str)
    if not result.labels:
        assert result.problem is None or isinstance(result.problem, str)


@pytest.mark.parametrize("kind", sorted(PARSERS))
@settings(max_examples=budget(60))
@given(rng=st.randoms(), n=st.integers(10, 40))
def test_structured_parsers_parse_or_say_why(kind: str, rng: random.Random, n: int) -> None:
    tried("structured", n)
    for _ in range(n):
        text = _structured_text(rng, kind)
        data = text.encode("utf-8", "surrogatepass")
        if rng.random() < 0.1:
            data = b"\xef\xbb\xbf" + data  # a BOM
        _parse_ok(kind, data)


@pytest.mark.parametrize("kind", sorted(PARSERS))
def test_structured_parsers_survive_hostile_nesting(kind: str) -> None:
    """Deep nesting overflows the recursive parsers (json, PyYAML's composer, tomllib): a
    clean "nests too deeply" problem, not a crash. (PyYAML needs about a second for each.)"""
    for hostile in (b"\xff\xfe\x00", b"[" * 50_000, b"a: " + b"{" * 5_000,
                    b"a = " + b"[" * 5_000, b"&a [*a, *a]\n" * 3):
        _parse_ok(kind, hostile)


@settings(max_examples=budget(60))
@given(st.lists(st.tuples(st.sampled_from(sorted(PARSERS)), st.binary(max_size=120)),
                min_size=1, max_size=30))
def test_structured_parsers_survive_random_bytes(batch: list[tuple[str, bytes]]) -> None:
    tried("structured", len(batch))
    for kind, data in batch:
        _parse_ok(kind, data)


def test_structured_parsers_still_label_a_valid_file() -> None:
    """The fuzz above must not pass by rejecting everything: valid files give labels."""
    samples = {"json": b'{"a": {"b": "v"}}', "yaml": b"a:\n  b: v\n", "toml": b'[a]\nb = "v"\n',
               "ini": b"[a]\nb = v\n", "dotenv": b"B=v\n", "netrc": b"machine a password v\n",
               "git-credentials": b"https://u:v@a\n"}
    for kind, data in samples.items():
        result = parse(kind, data)
        assert result.problem is None and result.labels, kind
        assert any(data[s:e] in (b"v", b"u:v") for s, e, _ in result.labels), kind


# -- policy loader -------------------------------------------------------------------------

POLICY_KEYS = [*POLICY_RULES, "unknown-rule", "Admin-Committed"]
POLICY_VALUES: list[Any] = ["error", "warning", "note", "off", "ERROR", "", "never", 0, 1.5,
                            True, None, [], ["error"]]


def _policy_table(rng: random.Random) -> dict[str, Any]:
    table: dict[str, Any] = {}
    for _ in range(rng.randint(0, 4)):
        if rng.random() < 0.6:
            value: Any = rng.choice(POLICY_VALUES)
        else:
            value = {k: rng.choice([*POLICY_VALUES, " ", "because"])
                     for k in rng.sample(["severity", "why", "extra"], rng.randint(0, 3))}
        table[rng.choice(POLICY_KEYS)] = value
    return table


@settings(max_examples=budget(150))
@given(st.randoms(), st.integers(1, 20))
def test_policy_tables_load_or_raise_config_error(rng: random.Random, n: int) -> None:
    tried("policy", n)
    for _ in range(n):
        table = _policy_table(rng)
        try:
            Policy(severity_overrides(table, "fuzz.toml"))
        except ConfigError as err:
            assert "fuzz.toml" in str(err) and "policy." in err.message
        else:
            assert set(table) <= set(POLICY_RULES)


def _toml(value: Any) -> str:
    if value is None:
        return '"none"'
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k} = {_toml(v)}" for k, v in value.items()) + "}"
    return json.dumps(value).replace("true", "true")


@settings(max_examples=budget(40))
@given(st.randoms(), st.integers(1, 10))
def test_policy_from_a_config_file_loads_or_raises_config_error(rng: random.Random,
                                                                 n: int) -> None:
    root = WORK / "policy-root"
    root.mkdir(exist_ok=True)
    tried("policy", n)
    for _ in range(n):
        body = "".join(f'"{k}" = {_toml(v)}\n' for k, v in _policy_table(rng).items())
        (root / ".credscope.toml").write_text(f"[policy]\n{body}", encoding="utf-8")
        try:
            config = load_config(root)
            Policy(severity_overrides(config.policy, str(config.config_file)))
        except ConfigError as err:
            assert ".credscope.toml" in str(err)


def test_character_offsets_become_byte_offsets_in_any_text() -> None:
    """Parsed values are located by character offset and reported by byte offset: in text
    with multi-byte characters (and lone surrogates a lenient decode can leave) every span
    maps to the bytes of the same characters."""
    from scanner.sources.structured import Span, _to_bytes  # noqa: PLC0415

    rng = random.Random(11)
    for _ in range(500):
        text = "".join(rng.choice("ab=\"\n\u00e9\u4e2d\U0001f600\udcff")
                       for _ in range(rng.randrange(80)))
        spans = []
        for _ in range(rng.randrange(6)):
            start = rng.randrange(len(text) + 1)
            spans.append(Span(start, rng.randrange(start, len(text) + 1), f"k{start}"))

        def size(chars: str) -> int:
            return len(chars.encode("utf-8", "surrogatepass"))

        assert list(_to_bytes(text, spans, 7)) == [
            (size(text[:s.start]) + 7, size(text[:s.end]) + 7, s.label) for s in spans]
