"""Finding identity and redaction.

A fingerprint is a keyed hash of rule id + secret value: never the line, path or commit, so a
baseline survives moves, renames and squashes. Redaction shows at most the first 4 characters
(fewer for short secrets), the length and a short hash, so two findings can be told apart
without printing either.
"""

from __future__ import annotations

import hashlib
import hmac
import os

FINGERPRINT_VERSION = "v1"
_DEFAULT_KEY = b"credscope-fingerprint-v1"


def fingerprint_key() -> bytes:
    """Teams may set their own key so fingerprints cannot be matched across organisations."""
    key = os.environ.get("CREDSCOPE_FINGERPRINT_KEY")
    return key.encode("utf-8") if key else _DEFAULT_KEY


def fingerprint(rule_id: str, secret: str) -> str:
    mac = hmac.new(fingerprint_key(), f"{rule_id}\0{secret}".encode(), hashlib.sha256)
    return f"{FINGERPRINT_VERSION}:{mac.hexdigest()[:40]}"


def secret_hash(secret: str) -> str:
    """Rule-independent keyed hash of the value alone (deduplication across rules)."""
    return hmac.new(fingerprint_key(), secret.encode("utf-8"), hashlib.sha256).hexdigest()[:12]


def redact(secret: str) -> str:
    shown = min(4, len(secret) // 4)
    return f"{secret[:shown]}…[{len(secret)} chars #{secret_hash(secret)[:6]}]"
