"""The generic detectors on hostile repetition: a name, separator or marker repeated for a
whole file. Each detector's hot path is linear with a small constant: a mebibyte of any of
these runs costs a second or two of CPU, and four times the input about four times the time.
(Before: `key=` repeated cost about 40 s per MiB in the assignment detector, `kty` about 12 s
in the JSON Web Key detector, 22 s on Python 3.10.)"""

from __future__ import annotations

import gc
import time
from collections.abc import Iterator

import pytest

from scanner.matching.engine import extract
from scanner.matching.generic import register_generic_plugins
from scanner.matching.loader import load_rules

register_generic_plugins()
RULES = load_rules()
INDEX = {r.id: i for i, r in enumerate(RULES)}
MiB = 1024 * 1024
BOUND_SECONDS = 6.0  # CPU per MiB, with room for a slow, shared CI machine

HOSTILE = [
    ("generic.secret", b"key="),
    ("generic.secret", b'"key":"'),
    ("generic.secret", b"secret("),
    ("generic.secret", b"token: "),
    ("generic.password", b"password="),
    ("generic.password", b"pass:"),
    ("generic.password", b"<password>"),
    ("generic.password", b"DB_PASSWORD=x"),
    ("generic.jwk-private-key", b"kty"),
    ("generic.jwk-private-key", b'{"kty":"oct","k":"'),
    ("generic.command-password", b"--password "),
    ("generic.command-password", b"-u a:"),
    ("generic.url-credentials", b"a://b:c@"),
    ("generic.auth-header", b"Authorization: Basic "),
    ("generic.tagged-uuid", b"api_key=00000000-0000-4000-8000-"),
]


@pytest.fixture()
def no_cyclic_gc() -> Iterator[None]:
    gc.collect()
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def _cpu(rule_id: str, data: bytes) -> float:
    start = time.process_time()
    extract(RULES, [INDEX[rule_id]], data)
    return time.process_time() - start


@pytest.mark.usefixtures("no_cyclic_gc")
@pytest.mark.parametrize(("rule_id", "atom"), HOSTILE, ids=[f"{r}:{a!r}" for r, a in HOSTILE])
def test_generic_detector_is_linear_on_repetition(rule_id: str, atom: bytes) -> None:
    small = atom * (256 * 1024 // len(atom))
    big = atom * (MiB // len(atom))
    t_small, t_big = _cpu(rule_id, small), _cpu(rule_id, big)
    assert t_big < BOUND_SECONDS, (rule_id, atom, round(t_big, 2))
    assert t_big < 8 * max(t_small, 0.02), (rule_id, atom, t_small, t_big)


@pytest.mark.usefixtures("no_cyclic_gc")
def test_repeated_lines_of_hostile_assignments_are_linear_too() -> None:
    """The same shapes one per line: each line is judged once (the line memo) however many
    times it repeats, and distinct lines cost a constant each."""
    lines = b"".join(b'key%d = "%s"\npassword: %s\n' % (i, b"k=" * 40, b"p:" * 40)
                     for i in range(2000))
    t_small = _cpu("generic.secret", lines)
    t_big = _cpu("generic.secret", lines * 4)
    assert t_big < 8 * max(t_small, 0.02), (t_small, t_big)
