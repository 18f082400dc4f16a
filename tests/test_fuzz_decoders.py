"""Fuzzing every offline decoder in DECODERS, called directly (not through run_decoder's safety
net): random text and near-misses of each format (truncated or garbled JWTs, bad base64, wrong
checksums, garbage PyPI/Fly macaroons, SAS query strings, connection strings, URLs, PEM keys).

A decoder must never raise and must decide nothing on junk: no validity, tier, scope,
environment, capabilities or not-a-secret verdict that the value itself does not support.
Each hypothesis example draws a small seed structure and expands it into a batch of
variants (every truncation point, character flips), so the suite tries many inputs cheaply.
"""

from __future__ import annotations

import base64
import binascii
import json
import random
import string
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from scanner.classify import decoders
from scanner.classify.decoders import DECODERS, DecodeResult, Surroundings
from tests.helpers import base62
from tests.test_fuzz import budget, tried

NAMES = sorted(DECODERS)
PREFIXES = [
    "eyJ", "ghp_", "gho_", "ghs_", "github_pat_", "npm_", "pypi-", "fm2_", "fm1r_", "fm1a_",
    "FlyV1 fm2_", "fo1_", "glc_", "sntrys_", "dp.pt.", "dp.st.prd.", "sk_live_", "rk_test_",
    "pk_live_", "sk-", "sk-proj-", "sk-ant-api03-", "sk-ant-admin01-", "xoxb-", "xoxp-",
    "xapp-", "AKIA", "ASIA", "-----BEGIN OPENSSH PRIVATE KEY-----\n",
    "-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\n", "PuTTY-User-Key-File-3: ",
    "postgres://", "mongodb+srv://", "redis://:", "Server=", "AccountKey=", "sig=", "$sandbox$",
    "access-sandbox-", "sq0csp-", "live_", "test_",
]
B64URL = string.ascii_letters + string.digits + "-_"
ALNUM = string.ascii_letters + string.digits
JUNK_CHARS = string.printable + "é€\u200b\x00\ud7ff"
NOWHERE = Surroundings()


def _check(value: str, around: Surroundings = NOWHERE) -> dict[str, DecodeResult]:
    """Run every decoder; any exception fails the test with the decoder's name."""
    out = {}
    for name in NAMES:
        result = DECODERS[name](value, around)
        assert isinstance(result, DecodeResult), name
        out[name] = result
    return out


def decided(r: DecodeResult) -> bool:
    return (r.valid is True or r.tier is not None or r.scope is not None
            or r.environment is not None or bool(r.capabilities) or r.not_a_secret is not None
            or r.inert is not None)


def b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def mutations(rng: random.Random, token: str, n: int = 8) -> list[str]:
    """Near-misses of a well-formed token: truncations, flips, inserted separators."""
    out = [token[:cut] for cut in sorted({rng.randrange(len(token) + 1) for _ in range(n)})]
    for _ in range(n):
        i = rng.randrange(len(token) or 1)
        out.append(token[:i] + rng.choice("=.%_-+/ \n\x00é") + token[i + 1:])
    out.append(token + "=" * rng.randint(1, 3))
    out.append(token.replace(".", "", 1))
    out.append(token + "." + token)
    return out


# -- pure junk: no decoder may decide anything ---------------------------------------------

@settings(max_examples=budget(250))
@given(st.lists(st.tuples(st.text(JUNK_CHARS, max_size=120), st.text(max_size=40)),
                min_size=1, max_size=40))
def test_decoders_decide_nothing_on_random_text(batch: list[tuple[str, str]]) -> None:
    tried("decoders", len(batch))
    for value, line in batch:
        if _holds_a_marker(value) or _holds_a_marker(line):
            continue  # not random: it names a format (`$sandbox$`, `railway`), so may decide
        for name, result in _check(value, Surroundings(line=line, window=line)).items():
            assert not decided(result), (name, value, result)


def _decoder_markers() -> frozenset[str]:
    """Every string literal of the decoders' source: Hypothesis draws text from the literals
    of the code under test, so "random" text can spell a real marker, on which a decoder
    rightly decides (a Braintree `$sandbox$` token is a test credential)."""
    import ast

    folder = Path(decoders.__file__).parent
    found = set()
    for path in folder.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and \
                    len(node.value.strip()) >= 3:
                found.add(node.value.strip().lower())
    return frozenset(found)


_MARKERS = _decoder_markers()


def _holds_a_marker(text: str) -> bool:
    lowered = text.lower()
    return any(marker in lowered for marker in _MARKERS)


@settings(max_examples=budget(250))
@given(st.lists(st.tuples(st.sampled_from(PREFIXES), st.text(JUNK_CHARS, max_size=80)),
                min_size=1, max_size=40))
def test_decoders_survive_known_prefixes_with_junk(batch: list[tuple[str, str]]) -> None:
    tried("decoders", len(batch))
    for prefix, tail in batch:
        results = _check(prefix + tail, Surroundings(key=tail[:10], line=tail, window=tail))
        # Junk after a prefix with a checksum is never a valid token of that format.
        if prefix.startswith(("gh", "npm_")) and not tail.isalnum():
            assert results["github-checksum"].valid is not True
            assert results["npm-checksum"].valid is not True


# -- near-misses of each format, derived from a drawn seed ---------------------------------

CLAIMS = ["iss", "exp", "role", "ref", "aud", "scope", "sub", "alg", "typ", "kubernetes.io",
          "kubernetes.io/serviceaccount/namespace", "o", "n", "m", "org", "url", "iat"]
CLAIM_VALUES: list[object] = [
    None, True, 0, -1, 2**70, 1e308, float("inf"), float("nan"), "", "none", "anon",
    "service_role", "supabase-demo", "https://x.auth0.com/", "/api/v2/", "kubernetes/sa",
    "prod", [], [1, "a"], {"r": "prod-us"}, {"projects": ["p"]}]


def _claims(rng: random.Random) -> dict[str, object]:
    """A random claims object: known claim names, values of every JSON type (and the
    non-standard Infinity/NaN that Python's json reads), some nested."""
    out: dict[str, object] = {}
    for _ in range(rng.randint(0, 6)):
        key = rng.choice(CLAIMS) if rng.random() < 0.8 else rng.choice(JUNK_CHARS) * 3
        value = rng.choice(CLAIM_VALUES)
        out[key] = [value, rng.choice(CLAIM_VALUES)] if rng.random() < 0.2 else value
    return out


@settings(max_examples=budget(150))
@given(st.randoms(), st.integers(1, 6))
def test_jwt_like_near_misses(rng: random.Random, n: int) -> None:
    for _ in range(n):
        enc = [b64url(json.dumps(_claims(rng)).encode()) for _ in range(2)]
        token = f"{enc[0]}.{enc[1]}.{b64url(rng.randbytes(rng.randint(0, 40)))}"
        variants = [token, *mutations(rng, token)]
        tried("decoders", len(variants))
        for value in variants:
            result = _check(value)["jwt"]
            if value.count(".") != 2:
                assert not decided(result), value
        # The same claims with a header that is not base64 JSON: never readable.
        broken = f"{enc[0][:-1]}!.{enc[1]}.sig"
        assert not decided(_check(broken)["jwt"])
        tried("decoders")


@settings(max_examples=budget(80))
@given(st.lists(st.text(ALNUM, min_size=30, max_size=30), min_size=1, max_size=10),
       st.randoms())
def test_checksum_tokens_valid_only_with_the_right_crc(bodies: list[str],
                                                       rng: random.Random) -> None:
    for body in bodies:
        good = base62(binascii.crc32(body.encode()), 6)
        for prefix, name in (("ghp_", "github-checksum"), ("gho_", "github-checksum"),
                             ("npm_", "npm-checksum")):
            assert _check(f"{prefix}{body}{good}")[name].valid is True
            wrong = [f"{prefix}{body}{rng.choice(ALNUM)}{good[1:]}",
                     f"{prefix}{body[::-1]}{good}", f"{prefix}{body}{good[::-1]}"]
            for value in wrong:
                expected_ok = base62(binascii.crc32(value[4:34].encode()), 6) == value[34:]
                assert _check(value)[name].valid is expected_ok, value
            variants = mutations(rng, f"{prefix}{body}{good}")
            for value in variants:
                _check(value)
            tried("decoders", 4 + len(variants))


def _varint(n: int) -> bytes:
    out = b""
    while True:
        byte, n = n & 0x7F, n >> 7
        out += bytes([byte | (0x80 if n else 0)])
        if not n:
            return out


def _v2_field(kind: int, value: bytes) -> bytes:
    return _varint(kind) + _varint(len(value)) + value


@settings(max_examples=budget(150))
@given(st.lists(st.tuples(st.binary(max_size=60), st.lists(st.binary(max_size=30), max_size=4)),
                min_size=1, max_size=6), st.randoms())
def test_macaroon_near_misses(items: list[tuple[bytes, list[bytes]]],
                              rng: random.Random) -> None:
    for noise, caveats in items:
        # A v2 macaroon skeleton with random caveats, then garbled; and pure garbage.
        body = (b"\x02" + _v2_field(1, b"pypi.org") + _v2_field(2, noise) + b"\x00"
                + b"".join(_v2_field(2, c) + b"\x00" for c in caveats) + b"\x00"
                + _v2_field(6, rng.randbytes(32)))
        values = [f"pypi-{b64url(body)}", f"pypi-{b64url(noise)}", f"pypi-{noise.hex()}",
                  f"fm2_{b64url(noise)}", f"fm1r_{b64url(body)}", f"FlyV1 fm2_{b64url(noise)}",
                  f"fm2_{b64url(bytes([0x93]) + noise)},fm2_{b64url(noise)}"]
        values += mutations(rng, values[0], 4) + mutations(rng, values[3], 4)
        tried("decoders", len(values))
        for value in values:
            _check(value)
        garbage = _check(f"pypi-{b64url(b'x' + noise)}")["pypi-macaroon"]
        assert not decided(garbage)  # not a v2 macaroon (first byte is not 2)
        tried("decoders")


SAS_KEYS = ["sv", "ss", "srt", "sp", "se", "st", "spr", "sig", "sr", "si", "skoid", "sks"]
CONN_KEYS = ["AccountName", "AccountKey", "EndpointSuffix", "SharedAccessKeyName",
             "SharedAccessKey", "Endpoint", "UseDevelopmentStorage",
             "DefaultEndpointsProtocol", "Server", "Password", "User ID"]
FIELD_VALUE = st.text(string.printable.replace("\n", "") + "é", max_size=30)


@settings(max_examples=budget(200))
@given(st.lists(st.tuples(st.lists(st.tuples(st.sampled_from(SAS_KEYS), FIELD_VALUE),
                                   max_size=8),
                          st.lists(st.tuples(st.sampled_from(CONN_KEYS), FIELD_VALUE),
                                   max_size=6)), min_size=1, max_size=8), st.randoms())
def test_sas_and_connection_string_near_misses(
        batch: list[tuple[list[tuple[str, str]], list[tuple[str, str]]]],
        rng: random.Random) -> None:
    for sas, conn in batch:
        query = "&".join(f"{k}={v}" for k, v in sas)
        connection = ";".join(f"{k}={v}" for k, v in conn)
        values = [query, "?" + query, f"https://a.blob.core.windows.net/c?{query}",
                  connection, connection + ";", *mutations(rng, query or "sig=", 3),
                  *mutations(rng, connection or "AccountKey=", 3)]
        tried("decoders", len(values) * 2)
        for value in values:
            _check(value)
            _check(value[-20:], Surroundings(key="SAS", line=value, window=value))
        if "sig=" not in query and "sig=" not in connection:
            assert not decided(_check(query)["azure-sas"])


URL_PART = st.text(string.ascii_letters + string.digits + ":@/?#[]%.-_;,'\"é ", max_size=20)


@settings(max_examples=budget(200))
@given(st.lists(st.tuples(st.sampled_from(["postgres", "mysql", "mongodb+srv", "redis", "amqp",
                                           "https", "x", "1bad"]),
                          URL_PART, URL_PART, URL_PART, URL_PART), min_size=1, max_size=10),
       st.randoms())
def test_url_near_misses(parts: list[tuple[str, str, str, str, str]],
                         rng: random.Random) -> None:
    for scheme, user, password, host, rest in parts:
        url = f"{scheme}://{user}:{password}@{host}:{rest}"
        mssql = f"Server={host};Database={rest};User Id={user};Password={password};"
        values = [url, f"{scheme}://{host}", mssql, *mutations(rng, url, 3)]
        tried("decoders", len(values) * 2)
        for value in values:
            _check(value)
            _check(password, Surroundings(key="DATABASE_URL", line=value, window=value))


@settings(max_examples=budget(150))
@given(st.lists(st.tuples(st.sampled_from(["OPENSSH ", "RSA ", "EC ", "ENCRYPTED ", "",
                                           "SSH2 ENCRYPTED "]),
                          st.binary(max_size=200), st.text(max_size=40)),
                min_size=1, max_size=8), st.randoms())
def test_private_key_near_misses(items: list[tuple[str, bytes, str]],
                                 rng: random.Random) -> None:
    for kind, body, header in items:
        blob = base64.b64encode(b"openssh-key-v1\x00" + body).decode()
        pem = (f"-----BEGIN {kind}PRIVATE KEY-----\n{header}\n{blob}\n"
               f"-----END {kind}PRIVATE KEY-----")
        values = [pem, *mutations(rng, pem, 4)]
        tried("decoders", len(values))
        for value in values:
            _check(value)
