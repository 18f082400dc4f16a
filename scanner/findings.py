"""Finding identity and redaction.

A fingerprint names a (rule, secret) pair without revealing the secret, and never depends on
the line, path or commit, so a baseline survives moves, renames and squashes. Reports and
baselines are published (SARIF uploaded to code scanning, baselines committed), and a fast
hash of a password is a password hash anyone can run a dictionary against. So (v2):

    key         = scrypt(secret, salt, N=2**11, r=8, p=1)     # 2 MiB and a few ms per guess
    fingerprint = "v2:" + HMAC-SHA256(key, rule id)[:40 hex]
    redaction   = first characters + length + "#" + HMAC-SHA256(key, "redact")[:6 hex]

The salt is 16 bytes: the baseline's own (stored in it, so a baseline is portable across
machines and clones), else one derived from the repository's identity (its root commit, else
its origin URL, else the scanned path; see repository_salt), so fingerprints stay stable
between runs (code scanning alerts do not churn) yet a dictionary must be run again for each
repository.
$CREDSCOPE_FINGERPRINT_KEY, if set, is mixed in as a pepper: fingerprints then cannot be
matched at all without it. The key of each distinct secret is computed once per process, and
once per parallel scan where it can be: forked workers share a table of the keys they
stretched (SharedKeys), since the same password sits in files both workers read.
"""

from __future__ import annotations

import hashlib
import hmac
import mmap
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

FINGERPRINT_VERSION = "v2"
LEGACY_VERSION = "v1"
_LEGACY_KEY = b"credscope-fingerprint-v1"
_SALT_DOMAIN = b"credscope-fingerprint-salt\0"


@dataclass(frozen=True, slots=True)
class Cost:
    """scrypt's work factors; a baseline records the ones its fingerprints used."""

    n: int = 2**11
    r: int = 8
    p: int = 1


DEFAULT_COST = Cost()


def _pepper() -> bytes | None:
    key = os.environ.get("CREDSCOPE_FINGERPRINT_KEY")
    return key.encode("utf-8") if key else None


@dataclass(frozen=True)
class Fingerprinter:
    """Fingerprints and redactions under one salt: given, or that of the repository at a
    path, worked out when the first finding needs it (most hook runs find nothing, and
    finding a large repository's root commit takes a second). Forked workers inherit it,
    each with its own per-secret key cache."""

    salt_of: bytes | Path
    cost: Cost = DEFAULT_COST
    pepper: bytes | None = field(default_factory=_pepper)

    @property
    def salt(self) -> bytes:
        if isinstance(self.salt_of, bytes):
            return self.salt_of
        return _salt_of_repository(self.salt_of)

    def key(self, secret: str, *, quick: bool = False) -> bytes:
        """The secret's key: scrypt-stretched; or, for a value judged not to be a secret at
        all (`quick`: a placeholder, an identifier, a published demo value, a token whose
        checksum fails), one salted HMAC. A scan of real code judges thousands of such
        candidates, which scrypt would make a large share of its time, and what it protects
        (a guessable secret) they are not."""
        if quick:
            material = secret.encode("utf-8", "surrogatepass")
            return hmac.new(self.salt + (self.pepper or b""), material, hashlib.sha256).digest()
        return _stretched(secret, self.salt, self.cost, self.pepper)

    def fingerprint(self, rule_id: str, secret: str, *, quick: bool = False) -> str:
        mac = hmac.new(self.key(secret, quick=quick), rule_id.encode("utf-8"), hashlib.sha256)
        return f"{FINGERPRINT_VERSION}:{mac.hexdigest()[:40]}"

    def redact(self, secret: str, *, quick: bool = False) -> str:
        shown = min(4, len(secret) // 4)
        tag = hmac.new(self.key(secret, quick=quick), b"redact", hashlib.sha256).hexdigest()[:6]
        return f"{secret[:shown]}…[{len(secret)} chars #{tag}]"


# The random body of a provider-issued token: one run of token characters (no `:`, `@` or
# space, so never a URL or a user:password pair), long and varied enough that guessing it is
# hopeless whatever the hash.
_TOKEN_BODY = re.compile(r"[A-Za-z0-9_\-+/=.]{20,}")


def issued_token(secret: str, prefixes: Iterable[str]) -> bool:
    """Is `secret` a provider-issued token: one of the rule's literal prefixes (3+
    characters), then a long random body? Such a value is not guessable, so its key needs
    no stretching (Fingerprinter.key's `quick`)."""
    low = secret.lower()
    for prefix in prefixes:
        if len(prefix) >= 3 and low.startswith(prefix.lower()):
            body = secret[len(prefix):]
            return bool(_TOKEN_BODY.fullmatch(body)) and len(set(body)) >= 10
    return False


@lru_cache(maxsize=64)
def _salt_of_repository(root: Path) -> bytes:
    return repository_salt(root)


@lru_cache(maxsize=65536)
def _stretched(secret: str, salt: bytes, cost: Cost, pepper: bytes | None) -> bytes:
    material = secret.encode("utf-8", "surrogatepass")
    if pepper is not None:
        material = hmac.new(pepper, material, hashlib.sha256).digest()
    table = _SHARED
    if table is None:
        return _scrypt(material, salt, cost)
    tag = table.tag(material, salt, cost)
    known = table.get(tag)
    if known is None:
        known = _scrypt(material, salt, cost)
        table.put(tag, known)
    return known


def _scrypt(material: bytes, salt: bytes, cost: Cost) -> bytes:
    return hashlib.scrypt(material, salt=salt, n=cost.n, r=cost.r, p=cost.p,
                          maxmem=256 * cost.r * cost.n * cost.p + (1 << 20), dklen=32)


class SharedKeys:
    """Stretched keys shared by the processes of one parallel scan, in an anonymous shared
    mapping made before the workers fork (nothing on disk, gone with the scan). A history
    holds the same password in many files, and runs of blobs go to whichever worker is free:
    on a history of released sources each worker stretched nearly every password the other
    did, a seventh of their time. Each slot is (tag, key, check): the tag a keyed hash of
    the secret (under the salt, pepper and cost), the check a hash of tag and key. Workers
    write without locks; a slot read while another process writes it fails its check, and
    is a miss: the key is computed again, never taken wrong."""

    _TAG, _KEY, _CHECK = 16, 32, 8
    _ENTRY = _TAG + _KEY + _CHECK
    _PROBES = 8

    def __init__(self, slots: int = 1 << 15) -> None:
        self._slots = slots
        self._table = mmap.mmap(-1, slots * self._ENTRY)  # anonymous: shared with children

    def tag(self, material: bytes, salt: bytes, cost: Cost) -> bytes:
        scope = hashlib.sha256(b"credscope-shared-key\0%s\0%d/%d/%d" % (
            salt, cost.n, cost.r, cost.p)).digest()
        return hashlib.blake2b(material, key=scope, digest_size=self._TAG).digest()

    def get(self, tag: bytes) -> bytes | None:
        for offset in self._offsets(tag):
            entry = self._read(offset)
            if entry is None or entry[:self._TAG] == bytes(self._TAG):
                return None  # an empty slot ends the probe
            if entry[:self._TAG] == tag:
                key = entry[self._TAG:self._TAG + self._KEY]
                return key if entry[self._TAG + self._KEY:] == self._check(tag, key) else None
        return None

    def put(self, tag: bytes, key: bytes) -> None:
        for offset in self._offsets(tag):
            entry = self._read(offset)
            if entry is None:
                return
            if entry[:self._TAG] in (tag, bytes(self._TAG)):
                try:  # key and check first, the tag last: a reader sees no tag before its key
                    self._table[offset + self._TAG:offset + self._ENTRY] = \
                        key + self._check(tag, key)
                    self._table[offset:offset + self._TAG] = tag
                except ValueError:
                    pass  # closed: the scan is over
                return
        # every probed slot holds another key: this one is not shared (still correct)

    def close(self) -> None:
        self._table.close()

    def _offsets(self, tag: bytes) -> list[int]:
        first = int.from_bytes(tag[:4], "little")
        return [((first + i) % self._slots) * self._ENTRY for i in range(self._PROBES)]

    def _read(self, offset: int) -> bytes | None:
        try:
            return self._table[offset:offset + self._ENTRY]
        except ValueError:
            return None  # closed

    def _check(self, tag: bytes, key: bytes) -> bytes:
        return hashlib.blake2b(tag + key, digest_size=self._CHECK).digest()


_SHARED: SharedKeys | None = None


def share_keys() -> None:
    """Share stretched keys with the processes forked from now on (see SharedKeys)."""
    global _SHARED
    stop_sharing_keys()
    _SHARED = SharedKeys()


def stop_sharing_keys() -> None:
    global _SHARED
    if _SHARED is not None:
        _SHARED.close()
        _SHARED = None


def legacy_fingerprint(rule_id: str, secret: str) -> str:
    """The v1 fingerprint (a fast keyed hash under a public key), kept only to recognise
    entries of baselines written before v2; never written again."""
    key = _pepper() or _LEGACY_KEY
    mac = hmac.new(key, f"{rule_id}\0{secret}".encode(), hashlib.sha256)
    return f"{LEGACY_VERSION}:{mac.hexdigest()[:40]}"


def salt_from(identity: str) -> bytes:
    """A stable salt from a repository's identity (not secret: salts need not be)."""
    return hashlib.sha256(_SALT_DOMAIN + identity.encode("utf-8", "surrogateescape")
                          ).digest()[:16]


def repository_salt(root: Path) -> bytes:
    """The salt for a repository without a baseline, from what every copy of it shares: its
    oldest root commit (forks and every full clone agree, so an organisation audit shares
    work between forks and its reports equal `scan`'s), else, in a shallow clone whose root
    is only where the clone stopped, its origin URL (the same in every CI run), else the
    scanned directory's absolute path."""
    from scanner.errors import SourceError  # noqa: PLC0415 - git only when needed
    from scanner.sources.git import identity  # noqa: PLC0415

    directory = root if root.is_dir() else root.parent
    try:
        found = identity(directory)
    except SourceError:
        found = None
    if found is None:
        try:
            found = "path:" + str(directory.resolve())
        except (OSError, RuntimeError):
            found = "path:" + str(directory.absolute())
    return salt_from(found)


# Tests and callers with no repository at hand (the fixed salt of an unnamed scan).
DEFAULT = Fingerprinter(salt_from("credscope:default"))


def fingerprint(rule_id: str, secret: str) -> str:
    return DEFAULT.fingerprint(rule_id, secret)


def redact(secret: str) -> str:
    return DEFAULT.redact(secret)
