"""Credentials recognised by their shape in context rather than by a key name: URL userinfo,
HTTP Authorization headers, SQL and command-line passwords, keyword-tagged UUIDs."""

from __future__ import annotations

import re
from collections.abc import Iterator

from scanner.matching.generic.lines import keyword_lines
from scanner.matching.generic.placeholders import is_placeholder, is_reference
from scanner.matching.generic.values import UUID, entropy, looks_random
from scanner.matching.schema import Rule

Span = tuple[int, int]

URL_CREDENTIALS = re.compile(
    rb"(?P<scheme>\b[a-zA-Z][a-zA-Z0-9+.\-]{1,30})://(?P<user>[^\s:/@'\"`<>(){}\[\]]{0,128})"
    rb":(?P<v>[^\s/@'\"`<>]{1,256})@(?P<host>[\w\-\[\]%{}$]+(?:\.[\w\-{}$]+)*)"
)
AUTH_HEADER = re.compile(
    rb"(?i)\b(?P<scheme>basic|bearer|token|digest)\s+(?P<v>[A-Za-z0-9\-._~+/]{8,}=*)"
    rb"(?![A-Za-z0-9\-._~+/=])"
)
SQL_PASSWORD = re.compile(
    rb"(?i)\b(?:identified\s+(?:with\s+\w+\s+)?by|(?:with|encrypted|unencrypted)\s+password)"
    rb"""\s+(?:password\s+)?(?P<q>["'])(?P<v>[^"'\n]{1,256})(?P=q)"""
)
CLI_FLAG = re.compile(
    rb"""(?i)(?:^|[\s"'`(])(?:--?|/)(?P<flag>password|passwd|pass|pwd|pw|secret|token|"""
    rb"""api-?key|access-token|auth-token|client-secret|certfilepassword|keypass|storepass|"""
    rb"""p(?=\S))(?:[=:]|\s+)(?P<q>["']?)(?P<v>[^\s"'`]{1,256})(?P=q)"""
)
CLI_USER_PASS = re.compile(
    rb"""(?:^|\s)(?:-u|--user|-U)\s*(?P<q>["']?)[^\s:"'@/]{1,64}:(?P<v>[^\s"'@]{1,256})(?P=q)"""
)
SECURE_STRING = re.compile(
    rb"""(?i)convertto-securestring\s+(?:-string\s+)?(?P<q>["'])(?P<v>[^"'\n]{1,256})(?P=q)"""
)
UUID_ANY = re.compile(rb"(?<![\w-])[0-9a-fA-F]{8}-(?:[0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}(?![\w-])")
_UUID_TAG = re.compile(
    rb"(?i)(?:id|key|token|secret|guid|uuid|client|tenant|session|auth|account|subscription"
    rb"|app|application|credential|password|api|sig|nonce|license)\W{0,6}(?:[\w.\-]{0,40}\W{1,"
    rb"6})?$"
)


def _decoded(value: bytes) -> str:
    return value.decode("utf-8", "replace")


def url_credentials(rule: Rule, data: bytes) -> Iterator[Span]:
    for line in keyword_lines(rule.keywords, data):
        for m in URL_CREDENTIALS.finditer(line.text):
            password = _decoded(m.group("v"))
            if is_placeholder(password) or is_reference(password) and password.isupper():
                continue
            yield line.start + m.start("v"), line.start + m.end("v")


def auth_header(rule: Rule, data: bytes) -> Iterator[Span]:
    for line in keyword_lines(rule.keywords, data):
        for m in AUTH_HEADER.finditer(line.text):
            value = _decoded(m.group("v"))
            scheme = m.group("scheme").lower()
            min_len = 8 if scheme == b"basic" else 16
            if is_placeholder(value) or not looks_random(value, min_len):
                continue
            if scheme == b"token" and not _header_context(line.text, m.start()):
                continue
            yield line.start + m.start("v"), line.start + m.end("v")


def _header_context(text: bytes, pos: int) -> bool:
    """`token abc` is only a header value after `Authorization`: else it is prose."""
    return b"authorization" in text[max(0, pos - 40):pos].lower()


def command_password(rule: Rule, data: bytes) -> Iterator[Span]:
    """SQL `IDENTIFIED BY '...'`, `--password=...`, `-u user:pass`, ConvertTo-SecureString."""
    for line in keyword_lines(rule.keywords, data):
        for rx in (SQL_PASSWORD, CLI_FLAG, CLI_USER_PASS, SECURE_STRING):
            for m in rx.finditer(line.text):
                if rx is CLI_FLAG and m.group("flag").lower() == b"p" and not _mysql_like(
                        line.text):
                    continue
                value = _decoded(m.group("v"))
                if is_placeholder(value) or is_reference(value) or len(value) < 4:
                    continue
                yield line.start + m.start("v"), line.start + m.end("v")


def _mysql_like(text: bytes) -> bool:
    """`-p` is a port or a path to most tools; it is a password where a user flag is given."""
    return bool(re.search(rb"(?:^|\s)(?:-u\s*\S+|--user[=\s])", text))


def tagged_uuid(rule: Rule, data: bytes) -> Iterator[Span]:
    """A UUID named like a key, token, client or tenant id; placeholders like all-zero or
    1234... UUIDs are left out."""
    for line in keyword_lines(rule.keywords, data):
        for m in UUID_ANY.finditer(line.text):
            value = _decoded(m.group())
            if not UUID.match(value) or _placeholder_uuid(value):
                continue
            if not _UUID_TAG.search(line.text[max(0, m.start() - 60):m.start()]):
                continue
            yield line.start + m.start(), line.start + m.end()


def _placeholder_uuid(value: str) -> bool:
    compact = value.replace("-", "").lower()
    return len(set(compact)) <= 4 or entropy(compact) < 2.5 or is_placeholder(compact)
