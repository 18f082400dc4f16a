"""Macaroons read without their key: PyPI (binary v2 format, JSON caveats) and Fly.io
(MessagePack). Caveats only ever narrow a token, so what they say is trustworthy for scope."""

from __future__ import annotations

import json
from typing import Any

from scanner.classify.decoders import msgpack
from scanner.classify.decoders.base import (
    Builder,
    DecodeResult,
    Surroundings,
    b64decode,
    is_past,
    iso_date,
    unknown,
)
from scanner.model import Capability, Environment, Scope, Tier

_EOS, _LOCATION, _IDENTIFIER, _VID, _SIGNATURE = 0, 1, 2, 4, 6


def _varint(data: bytes, pos: int) -> tuple[int, int]:
    value = shift = 0
    while True:
        if pos >= len(data) or shift > 63:
            raise ValueError("truncated varint")
        byte = data[pos]
        pos += 1
        value |= (byte & 0x7F) << shift
        shift += 7
        if not byte & 0x80:
            return value, pos


def _section(data: bytes, pos: int) -> tuple[dict[int, bytes], int]:
    fields: dict[int, bytes] = {}
    while True:
        kind, pos = _varint(data, pos)
        if kind == _EOS:
            return fields, pos
        length, pos = _varint(data, pos)
        if pos + length > len(data):
            raise ValueError("field runs past the end")
        fields[kind] = data[pos:pos + length]
        pos += length


def parse_v2(data: bytes) -> tuple[str, list[bytes]]:
    """(location, first-party caveat identifiers) of a binary v2 macaroon."""
    if not data or data[0] != 2:
        raise ValueError("not a v2 binary macaroon")
    header, pos = _section(data, 1)
    if _IDENTIFIER not in header:
        raise ValueError("macaroon without identifier")
    caveats: list[bytes] = []
    while True:
        fields, pos = _section(data, pos)
        if not fields:
            break
        if _VID not in fields and _IDENTIFIER in fields:
            caveats.append(fields[_IDENTIFIER])
    kind, pos = _varint(data, pos)
    if kind != _SIGNATURE:
        raise ValueError("macaroon without signature")
    return header.get(_LOCATION, b"").decode("utf-8", "replace"), caveats


def decode_pypi(secret: str, _around: Surroundings) -> DecodeResult:
    if not secret.startswith("pypi-"):
        return unknown("no pypi- prefix")
    raw = b64decode(secret[5:])
    try:
        location, caveats = parse_v2(raw or b"")
    except ValueError as err:
        return unknown(f"not a readable PyPI macaroon: {err}")
    b = Builder(valid=True, tier=Tier.WRITE, capabilities=(Capability.PUBLISH,))
    b.fact("location", location)
    test = location.startswith("test.")
    b.environment = Environment.TEST if test else Environment.PRODUCTION
    b.say(f"macaroon location {location}: {'TestPyPI' if test else 'the real index'}")
    projects: list[str] = []
    for caveat in caveats:
        _pypi_caveat(b, caveat, projects)
    if projects:
        b.scope = Scope.PROJECT
        b.fact("projects", ", ".join(projects))
        b.say(f"project caveat: upload limited to {', '.join(projects)}")
    elif b.scope is None:
        b.scope = Scope.ACCOUNT
        b.say("no project caveat: uploads to every project of the user (supply chain)")
    return b.build()


def _pypi_caveat(b: Builder, raw: bytes, projects: list[str]) -> None:
    try:
        value: Any = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        b.say("a caveat that is not JSON (ignored)")
        return
    if isinstance(value, dict):  # legacy {"version": 1, "permissions": ...}
        perms = value.get("permissions")
        if isinstance(perms, dict) and isinstance(perms.get("projects"), list):
            projects.extend(str(p) for p in perms["projects"])
        return
    if not isinstance(value, list) or not value or not isinstance(value[0], int):
        return
    tag, args = value[0], value[1:]
    if tag == 0 and args:  # Expiration [expires_at, not_before]
        b.fact("expires", iso_date(args[0]))
        if is_past(args[0]):
            b.expired = True
            b.say(f"expired at {iso_date(args[0])} (expiration caveat)")
    elif tag in (1, 2) and args and isinstance(args[0], list):  # ProjectName / ProjectID
        projects.extend(str(p) for p in args[0])
    elif tag == 3:
        b.fact("user-caveat", str(args[0]) if args else "")
    elif tag == 4:
        b.scope = Scope.PROJECT
        b.say("Trusted Publishing (OIDC) token: short-lived, one project")


def decode_fly(secret: str, _around: Surroundings) -> DecodeResult:
    token = secret.strip().removeprefix("FlyV1").strip()
    if token.startswith("fo1_"):
        return DecodeResult(tier=Tier.ADMIN, scope=Scope.ACCOUNT,
                            details=(("kind", "user token (fly auth token)"),),
                            evidence=("fo1_: a user token, every organisation of the user",))
    parts = [p.strip() for p in token.split(",") if p.strip()]
    if not parts or not all(p.startswith(("fm1r_", "fm1a_", "fm2_")) for p in parts):
        return unknown("no fm2_/fm1_ macaroon in the value")
    b = Builder(valid=True)
    for part in parts:
        try:
            value = msgpack.unpack(b64decode(part.split("_", 1)[1]) or b"")
        except ValueError as err:
            return unknown(f"not a readable Fly.io macaroon: {err}")
        if not isinstance(value, list):
            return unknown("not a readable Fly.io macaroon: not a msgpack array")
        _fly_macaroon(b, value)
    b.fact("macaroons", len(parts))
    return b.build()


def _fly_macaroon(b: Builder, value: list[object]) -> None:
    location = next((v for v in value if isinstance(v, str)), "")
    if location:
        b.fact("location", location)
    caveats = next((v for v in value[2:3] if isinstance(v, list)), [])
    b.fact("caveat-fields", len(caveats))
    if not caveats:
        b.say("a macaroon without caveats: all the authority of its issuer")
    else:
        b.say(f"a Fly.io macaroon for {location or 'an unknown location'} with caveats that "
              "narrow it (organisation, apps, actions or expiry)")
