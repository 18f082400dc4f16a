"""Property-based fuzzing of every input boundary credscope owns. Each property: the code
either succeeds or raises one of the documented ScannerError subclasses; nothing else."""

from __future__ import annotations

import json
import os
import string
import tempfile
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scanner.config import load_config
from scanner.errors import ConfigError, RuleError
from scanner.matching.engine import Engine, HyperscanEngine, ReEngine
from scanner.matching.loader import load_rules, parse_rule

RULES = load_rules()
# hyperscan is optional by platform (no wheel for macOS arm64): without it the `re` engine
# is fuzzed alone, and the engines' agreement is fuzzed where hyperscan is installed.
try:
    ENGINES: list[Engine] = [ReEngine(RULES), HyperscanEngine(RULES)]
except ImportError:
    ENGINES = [ReEngine(RULES)]
NO_HYPERSCAN = pytest.mark.skipif(len(ENGINES) < 2, reason="hyperscan is not installed here: "
                                  "the `re` engine is fuzzed alone")
KEYWORDS = sorted({k for r in RULES for k in r.keywords})
TOKEN_CHARS = string.ascii_letters + string.digits + "_-.=:/+\"' \n\t$"

# Each hypothesis example carries a batch of inputs, so the suite tries well over 100,000
# generated inputs in CI time; tests/conftest.py prints the total (FUZZ_INPUTS).
ENGINE_EXAMPLES = 600
FUZZ_INPUTS: dict[str, int] = {}


def tried(boundary: str, n: int = 1) -> None:
    FUZZ_INPUTS[boundary] = FUZZ_INPUTS.get(boundary, 0) + n


# The "ci" profile (default) gives each property its share of the CI budget; the "long" soak
# profile (HYPOTHESIS_PROFILE=long) runs every property 100 times longer.
SOAK = 100 if os.environ.get("HYPOTHESIS_PROFILE") == "long" else 1


def budget(ci_examples: int) -> int:
    """max_examples for one property: its CI share, scaled up for soak runs."""
    return ci_examples * SOAK


def _near_miss(draw: st.DrawFn) -> bytes:
    """Text built from rule keywords followed by token-ish runs: the inputs most likely to
    reach the extraction, context and overlap code."""
    parts = draw(st.lists(st.tuples(st.sampled_from(KEYWORDS),
                                    st.text(TOKEN_CHARS, max_size=90)), max_size=6))
    noise = draw(st.binary(max_size=64))
    return noise + b"".join(k.encode() + t.encode() for k, t in parts)


near_miss = st.composite(_near_miss)


@settings(max_examples=budget(ENGINE_EXAMPLES))
@given(st.lists(st.one_of(st.binary(max_size=512), near_miss()), min_size=1, max_size=60))
def test_engines_never_raise_and_always_agree(batch: list[bytes]) -> None:
    tried("engine", len(batch))
    for data in batch:
        found = ENGINES[0].scan(data)
        assert all(engine.scan(data) == found for engine in ENGINES[1:])
        for m in found:
            assert 0 <= m.start < m.end <= len(data)
            assert m.line >= 1 and m.column >= 1


@NO_HYPERSCAN
def test_hyperscan_is_among_the_fuzzed_engines() -> None:
    assert [e.name for e in ENGINES] == ["re", "hyperscan"]


SCALARS = st.one_of(st.booleans(), st.integers(-5, 10**12), st.text(max_size=30),
                    st.floats(allow_nan=False, allow_infinity=False))
VALUES = st.one_of(SCALARS, st.lists(st.one_of(st.text(max_size=20), st.integers()), max_size=4))
CONFIG_KEYS = ["exclude", "allowlist-paths", "allowlist-values", "fail-on", "max-file-size",
               "rules-dirs", "disable-rules", "default-excludes", "jobs", "baseline", "policy"]


def _toml_value(v: object) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (int, float)):
        return repr(v)
    if isinstance(v, str):
        return json.dumps(v)
    assert isinstance(v, list)
    return "[" + ", ".join(_toml_value(x) for x in v) + "]"


CONFIG_ROOT = Path(tempfile.mkdtemp(prefix="credscope-fuzz-config-"))


def _load(text: str) -> None:
    (CONFIG_ROOT / ".credscope.toml").write_text(text)
    try:
        load_config(CONFIG_ROOT)
    except ConfigError as err:
        assert ".credscope.toml" in str(err)


@settings(max_examples=budget(300))
@given(st.lists(st.dictionaries(st.one_of(st.sampled_from(CONFIG_KEYS),
                                          st.from_regex(r"[a-z]{1,8}", fullmatch=True)),
                                VALUES, max_size=6), min_size=1, max_size=10))
def test_config_loader_accepts_or_rejects_cleanly(tables: list[dict]) -> None:  # type: ignore[type-arg]
    tried("config", len(tables))
    for table in tables:
        _load("".join(f"{json.dumps(k)} = {_toml_value(v)}\n" for k, v in table.items()))


@settings(max_examples=budget(200))
@given(st.lists(st.text(max_size=200), min_size=1, max_size=10))
def test_config_loader_survives_arbitrary_text(texts: list[str]) -> None:
    tried("config-text", len(texts))
    for text in texts:
        _load(text)


RULE_KEYS = ["id", "provider", "title", "description", "pattern", "keywords", "tier",
             "worst_case", "scope", "capabilities", "environment", "remediation", "context",
             "context_lines", "priority", "entropy", "examples", "kind", "decoder"]
VALID = {"id": "fuzz.rule", "provider": "P", "title": "t", "description": "d",
         "pattern": "(x[a-z]{4})", "keywords": ["x"], "tier": "ADMIN", "remediation": "r"}


@settings(max_examples=budget(300))
@given(st.lists(st.dictionaries(st.sampled_from(RULE_KEYS),
                                st.one_of(VALUES, st.just("ADMIN"), st.just("(unclosed")),
                                max_size=8), min_size=1, max_size=20))
def test_rule_loader_accepts_or_rejects_cleanly(batch: list[dict]) -> None:  # type: ignore[type-arg]
    tried("rules", len(batch))
    for overrides in batch:
        try:
            rule = parse_rule({**VALID, **overrides}, "fuzz.toml")
        except RuleError as err:
            assert "fuzz.toml" in str(err)
        else:
            assert rule.id and rule.keywords
