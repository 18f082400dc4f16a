"""Checksummed token formats (GitHub, npm): the last 6 base62 characters are the CRC32 of the
random part. A wrong checksum means the value was never issued: a placeholder or a typo."""

from __future__ import annotations

import binascii
import re
import string

from scanner.classify.decoders.base import Builder, DecodeResult, Surroundings, unknown
from scanner.model import Tier

_BASE62 = string.digits + string.ascii_uppercase + string.ascii_lowercase
_GITHUB = re.compile(r"^(gh[pousr])_([A-Za-z0-9]{30})([A-Za-z0-9]{6})$")
_NPM = re.compile(r"^npm_([A-Za-z0-9]{30})([A-Za-z0-9]{6})$")
_GITHUB_KINDS = {
    "ghp": "classic personal access token (scopes not in the token)",
    "gho": "OAuth token acting for a user",
    "ghu": "GitHub App user-to-server token (expires after 8 hours)",
    "ghs": "GitHub App installation token (expires after 1 hour)",
    "ghr": "GitHub App refresh token (6 months, mints new user tokens)",
}


def base62(n: int, width: int = 6) -> str:
    out = ""
    while n:
        n, r = divmod(n, 62)
        out = _BASE62[r] + out
    return out.rjust(width, "0")


def crc_ok(body: str, check: str) -> bool:
    return base62(binascii.crc32(body.encode("ascii"))) == check


def decode_github(secret: str, _around: Surroundings) -> DecodeResult:
    if secret.startswith("github_pat_"):
        return DecodeResult(details=(("kind", "fine-grained personal access token"),),
                            evidence=("fine-grained PAT: bounded to selected repositories "
                                      "(not visible offline)",))
    m = _GITHUB.match(secret.strip())
    if m is None:
        return unknown("not a 40-character GitHub token: no checksum to check")
    prefix, body, check = m.groups()
    b = Builder()
    b.fact("kind", _GITHUB_KINDS[prefix])
    if not crc_ok(body, check):
        b.valid = False
        b.say("the CRC32 checksum in the last 6 characters does not match: never issued")
        return b.build()
    b.valid = True
    b.say("CRC32 checksum matches: a well-formed GitHub token")
    if prefix in ("ghs", "ghu"):
        b.say("short-lived token: one found in history has almost certainly expired")
    if prefix == "ghp":
        b.tier = Tier.UNKNOWN
        b.say("classic PAT scopes (repo, admin:org, delete_repo) are not in the token")
    return b.build()


def decode_npm(secret: str, _around: Surroundings) -> DecodeResult:
    m = _NPM.match(secret.strip())
    if m is None:
        return unknown("not an npm_ token of 40 characters: no checksum to check")
    body, check = m.groups()
    if not crc_ok(body, check):
        return DecodeResult(valid=False, evidence=(
            "the CRC32 checksum in the last 6 characters does not match: never issued",))
    return DecodeResult(valid=True, details=(("kind", "granular access token"),), evidence=(
        "CRC32 checksum matches: a well-formed npm token; read-only or read-write is not "
        "visible offline",))
