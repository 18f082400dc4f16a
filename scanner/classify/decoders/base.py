"""What every offline decoder returns, and the small helpers they share.

A decoder is a pure function (secret, surroundings) -> DecodeResult. It never raises: input it
cannot read gives UNKNOWN (every field "no opinion"), so a malformed token only costs detail.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from scanner.model import Capability, Environment, Scope, Tier

# Keys of Classification.details that the filters read (decoders speak to filters through
# the finding, never through a back-reference to the classifier).
DETAIL_INVALID = "invalid"
DETAIL_NOT_A_SECRET = "not-a-secret"
DETAIL_INERT = "inert"


@dataclass(frozen=True, slots=True)
class Surroundings:
    """Text around a match: the assigned name or header (`key`), its line and a few lines,
    and what the file's own structure says about it (classify.context fills these in)."""

    key: str = ""
    line: str = ""
    window: str = ""
    # Key path of the value in its file ("production.stripe.secret_key", "[prod] token").
    label: str = ""
    line_comment: str = ""  # the comment after the value on its line
    block_comment: str = ""  # the nearest comment or heading above it, in its block
    declared: str = ""  # "NODE_ENV=production": an environment declared in its scope
    # The whole file, when small enough, for decoders that read the credential's own
    # configuration (a kubeconfig's contexts, a service-account JSON's project).
    document: str = ""


@dataclass(frozen=True, slots=True)
class DecodeResult:
    """Facts a decoder read from the token itself. None means "no opinion": keep the rule's."""

    valid: bool | None = None  # False: the value cannot be a real token (bad checksum)
    tier: Tier | None = None
    scope: Scope | None = None
    environment: Environment | None = None
    capabilities: tuple[Capability, ...] | None = None
    expired: bool = False
    details: tuple[tuple[str, str], ...] = ()
    evidence: tuple[str, ...] = ()
    not_a_secret: str | None = None  # a documented public value (Azurite key, dev default)
    inert: str | None = None  # usable only with something else (passphrase-encrypted key)

    @property
    def known(self) -> bool:
        return self != UNKNOWN


UNKNOWN = DecodeResult()
Decoder = Callable[[str, Surroundings], DecodeResult]


def unknown(why: str) -> DecodeResult:
    """The value could not be read; say why, decide nothing."""
    return DecodeResult(evidence=(why,))


def b64decode(text: str) -> bytes | None:
    """Lenient base64 / base64url decode (padding optional); None when it is not base64."""
    cleaned = re.sub(r"\s+", "", text).replace("-", "+").replace("_", "/")
    cleaned += "=" * (-len(cleaned) % 4)
    try:
        return base64.b64decode(cleaned, validate=True)
    except (binascii.Error, ValueError):
        return None


def json_object(raw: bytes | None) -> dict[str, Any] | None:
    if raw is None:
        return None
    try:
        value = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        return None
    return value if isinstance(value, dict) else None


def is_past(epoch: object, now: float | None = None) -> bool:
    """True for a numeric timestamp before now (bool is not a number here)."""
    if isinstance(epoch, bool) or not isinstance(epoch, (int, float)):
        return False
    return epoch < (time.time() if now is None else now)


def iso_date(epoch: object) -> str:
    if isinstance(epoch, bool) or not isinstance(epoch, (int, float)):
        return str(epoch)
    try:
        return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(epoch))
    except (OverflowError, OSError, ValueError):
        return str(epoch)


_ENV_WORDS: tuple[tuple[re.Pattern[str], Environment], ...] = (
    (re.compile(r"(^|[^a-z])(prod|prd|production|live|primary)([^a-z]|$)", re.I),
     Environment.PRODUCTION),
    (re.compile(r"(^|[^a-z])(staging|stage|stg|preprod|uat)([^a-z]|$)", re.I),
     Environment.STAGING),
    (re.compile(r"(^|[^a-z])(test|tests|testing|qa|sandbox|ci)([^a-z]|$)", re.I),
     Environment.TEST),
    (re.compile(r"(^|[^a-z])(dev|development|local|localhost)([^a-z]|$)", re.I),
     Environment.LOCAL),
)


def env_from_words(text: str) -> Environment | None:
    """Environment named by a word in a slug, host or variable name (prod, stg, dev...)."""
    for rx, env in _ENV_WORDS:
        if rx.search(text):
            return env
    return None


@dataclass
class Builder:
    """Mutable scratch pad a decoder fills in, frozen into a DecodeResult at the end."""

    valid: bool | None = None
    tier: Tier | None = None
    scope: Scope | None = None
    environment: Environment | None = None
    capabilities: tuple[Capability, ...] | None = None
    expired: bool = False
    details: list[tuple[str, str]] = field(default_factory=list)
    evidence: list[str] = field(default_factory=list)
    not_a_secret: str | None = None
    inert: str | None = None

    def fact(self, key: str, value: object) -> None:
        self.details.append((key, str(value)))

    def say(self, text: str) -> None:
        self.evidence.append(text)

    def build(self) -> DecodeResult:
        return DecodeResult(
            valid=self.valid, tier=self.tier, scope=self.scope, environment=self.environment,
            capabilities=self.capabilities, expired=self.expired, details=tuple(self.details),
            evidence=tuple(self.evidence), not_a_secret=self.not_a_secret, inert=self.inert,
        )
