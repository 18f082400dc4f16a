"""Credentials recognised by their shape in context rather than by a key name: URL userinfo,
HTTP Authorization headers, SQL and command-line passwords, keyword-tagged UUIDs."""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Iterator

from scanner.matching.anchors import Anchor, finditer, starts
from scanner.matching.generic.judge import judge
from scanner.matching.generic.ledger import HIGH, MEDIUM, Assessment, low, record, rejected
from scanner.matching.generic.lines import (
    MAX_LINE,
    keyword_anchors,
    keyword_hits,
    lowered,
)
from scanner.matching.generic.placeholders import is_reference, placeholder_why
from scanner.matching.generic.values import entropy, is_wordlike, looks_random
from scanner.matching.schema import Rule

Span = tuple[int, int]

URL_CREDENTIALS = re.compile(
    rb"(?P<scheme>[a-zA-Z][a-zA-Z0-9+.\-]{0,30})://(?P<user>[^\s:/@'\"`<>(){}\[\]]{0,128})"
    rb":(?P<v>[^\s/@'\"`<>]{1,256})@(?P<host>[\w\-\[\]%{}$]+(?:\.[\w\-{}$]+)*)"
)
AUTH_HEADER = re.compile(
    rb"(?i)(?P<scheme>basic|bearer|token|digest)[ \t]+(?P<v>[A-Za-z0-9\-._~+/]{8,}=*)"
    rb"(?![A-Za-z0-9\-._~+/=])"
)
SQL_PASSWORD = re.compile(
    rb"""(?i)(?:identified[ \t]+(?:with[ \t]+\w+[ \t]+)?by|password)[ \t]+(?:password[ \t]+)?"""
    rb"""(?P<q>["'])(?P<v>[^"'\n]{1,256})(?P=q)"""
)
CLI_FLAG = re.compile(
    rb"""(?i)(?P<flag>[a-z-]{0,24}?(?:password|passwd|pass|pwd)|pw|secret|token|api-?key"""
    rb"""|access-token|auth-token|client-secret)"""
    rb"""(?:[=:]|[ \t]+)(?P<q>["']?)(?P<v>[^\s"'`]{1,256})(?P=q)"""
)
MYSQL_P = re.compile(rb"""-p(?P<q>["']?)(?P<v>[^\s"'`-][^\s"'`]{0,255})(?P=q)""")
CLI_USER_PASS = re.compile(
    rb"""(?:-u|--user|-U)(?:[ \t]+|=)(?P<q>["']?)[^\s:"'@/]{1,64}:(?P<v>[^\s"'@]{1,256})(?P=q)"""
)
SECURE_STRING = re.compile(
    rb"""(?i)convertto-securestring[ \t]+(?:-string[ \t]+)?(?P<q>["'])(?P<v>[^"'\n]{1,256})(?P=q)"""
)
# The tail of a UUID (the 8 hex digits before it are checked by hand): over lower-cased
# bytes, and without the lookahead for hyperscan.
_UUID_TAIL = rb"-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
UUID_TAIL = Anchor(_UUID_TAIL + rb"(?![\w-])", hyperscan=_UUID_TAIL)
_HEX8 = re.compile(rb"[0-9a-fA-F]{8}")
_UUID_TAG = re.compile(
    rb"(?i)(?:id|key|token|secret|guid|uuid|client|tenant|session|auth|account|subscription"
    rb"|app|application|credential|password|api|sig|nonce|license)\W{0,6}(?:[\w.\-]{0,40}\W{1,"
    rb"6})?$"
    # A tenant in an identity provider's URL, or a UUID that is a URI's whole authority.
    rb"|(?:microsoftonline\.com|/tenants|/subscriptions|/applications)/$|^[\w\-]*://$"
)
# COM class ids and project GUIDs are public identifiers of software, never credentials.
_UUID_PUBLIC = re.compile(rb"(?i)(?:clsid|classid|projectguid|project\(\W*)\W{0,3}[{\w:=\"']*$")
_SCHEME_BACK = re.compile(rb"[a-zA-Z0-9+.\-]{1,30}")
_WORD = re.compile(rb"[\w]")


def _decoded(value: bytes) -> str:
    return value.decode("utf-8", "replace")


def _word_start(data: bytes, pos: int) -> bool:
    return pos == 0 or not _WORD.match(data, pos - 1)


# Anchors that look past the keyword for what the full pattern needs next (a lookahead, so
# hits stay at the keyword): userinfo with a password after `://`, a credential-shaped word
# after `Basic`. Most `://` and `token` in code have neither, and never reach Python.
_USERINFO = rb"""[^\s:/@'"`<>(){}\[\]]{0,128}:[^\s/@'"`<>]{1,256}@[\w\-\[\]%{}$]"""
_USERINFO_HS = rb"""[^\s:/@'"`<>(){}\[\]]*:[^\s/@'"`<>]+@[\w\-\[\]%{}$]"""
_HEADER_VALUE = rb"[ \t]+[a-z0-9\-._~+/]{8}"


def url_anchors(rule: Rule) -> tuple[Anchor, ...]:
    return keyword_anchors(rule.keywords, b"(?=" + _USERINFO + b")", _USERINFO_HS)


def header_anchors(rule: Rule) -> tuple[Anchor, ...]:
    return keyword_anchors(rule.keywords, b"(?=" + _HEADER_VALUE + b")", _HEADER_VALUE)


def url_credentials(rule: Rule, data: bytes) -> Iterator[Span]:
    for hit in starts(url_anchors(rule), data):
        back = _SCHEME_BACK.match(data[max(0, hit - 30):hit][::-1])
        if back is None:
            continue
        m = URL_CREDENTIALS.match(data, hit - back.end())
        if m is None:
            continue
        password = _decoded(m.group("v"))
        if re.match(r"^\d{1,5}\\?$", password):
            continue  # host:port\@host: not userinfo at all
        verdict = _url_password(password, _decoded(m.group("user")))
        if _kept(rule, data, m.span("v"), verdict):
            yield m.span("v")


def _url_password(password: str, user: str) -> Assessment:
    why = placeholder_why(password)
    if why is not None:
        return rejected(f"placeholder: {why}")
    if is_reference(password) and password.isupper():
        return rejected("placeholder: a variable's name in the URL")
    if password == user:
        return rejected("placeholder: the password repeats the user name (user:user@)")
    if len(password) < 8 or is_wordlike(password):
        return low("a short or word-like password in a URL")
    return MEDIUM


def _kept(rule: Rule, data: bytes, span: Span, verdict: Assessment) -> bool:
    """Record the judgement; True when the span is a finding."""
    record(data, rule.id, span[0], span[1], verdict)
    return verdict.accepted


def auth_header(rule: Rule, data: bytes) -> Iterator[Span]:
    for hit in starts(header_anchors(rule), data):
        m = AUTH_HEADER.match(data, hit)
        if m is None or not _word_start(data, hit):
            continue
        value = _decoded(m.group("v"))
        scheme = m.group("scheme").lower()
        if scheme in (b"token", b"digest") and not _header_context(data, hit):
            continue
        why = placeholder_why(value)
        if why is not None:
            verdict = rejected(f"placeholder: {why}")
        elif not looks_random(value, 8 if scheme == b"basic" else 16):
            continue  # `Basic authentication`, `Bearer tokens`: prose, not a header
        else:
            verdict = _basic(value) if scheme == b"basic" else MEDIUM
        if _kept(rule, data, m.span("v"), verdict):
            yield m.span("v")


def _basic(value: str) -> Assessment:
    """Basic credentials are base64 of user:password: judge the password they hold."""
    try:
        text = base64.b64decode(value + "=" * (-len(value) % 4)).decode("utf-8", "replace")
    except (binascii.Error, ValueError):
        return MEDIUM
    user, sep, password = text.partition(":")
    if not sep or not password.isprintable():
        return MEDIUM
    if password == user:
        return rejected("placeholder: the password repeats the user name (user:user)")
    why = placeholder_why(password)
    if why is not None:
        return rejected(f"placeholder: {why}")
    return MEDIUM if len(password) >= 8 else low("a short password")


def _header_context(data: bytes, pos: int) -> bool:
    """`token abc` is only a header value after `Authorization`: else it is prose."""
    return b"authorization" in data[max(0, pos - 40):pos].lower()


# Where a command-line or SQL password can start, over lower-cased bytes, with the offset
# to hand on. Each pattern starts with a literal, which `re` finds at memchr speed.
# `--password`, `--db-password`, `/credpassword`, `-pw`, `--api-key`, `-storepass`...
_FLAGS = (rb"(?:[a-z-]{0,24}?(?:password|passwd|pass|pwd)|pw|secret|token|api-?key"
          rb"|access-token|auth-token|client-secret)")
# `-pSecret`: a password only to a MySQL client (_mysql_like), and only as a flag: the dashes
# start a word (_flag_start). Inside words (`re-parse`, `non-public`), `-p` was the most
# frequent anchor hit in source code.
_FLAG_BEFORE = rb"""\n \t"'`(\-"""
MYSQL_DASH_P = Anchor(rb"(?<![^" + _FLAG_BEFORE + rb"])-p[^\s\-]",
                      hyperscan=rb"(?:^|[" + _FLAG_BEFORE + rb"])-p[^\s\-]")
COMMAND_ANCHORS: tuple[tuple[Anchor, int], ...] = (
    (Anchor(rb"-" + _FLAGS + rb"[=: \t]"), 1),
    (Anchor(rb"/" + _FLAGS + rb":"), 1),
    (MYSQL_DASH_P, 1),
    (Anchor(rb"identified[ \t]"), 0),
    (Anchor(rb"password[ \t]+['\"]"), 0),
    (Anchor(rb"convertto-securestring[ \t]"), 0),
    (Anchor(rb"-u[ \t=]"), 0),
    (Anchor(rb"--user[ \t=]"), 0),
)


def command_anchors(rule: Rule) -> tuple[Anchor, ...]:
    del rule  # the same places for any rule of this kind
    return tuple(anchor for anchor, _ in COMMAND_ANCHORS)


def command_hits(data: bytes) -> list[int]:
    return sorted({m.start() + skip for anchor, skip in COMMAND_ANCHORS
                   for m in finditer(anchor, data)})


def command_password(rule: Rule, data: bytes) -> Iterator[Span]:
    """SQL `IDENTIFIED BY '...'`, `--password=...`, `-u user:pass`, ConvertTo-SecureString."""
    low_data = lowered(data)
    for hit in command_hits(data):
        for m in _command_matches(data, low_data, hit):
            value = _decoded(m.group("v"))
            if value.startswith(("//", "-")) or _negated_flag(m):
                continue  # `-u http://host`, `--no-pass -k`: not a password
            verdict = judge(_flag_family(m), value, bool(m.group("q")))
            if verdict is not None and _kept(rule, data, m.span("v"), verdict):
                yield m.span("v")


def _flag_family(m: re.Match[bytes]) -> str:
    flag = m.group("flag").lower() if "flag" in m.re.groupindex else b""
    return "secret" if flag.endswith((b"token", b"secret", b"key")) else "password"


def _command_matches(data: bytes, low: bytes, hit: int) -> Iterator[re.Match[bytes]]:
    if low.startswith((b"-u", b"--user"), hit) and (hit == 0 or data[hit - 1:hit].isspace()):
        yield from _some(CLI_USER_PASS.match(data, hit))
        return
    while data[hit:hit + 1] == b"-":
        hit += 1  # a `-pw` or `-p` keyword hit: look at the flag's name
    before = data[max(0, hit - 2):hit]
    sql_password = low.startswith(b"password", hit) and bool(
        re.search(rb"\b(?:with|encrypted|login)\b", low[max(0, hit - 30):hit]))
    if low.startswith(b"identified", hit) or sql_password:
        m = SQL_PASSWORD.match(data, hit)
        if m is not None:
            yield m
    if low.startswith(b"convertto-securestring", hit):
        yield from _some(SECURE_STRING.match(data, hit))
    if before.endswith((b"-", b"/")) and _flag_start(data, hit):
        flag = CLI_FLAG.match(data, hit)
        if flag is not None:
            yield flag
        elif low.startswith(b"p", hit) and _mysql_like(data, hit):
            yield from _some(MYSQL_P.match(data, hit - 1))


def _negated_flag(m: re.Match[bytes]) -> bool:
    return "flag" in m.re.groupindex and m.group("flag").lower().startswith((b"no-", b"no_"))


def _some(m: re.Match[bytes] | None) -> Iterator[re.Match[bytes]]:
    if m is not None:
        yield m


def _flag_start(data: bytes, hit: int) -> bool:
    """`--password`, `-password`, `/password:` at the start of a word."""
    i = hit - 1
    while i > 0 and data[i - 1:i] == b"-":
        i -= 1
    return i == 0 or data[i - 1:i] in (b" ", b"\t", b'"', b"'", b"`", b"(", b"\n")


_MYSQL_COMMAND = re.compile(rb"(?:^|[\s;|&`\"'(/])(?:mysql|mysqldump|mysqladmin|mariadb)"
                            rb"(?:\.exe)?[ \t]")


def _mysql_like(data: bytes, hit: int) -> bool:
    """`-pSecret` is a password to the MySQL family of clients; to most tools `-p...` is a
    port, a path or another flag."""
    lo = max(data.rfind(b"\n", 0, hit) + 1, hit - MAX_LINE)  # minified: the window before
    return bool(_MYSQL_COMMAND.search(data[lo:hit]))


def uuid_anchors(rule: Rule) -> tuple[Anchor, ...]:
    del rule
    return (UUID_TAIL,)


def literal_anchors(rule: Rule) -> tuple[Anchor, ...]:
    """The rule's keywords themselves (jwk-private, detect-secrets' plugins)."""
    return keyword_anchors(rule.keywords)


def tagged_uuid(rule: Rule, data: bytes) -> Iterator[Span]:
    """A UUID named like a key, token, client or tenant id; placeholders like all-zero or
    1234... UUIDs are left out. Found by its literal-led tail: far faster than a full scan."""
    for m in finditer(UUID_TAIL, data):
        start = m.start() - 8
        if start < 0 or not _HEX8.match(data, start):
            continue
        if start > 0 and (_WORD.match(data, start - 1) or data[start - 1:start] == b"-"):
            continue
        before = data[max(0, start - 80):start]
        tag = _UUID_TAG.search(before)
        if tag is None:
            continue
        value = _decoded(data[start:m.end()])
        if _UUID_PUBLIC.search(before[-24:]):
            verdict = rejected("not a secret: a COM class or project id names software",
                               "not-a-secret")
        elif _placeholder_uuid(value):
            verdict = rejected("placeholder: an all-zero, repeated or sequential UUID")
        else:
            verdict = uuid_verdict(_tag_name(before, tag.start()))
        if _kept(rule, data, (start, m.end()), verdict):
            yield start, m.end()


def _placeholder_uuid(value: str) -> bool:
    compact = value.replace("-", "").lower()
    return len(set(compact)) <= 4 or entropy(compact) < 2.5 or placeholder_why(compact) is not None


# What a UUID's name says it is. A secret's name: a warning-worthy credential. An account,
# client, tenant, request or other id: kept at low confidence, a note (half of a credential
# at most, or an identifier that grants nothing; `--min-confidence medium` leaves them out).
# An anti-forgery token: no credential at all.
_SECRET_NOUN = re.compile(r"(?:secret|token|password|passwd|pwd|credential|apikey|api_key"
                          r"|(?<![ck]i)key|auth|signature)s?\W*$")
_EVENT_ID = re.compile(r"(?:request|trace|span|correlation|transaction|idempotency|message"
                       r"|event|commit|build|run|job|operation|activity)[\W_]*(?:id|key|guid"
                       r"|uuid)?\W*$")
_ANTI_FORGERY = re.compile(r"csrf|xsrf|authenticity|nonce")
_ACCOUNT_WORD = re.compile(r"(?:client|tenant|subscription|app|application|account|user"
                           r"|session|project|workspace|org|organi[sz]ation|device)[\W_]*"
                           r"(?:id|key|guid|uuid)?\W*$")


_NAME_BEFORE = re.compile(rb"[\w.\-]+[^\w]*$")


def _tag_name(before: bytes, tag_start: int) -> str:
    """The whole name the UUID is given (`X-CSRF-TOKEN: `), from the keyword the tag found."""
    m = _NAME_BEFORE.search(before, max(0, tag_start - 40))
    start = min(m.start(), tag_start) if m else tag_start
    return _decoded(before[start:])


def uuid_verdict(tag: str) -> Assessment:
    """The judgement of a UUID from the name before it (`tag`, as the source spells it)."""
    name = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", tag).lower()
    name = name.split("?")[-1]
    if _ANTI_FORGERY.search(name):
        return rejected("not a secret: an anti-forgery token or nonce", "not-a-secret")
    if _EVENT_ID.search(name):
        return low("a UUID named as the id of a request, trace or event: it grants nothing")
    if _SECRET_NOUN.search(name) and not _ACCOUNT_WORD.search(name):
        return MEDIUM
    return low("a UUID named as an id: it identifies an account, client or object")


JWK_PRIVATE = re.compile(
    rb"""(?<![\w$])\\?["']?(?P<name>d|p|q|dp|dq|qi|k)\\?["']?[ \t]*[:=][ \t]*\\?["']"""
    rb"""(?P<v>[A-Za-z0-9_\-]{16,})\\?["']"""
)
_JWK_WINDOW = 1500  # bytes either side of a `kty` member: one JSON Web Key object


def jwk_private(rule: Rule, data: bytes) -> Iterator[Span]:
    """The private members of a JSON Web Key (d, p, q, dp, dq, qi; k of a symmetric key)
    near its `kty`: the key itself, whatever the variable around it is called. The windows
    around the `kty` hits are merged first, so each byte is searched once however many
    `kty` a stretch of the blob holds."""
    for lo, hi in _merged_windows(keyword_hits(rule.keywords, data), _JWK_WINDOW, len(data)):
        for m in JWK_PRIVATE.finditer(data, lo, hi):
            value = _decoded(m.group("v"))
            if not looks_random(value, 16):
                continue
            why = placeholder_why(value)
            verdict = rejected(f"placeholder: {why}") if why else HIGH
            if _kept(rule, data, m.span("v"), verdict):
                yield m.span("v")


def _merged_windows(hits: list[int], radius: int, size: int) -> Iterator[tuple[int, int]]:
    lo = hi = -1
    for hit in hits:
        if hit - radius > hi:
            if hi > lo:
                yield lo, hi
            lo = max(0, hit - radius)
        hi = min(size, hit + radius)
    if hi > lo:
        yield lo, hi
