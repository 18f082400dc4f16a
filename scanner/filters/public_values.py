"""Values their vendors publish as non-secret are suppressed (kind "public-value"), with the
entry's reason and source: demo keys of local development stacks, documentation examples,
CLIs' public OAuth client secrets, emulator keys, request ids.

The list is data (rules/catalogue/public-values.toml). Exact values are stored as SHA-256
and the candidate is hashed; a family of JWTs is recognised by verifying the candidate's
HMAC signature offline with the secret the vendor publishes.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import re
import sys
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from scanner.errors import RuleError
from scanner.matching.loader import builtin_rules_dir
from scanner.model import Blob, Finding, Suppression, SuppressionKind

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

CATALOGUE = "catalogue/public-values.toml"
_MATCHES = ("sha256", "jwt-hmac", "identifier")
_HMAC = {"HS256": hashlib.sha256, "HS384": hashlib.sha384, "HS512": hashlib.sha512}
_JWT = re.compile(r"eyJ[A-Za-z0-9_-]+\.eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+")
_SEPARATORS = re.compile(r"[\s;,&\"'`<>()\[\]{}|]+")  # around values inside a longer match


@dataclass(frozen=True, slots=True)
class PublicValue:
    id: str
    title: str
    match: str
    why: str
    source: str
    sha256: frozenset[str] = frozenset()
    strip_0x: bool = False
    signing_secret: bytes = b""
    names: re.Pattern[str] | None = None
    value: re.Pattern[str] | None = None
    in_keys: bool = False  # also when the value sits in a key name of a parsed file
    only_in: frozenset[str] = frozenset()  # location classes a source forced (home files)

    @property
    def reason(self) -> str:
        return f"public value: {self.title}: {self.why} (source: {self.source})"


def load(path: Path | None = None) -> tuple[PublicValue, ...]:
    target = path or builtin_rules_dir() / CATALOGUE
    try:
        data = tomllib.loads(target.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as err:
        raise RuleError(f"cannot read the public-values list: {err}", path=str(target)) from None
    entries = data.get("public")
    if not isinstance(entries, list):
        raise RuleError("expected [[public]] tables", path=str(target))
    return tuple(_entry(e, str(target)) for e in entries)


def _entry(raw: Any, path: str) -> PublicValue:
    if not isinstance(raw, dict):
        raise RuleError("each [[public]] entry must be a table", path=path)
    ident = raw.get("id")
    for key in ("id", "title", "match", "why", "source"):
        if not isinstance(raw.get(key), str) or not raw[key].strip():
            raise RuleError(f"missing or empty `{key}`", path=path, rule_id=ident, field=key)
    if raw["match"] not in _MATCHES:
        raise RuleError(f"`match` must be one of {', '.join(_MATCHES)}", path=path,
                        rule_id=ident, field="match")
    common = {k: raw[k] for k in ("id", "title", "match", "why", "source")}
    try:
        if raw["match"] == "sha256":
            return PublicValue(**common, sha256=frozenset(h.lower() for h in raw["sha256"]),
                               strip_0x=bool(raw.get("strip_0x", False)))
        if raw["match"] == "jwt-hmac":
            secret = base64.b64decode(raw["signed_with_b64"], validate=True)
            return PublicValue(**common, signing_secret=secret)
        return PublicValue(**common, names=re.compile(raw["names"]),
                           value=re.compile(raw["value"]), in_keys=bool(raw.get("in_keys")),
                           only_in=frozenset(raw.get("only_in", ())))
    except (KeyError, TypeError, binascii.Error, re.error) as err:
        raise RuleError(f"bad {raw['match']} entry: {err!r}", path=path, rule_id=ident
                        ) from None


@lru_cache(maxsize=1)
def builtin() -> tuple[PublicValue, ...]:
    return load()


def public_value(secret: str, assigned_to: str = "",
                 entries: tuple[PublicValue, ...] | None = None,
                 in_key: bool = False, place: str = "") -> PublicValue | None:
    """The list entry `secret` (or a value inside it) is, or None. `in_key`: the value sits
    inside a key name of a parsed file (an MSAL cache keys its entries by account ids)."""
    entries = builtin() if entries is None else entries
    digests = _digests(secret)
    tokens = _JWT.findall(secret)
    for entry in entries:
        if entry.match == "sha256" and _hashed(entry, digests):
            return entry
        if entry.match == "jwt-hmac" and any(_signed_with(t, entry.signing_secret)
                                              for t in tokens):
            return entry
        if entry.match == "identifier" and entry.names is not None and entry.value is not None \
                and (entry.names.match(assigned_to) or (in_key and entry.in_keys)) \
                and (not entry.only_in or place in entry.only_in) \
                and entry.value.match(secret.strip()):
            return entry
    return None


def _digests(secret: str) -> dict[str, bool]:
    """SHA-256 of the value and of the long pieces inside it (a key inside a connection
    string) -> whether the piece only got there by cutting a leading 0x."""
    pieces = {secret.strip()}
    for token in _SEPARATORS.split(secret):
        value = token.partition("=")[2] or token.partition(":")[2]  # KEY=value, key:value
        pieces.update(p for p in (token, value) if len(p) >= 16)
    out = {_sha(p): False for p in pieces}
    for p in pieces:
        if p[:2] in ("0x", "0X"):
            out.setdefault(_sha(p[2:]), True)
    return out


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "replace")).hexdigest()


def _hashed(entry: PublicValue, digests: dict[str, bool]) -> bool:
    return any(d in entry.sha256 and (entry.strip_0x or not cut) for d, cut in digests.items())


def _signed_with(token: str, secret: bytes) -> bool:
    head, payload, signature = token.split(".")
    try:
        header = json.loads(base64.urlsafe_b64decode(head + "=" * (-len(head) % 4)))
        sig = base64.urlsafe_b64decode(signature + "=" * (-len(signature) % 4))
    except (ValueError, binascii.Error):
        return False
    digest = _HMAC.get(str(header.get("alg"))) if isinstance(header, dict) else None
    if digest is None:
        return False
    expected = hmac.new(secret, f"{head}.{payload}".encode("ascii"), digest).digest()
    return hmac.compare_digest(expected, sig)


_KNOWN_MAX = 4096


class PublicValueFilter:
    """Suppress findings whose value a vendor publishes as non-secret."""

    def __init__(self, entries: tuple[PublicValue, ...] | None = None) -> None:
        self.entries = builtin() if entries is None else entries
        # Answers by (value, name, in a key, place): a history holds one secret in thousands
        # of versions of its file, each judged with the same four, and hashing its pieces
        # for each was a few percent of the scan. Bounded: cleared when full.
        self._known: dict[tuple[str, str, bool, str], PublicValue | None] = {}

    def check(self, finding: Finding, blob: Blob) -> Suppression | None:
        label = finding.location.label
        # The name the value is assigned to, else the innermost key of its label (a value
        # "<object id>.<tenant id>" under home_account_id has no assignment right before it).
        assigned = dict(finding.classification.details).get("assigned-to") or \
            _innermost_key(label)
        # In a parsed file every value has a label; a match without one is in a key name.
        in_key = bool(blob.labels) and label is None
        place = str(blob.location_hint or "")
        question = (finding.secret, assigned, in_key, place)
        if question in self._known:
            entry = self._known[question]
        else:
            if len(self._known) >= _KNOWN_MAX:
                self._known.clear()
            entry = self._known[question] = public_value(finding.secret, assigned,
                                                         self.entries, in_key, place)
        if entry is None:
            return None
        return Suppression(SuppressionKind.PUBLIC_VALUE, entry.reason)


def _innermost_key(label: str | None) -> str:
    if not label or label.endswith("]"):
        return ""
    return label.rsplit(".", 1)[-1].rsplit("]", 1)[-1]
