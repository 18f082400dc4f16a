"""Keyed assignments: a credential-sounding name given a literal value, in any syntax.

    password = "..."      db_password: ...       "apiToken": "..."     -e DB_PASS=...
    $cfg['pass'] = '...'  :secret => '...'       <password>...</password>
    setPassword("...")    ("client_secret", "...")

The key decides the family (password-like or token-like); the value must be a literal, not a
placeholder, a template hole or a reference to something else (placeholders.py).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from scanner.matching.generic.lines import keyword_lines
from scanner.matching.generic.placeholders import is_placeholder, is_reference
from scanner.matching.generic.values import looks_random
from scanner.matching.schema import Rule

# A quoted literal: \"...\" (inside an encoded string), "...", '...' or `...`.
_QUOTED = (
    rb"""(?:\\(?P<eq>["'])(?P<ev>(?:(?!\\(?P=eq)).){1,400}?)\\(?P=eq)"""
    rb"""|(?P<q>["'`])(?P<qv>(?:\\.|(?!(?P=q))[^\\\n]){1,400}?)(?P=q))"""
)
_UNQUOTED = rb"""(?P<uv>[^\s"'`,;)}\]<>|]{1,200})"""
_KEY = rb"""(?P<key>[A-Za-z_@$][\w.\-@$]{0,80}?)"""
ASSIGNMENT = re.compile(
    rb"(?<![\w.\-])" + _KEY + rb"""(?P<kq>\\?["'])?\s*\]?\s*"""
    rb"""(?P<sep>:=|=>|==|=|:(?!:)|<-)\s*(?:\(\s*)?"""
    rb"(?:" + _QUOTED + rb"|" + _UNQUOTED + rb")"
)
# ("password", "...") pairs and setPassword("...") calls: the value is always quoted.
PAIR = re.compile(rb"""(?P<kq>["'])""" + _KEY + rb"""(?P=kq)\s*,\s*""" + _QUOTED)
CALL = re.compile(rb"(?<![\w$])" + _KEY + rb"\s*\(\s*" + _QUOTED + rb"\s*\)")
XML = re.compile(rb"<(?P<key>[\w:.\-]{2,60})(?:\s[^<>]{0,200})?>(?P<xv>[^<>\s]{1,400})</")

_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")
_SPLIT = re.compile(r"[^a-z0-9]+")
PASSWORD_WORDS = frozenset({"password", "passwd", "passphrase", "pwd", "pass", "pw", "pswd",
                            "passwort", "passcode", "pword", "passw"})
SECRET_WORDS = frozenset({"secret", "secrets", "token", "tokens", "apikey", "credential",
                          "credentials", "cred", "creds", "bearer", "privatekey", "accesskey",
                          "secretkey", "signingkey", "masterkey", "authkey", "authtoken"})
# Qualifiers that turn `key`/`auth` into a credential name: api_key, private_key, auth_key.
KEY_QUALIFIERS = frozenset({"api", "private", "access", "secret", "signing", "master",
                            "encryption", "auth", "client", "app", "consumer", "shared",
                            "session", "hmac", "license", "account", "service", "subscription",
                            "x", "admin", "sas", "storage", "root"})
BARE_KEY_WORDS = frozenset({"key", "auth", "authorization", "salt", "nonce", "signature",
                            "seed"})
# A name ending in one of these holds something about a credential, not the credential.
NOT_SECRET_SUFFIX = frozenset({
    "file", "path", "dir", "length", "len", "min", "max", "policy", "field", "name", "id",
    "url", "uri", "type", "timeout", "expires", "expiry", "expiration", "header", "prompt",
    "hint", "regex", "pattern", "label", "placeholder", "required", "enabled", "count", "size",
    "format", "param", "env", "var", "hash", "hashed", "digest", "salt", "mode", "method",
    "endpoint", "reset", "changed", "updated", "at", "strength", "validator", "confirmed",
    "class", "prefix", "suffix", "version", "store", "manager", "provider", "service",
    "source", "location", "ref", "input", "error", "errors", "message",
    "template", "query", "command", "cmd", "lifetime", "ttl", "interval", "duration", "limit",
    "button", "link", "icon", "description", "title", "algorithm", "alg", "encoding",
    "storage", "cache", "list", "map", "dict", "helper", "utils", "util", "handler",
    "callback", "request", "response", "result", "status", "state", "option", "options",
    "config", "settings", "value_from", "from", "kind", "schema", "id_token_hint", "issuer",
    "audience", "scope", "scopes", "exists", "valid", "invalid", "index", "position", "pos",
})


@dataclass(frozen=True, slots=True)
class Candidate:
    key: str
    value: str
    start: int  # byte offsets of the value in the scanned line
    end: int
    quoted: bool


def key_words(key: str) -> list[str]:
    """`opts.DBPassword` -> ['db', 'password']: the last name segment, split into words."""
    last = re.split(r"\.|::|->|\[|'|\"", key.strip("$@:'\"[]"))[-1] or key
    return [w for w in _SPLIT.split(_CAMEL.sub("_", last).lower()) if w]


def key_family(key: str) -> str | None:
    """'password', 'secret', 'key' (a bare key/salt/auth: needs a random-looking value) or
    None when the name is not a credential's."""
    words = key_words(key)
    if not words:
        return None
    for i, word in enumerate(words):
        if word in PASSWORD_WORDS or word.startswith(("password", "passwd")):
            tail = words[i + 1:]
            return None if tail and tail[-1] in NOT_SECRET_SUFFIX else "password"
    last = words[-1]
    if last in BARE_KEY_WORDS and (len(words) == 1 or last in ("salt", "nonce", "seed")):
        return "key"
    if last in NOT_SECRET_SUFFIX:
        return None
    joined = "".join(words)
    if any(w in SECRET_WORDS for w in words) or joined.endswith(("apikey", "secretkey")):
        return "secret"
    if last in ("key", "keys", "auth", "authorization") and words[-2:-1] and (
        words[-2] in KEY_QUALIFIERS
    ):
        return "secret"
    if last in BARE_KEY_WORDS:
        return "key"
    return None


def candidates(line: bytes) -> Iterator[Candidate]:
    for rx in (ASSIGNMENT, PAIR, CALL, XML):
        for m in rx.finditer(line):
            for group, quoted in (("ev", True), ("qv", True), ("uv", False), ("xv", False)):
                if group in m.re.groupindex and m.start(group) >= 0:
                    value = m.group(group).decode("utf-8", "replace")
                    yield Candidate(m.group("key").decode("utf-8", "replace"), value,
                                    m.start(group), m.end(group), quoted)
                    break


def accept(family: str, value: str, quoted: bool) -> bool:
    """Is this literal plausibly the secret itself?"""
    if is_placeholder(value) or (not quoted and is_reference(value)):
        return False
    if value.startswith("{") and ":" in value:  # a JSON object encoded in a string
        return any(looks_random(part, 16) for part in re.split(r"[^\w+/=-]+", value))
    if any(c.isspace() for c in value) or "://" in value or is_path(value):
        return False
    if family == "password":
        return len(value) >= 4 and not (not quoted and value.isalpha() and value.islower()
                                         and len(value) < 5)
    if family == "secret":
        return len(value) >= 8 and (quoted or not value.isalpha())
    return looks_random(value, 12)


def is_path(value: str) -> bool:
    return bool(re.match(r"^(?:\.{0,2}/|~/|[A-Za-z]:\\)|\.(?:pem|key|json|txt|crt|p12|pfx|"
                         r"jks|yml|yaml|env|conf|cfg|ini|xml|properties|der|pub)$", value))


def assignment_spans(rule: Rule, data: bytes, families: frozenset[str]) -> Iterator[
        tuple[int, int]]:
    for line in keyword_lines(rule.keywords, data):
        for cand in candidates(line.text):
            family = key_family(cand.key)
            if family in families and accept(family, cand.value, cand.quoted):
                yield line.start + cand.start, line.start + cand.end


def password_plugin(rule: Rule, data: bytes) -> Iterator[tuple[int, int]]:
    return assignment_spans(rule, data, frozenset({"password"}))


def secret_plugin(rule: Rule, data: bytes) -> Iterator[tuple[int, int]]:
    return assignment_spans(rule, data, frozenset({"secret", "key"}))
