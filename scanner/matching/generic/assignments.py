"""Keyed assignments: a credential-sounding name given a literal value, in any syntax.

    password = "..."      db_password: ...       "apiToken": "..."     -e DB_PASS=...
    $cfg['pass'] = '...'  :secret => '...'       <password>...</password>
    setPassword("...")    ("client_secret", "...")

The key decides the family (password-like or token-like); the value must be a literal, not a
reference to something else; judge.py decides whether the literal is a secret, and how sure
it is, and the ledger keeps that judgement for every candidate.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache

from scanner.matching.anchors import Anchor, line_starts, match_lines
from scanner.matching.generic.judge import judge
from scanner.matching.generic.ledger import Assessment, record
from scanner.matching.generic.lines import keyword_anchors
from scanner.matching.schema import Rule

# A quoted literal: \"...\" (inside an encoded string), "...", '...' or `...`.
_QUOTED = (
    rb"""(?:\\(?P<eq>["'])(?P<ev>(?:(?!\\(?P=eq)).){1,400}?)\\(?P=eq)"""
    rb"""|(?P<q>["'`])(?P<qv>(?:\\.|(?!(?P=q))[^\\\n]){1,400}?)(?P=q))"""
)
_UNQUOTED = rb"""(?P<uv>[^\s"'`,;)}\]<>|&\\]{1,200})"""
_KEY = rb"""(?P<key>[A-Za-z_@$][\w.\-$]{0,80}?)"""
# What may stand between a separator and the literal: a conversion to bytes or a string
# ([]byte("..."), Buffer.from('...'), SecretStr("...")), and a string literal's prefix (b'...',
# r"...", u8"...", C#'s @"..." and $"...", C++'s L"...").
_WRAPPER = (rb"""(?:(?:\[\]byte|bytes|bytearray|Buffer\.from|String|str|new[ \t]+String|SecretStr"""
            rb"""|SecureString|NewString)[ \t]*\([ \t]*)?""")
_PREFIX = rb"""(?:[bBrRuUfFL]{1,2}(?=["'])|u8(?=["'])|[@$]{1,2}(?="))?"""
ASSIGNMENT = re.compile(
    _KEY + rb"""(?P<kq>\\?["'])?[ \t]*(?:\][ \t]*|\)[ \t]*(?=[=!]==?[^=>]))?"""
    rb"""(?P<sep>:=|=>|===|!==|==|!=|\+=|=|:(?!:)|<-)[ \t]*(?:\([ \t]*)?"""
    + _WRAPPER + rb"(?:" + _PREFIX + _QUOTED + rb"|" + _UNQUOTED + rb")"
)
# ("password", "...") pairs and setPassword("...") calls: the value is always quoted.
PAIR = re.compile(rb"""(?P<kq>["'])""" + _KEY + rb"""(?P=kq)[ \t]*,[ \t]*""" + _QUOTED
                  + rb"[ \t]*[)}]")
CALL = re.compile(_KEY + rb"[ \t]*\([ \t]*" + _QUOTED + rb"[ \t]*\)")
# A credential's constructor or login call given a user and a password:
# new NetworkCredential("user", "..."), HTTPBasicAuth('user', '...'). The second literal.
CALL2 = re.compile(_KEY + rb"""[ \t]*\([ \t]*(?P<q1>["'])(?:\\.|(?!(?P=q1))[^\\\n]){0,200}"""
                   rb"""(?P=q1)[ \t]*,[ \t]*""" + _QUOTED + rb"[ \t]*[,)]")
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
# Run-together names: apitoken, accesstoken, clientsecret, appsecretkey.
_SECRET_ENDINGS = ("token", "secret", "apikey", "secretkey", "accesskey", "privatekey")
# A name holding one of these is about a credential that is not itself secret.
# Anti-forgery values (CSRF tokens, Rails' authenticity token, CSP and OAuth nonces) are sent
# to every visitor: they protect a session, they do not grant one.
NOT_SECRET_QUALIFIERS = frozenset({"public", "pub", "encrypted", "hashed", "hash", "crypted",
                                   "bcrypt", "digest", "fingerprint", "checksum", "mock",
                                   "fake", "dummy", "example", "sample", "placeholder",
                                   "csrf", "xsrf", "authenticity", "nonce", "existing"})
# Bare names that hold a secret only when the value looks generated. (A signature is derived
# from a secret and reveals nothing: it is not one of them.)
BARE_KEY_WORDS = frozenset({"key", "auth", "authorization", "salt", "seed"})
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
    "here", "incorrect", "wrong", "mismatch", "missing", "help", "tip", "tooltip", "caption",
    "text", "msg",
})


Span = tuple[int, int]


@dataclass(frozen=True, slots=True)
class Candidate:
    key: str
    value: str
    start: int  # byte offsets of the value in the blob
    end: int
    quoted: bool


def key_words(key: str) -> list[str]:
    """`opts.DBPassword` -> ['db', 'password']: the last name segment, split into words."""
    last = re.split(r"\.|::|->|\[|'|\"", key.strip("$@:'\"[]"))[-1] or key
    words = (w.rstrip("0123456789") for w in _SPLIT.split(_CAMEL.sub("_", last).lower()))
    return [w for w in words if w]


@lru_cache(maxsize=4096)
def key_family(key: str) -> str | None:
    """'password', 'secret', 'key' (a bare key/salt/auth: needs a random-looking value) or
    None when the name is not a credential's."""
    words = key_words(key)
    if not words or any(w in NOT_SECRET_QUALIFIERS for w in words):
        return None
    for i, word in enumerate(words):
        if _is_password_word(word):
            tail = words[i + 1:]
            if len(tail) > 1 or (tail and tail[-1] in NOT_SECRET_SUFFIX) or tail == ["key"]:
                return None  # password_file, passwordKey (the name a password is kept under)
            return "password"
    last = words[-1]
    if last in ("salt", "seed") or (last in BARE_KEY_WORDS and len(words) == 1):
        return "key"
    if last in NOT_SECRET_SUFFIX:
        return None
    if any(w in SECRET_WORDS for w in words) or last.endswith(_SECRET_ENDINGS):
        return "secret"
    if last in ("code", "verifier") and len(words) > 1 and words[-2] in ("auth", "oauth",
                                                                          "authorization"):
        return "secret"
    if last in ("key", "keys", "auth", "authorization") and words[-2:-1] and (
        words[-2] in KEY_QUALIFIERS
    ):
        return "secret"
    if last in BARE_KEY_WORDS or (last.endswith("key") and len(last) <= 6):
        return "key"  # nkey, pkey, skey, hmackey: a compound key name
    return None


def _is_password_word(word: str) -> bool:
    return word in PASSWORD_WORDS or "password" in word or "passwd" in word or (
        word.endswith(("pass", "pwd")) and len(word) <= 10 and word not in ("bypass", "compass")
    )


# A separator, or the `(` of a call given a quoted literal (CALL, the only form a `(` can
# start): `keys()`, `get_key(name)` and `authenticate(request)` are a third of the `key` and
# `auth` hits in Python code, and never reach Python now.
# Also a name that a sibling `value=` attribute follows (NAME_VALUE, `key="DbPassword"
# value="..."`).
_NAME_THEN_SEPARATOR_PLAIN = (rb"""[\w.\-$]{0,60}(?:\\?["'][ \t]*[\])]?[ \t]*(?:[:=,!+]|<-)"""
                              rb"""|[ \t]*[\])]?[ \t]*(?:[:=!+]|<-)|[ \t]*\([ \t]*\\?["'`]|>"""
                              rb"""|\\?["'][ \t]+value[ \t]*=)""")
# The possessive repeat only saves `re` from backtracking into the name: no separator can start
# with a name character, so the plain repeat matches the same lines. Hyperscan has no
# possessive repeats, and Python 3.10's `re` has none either (they arrived in 3.11).
_NAME_THEN_SEPARATOR_HS = _NAME_THEN_SEPARATOR_PLAIN
_NAME_THEN_SEPARATOR = (_NAME_THEN_SEPARATOR_PLAIN.replace(b"{0,60}", b"{0,60}+", 1)
                        if sys.version_info >= (3, 11) else _NAME_THEN_SEPARATOR_PLAIN)


# A credential's name given as a name field's value, alone at the end of its line: `- name:
# DB_PASSWORD`, its value on the next line (NAME_VALUE). The hit is at `name`; candidates()
# moves it to the credential's name (_NAMED_HIT). Hyperscan has no lookahead: its form stops
# before the line's end, a superset.
_NAMED_LINE = (rb"""(?:name|key|param|variable|env)["']?[ \t]*[:=][ \t]*["']?[\w.\-$]{0,60}"""
               rb"""(?:pass|pwd|secret|token|key|auth|cred)[\w.\-$]{0,60}["']?[ \t]*""")
NAMED_LINE = Anchor(_NAMED_LINE + rb"""\r?(?:(?=\n)|$)""", hyperscan=_NAMED_LINE)
_NAMED_HIT = re.compile(rb"""(?i)(?:name|key|param|variable|env)["']?[ \t]*[:=][ \t]*["']?"""
                        rb"""(?=""" + _NAMED_LINE[_NAMED_LINE.index(rb"[\w"):] + rb"""\r?$)""",
                        re.MULTILINE)


def assignment_anchors(rule: Rule) -> tuple[Anchor, ...]:
    """A keyword of the rule inside a name that a separator follows (`db_password =`), and a
    credential's name alone on its line as a name field's value (NAMED_LINE)."""
    return (*keyword_anchors(rule.keywords, _NAME_THEN_SEPARATOR, _NAME_THEN_SEPARATOR_HS),
            NAMED_LINE)


_IDENT_BACK = re.compile(rb"[\w.\-$]{0,80}")


def key_start(data: bytes, hit: int) -> int:
    """Where the name around a keyword hit begins: `opts.DBPassword` for a hit on `pass`."""
    back = _IDENT_BACK.match(data[max(0, hit - 80):hit][::-1])
    start = hit - (back.end() if back else 0)
    while start < hit and data[start] in b"-.":
        start += 1  # `--password=`: the name, not its dashes
    if start > 0 and data[start - 1:start] == b"@":
        start -= 1  # Ruby and PHP-annotation names: `@password = ...`
    return start


_IDENT = re.compile(rb"[\w.\-$]{1,200}")


def candidates(data: bytes, hits: list[int], families: frozenset[str],
               xml: list[int] | None = None) -> Iterator[Candidate]:
    """Assignments whose name holds a keyword hit and names one of `families`; each name is
    tried once, and the name is judged before any value pattern runs. Hits whose name opens
    an XML element (the one form that may span lines) are appended to `xml`, if given."""
    tried = consumed = -1
    for hit in hits:
        if hit < consumed:
            continue  # inside the value just read (`key=key=key=...`: each byte read once)
        named = _NAMED_HIT.match(data, hit)
        if named is not None:
            hit = named.end()  # a NAMED_LINE hit: the credential's name after `name: `
        start = key_start(data, hit)
        if start == tried:
            continue
        tried = start
        if data[start - 1:start] == b"/":
            continue  # `"ops/pgpass":`, `/api/reset_password`: a path's segment, not a name
        name = _IDENT.match(data, start)
        if name is None or key_family(name.group().decode("utf-8", "replace")) not in families:
            continue
        if _NAMED_BY.search(data, max(0, start - 24), start - (data[start - 1:start] in
                                                                (b'"', b"'"))):
            cand = _sibling_value(data, start, name.end(), xml)
            if cand is not None:
                consumed = cand.end
                yield cand
                continue
        before = data[start - 1:start] if start else b""
        attempts = [ASSIGNMENT, CALL, CALL2]
        if before in (b'"', b"'"):
            attempts.append(PAIR)
        elif before == b"<":
            attempts.append(XML)
            if xml is not None:
                xml.append(hit)
        for rx in attempts:
            m = rx.match(data, start - 1 if rx in (PAIR, XML) else start)
            cand = _candidate(m) if m is not None else None
            if cand is not None:
                # An unquoted value runs to the next delimiter, up to 200 bytes: hits inside
                # it are not read again (`key=key=key=...`). A quoted one may be a name
                # itself (`"key": "api_token", "value": ...`): its hits are.
                consumed = cand.start if cand.quoted else cand.end
                yield cand
                break


# A name given as the value of a name-like field: `- name: DB_PASSWORD`, `key="DbPassword"`,
# `{"key": "password", ...`, `<param name="secret" ...`.
_NAMED_BY = re.compile(rb"""(?i)(?:^|[\s{,<(\-])["']?(?:name|key|id|param|parameter|variable|env"""
                       rb"""|setting|property)["']?[ \t]*[:=][ \t]*["']?$""")
# Its sibling value, on the same line or one of the next two.
_SIBLING_VALUE = re.compile(rb"""(?i)["']?(?P<key>value)["']?[ \t]*[:=][ \t]*(?:""" + _QUOTED
                            + rb"|" + _UNQUOTED + rb")")
_LINE_START = re.compile(rb"""[ \t]*-?[ \t]*(?=["']?value["']?[ \t]*[:=])""", re.IGNORECASE)


def _sibling_value(data: bytes, start: int, name_end: int, xml: list[int] | None
                   ) -> Candidate | None:
    """NAME_VALUE: the value beside a name given as a field's value (Kubernetes env lists,
    .NET appSettings, Spring XML properties, Postman and other key/value JSON)."""
    line_end = data.find(b"\n", name_end)
    line_end = len(data) if line_end < 0 else line_end
    m = _SIBLING_VALUE.search(data, name_end, min(line_end, name_end + 240))
    if m is None:  # the next lines (YAML): `  value: ...`, alone on its line
        if xml is not None:
            xml.append(start)  # read past the line: never remembered by line content
        pos = line_end + 1
        for _ in range(2):
            lead = _LINE_START.match(data, pos)
            if lead is not None:
                m = _SIBLING_VALUE.match(data, lead.end())
                break
            nxt = data.find(b"\n", pos)
            if nxt < 0:
                break
            pos = nxt + 1
    cand = _candidate(m) if m is not None else None
    if cand is None:
        return None
    name = data[start:name_end].decode("utf-8", "replace")
    return Candidate(name, cand.value, cand.start, cand.end, cand.quoted)


_GENERIC_TYPE = re.compile(rb"<[A-Za-z_]")
_UNQUOTED_END = re.compile(rb"""[ \t]*(?:$|[,;})\]&#\r\n<]|//|\\[nr])|["'`]""")


def _shell_style(m: re.Match[bytes]) -> bool:
    """`KEY=value next-arg`: with no space around `=`, a word ends at the next space (shell
    and docker `-e` variables, msfvenom and sqlmap options)."""
    if "sep" not in m.re.groupindex or m.group("sep") != b"=":
        return False
    return m.end("key") == m.start("sep") and m.end("sep") == m.start("uv")


def _candidate(m: re.Match[bytes]) -> Candidate | None:
    for group, quoted in (("ev", True), ("qv", True), ("uv", False), ("xv", False)):
        if group in m.re.groupindex and m.start(group) >= 0:
            if group == "uv" and not _UNQUOTED_END.match(m.string, m.end(group)) and not (
                _shell_style(m)
            ):
                return None  # `password = ConvertTo-SecureString '...'`: an expression
            if group == "uv" and m.string[m.start() - 1:m.start()] == b"(" and m.string[
                    m.end(group):m.end(group) + 1] == b")":
                return None  # `(password=x)`: an LDAP or S-expression filter, not a value
            if group == "uv" and _GENERIC_TYPE.match(m.string, m.end(group)):
                return None  # `token: LazyLock<Token>`, `key: Map<String, ...>`: a type
            if group == "uv" and b"(" in m.group(group):
                return None  # `creds = NetworkCredential(...)`: a call, looked into itself
            return Candidate(m.group("key").decode("utf-8", "replace"),
                             m.group(group).decode("utf-8", "replace"), m.start(group),
                             m.end(group), quoted)
    raise AssertionError("every pattern has a value group")  # pragma: no cover


# What each line with an anchor hit yields, by line content: code repeats itself (licence
# headers, boilerplate, a file's next version in history), and two thirds of the lines with
# an assignment hit in a tree of real packages have been seen before. Exact: everything the
# detector reads lies on the hit's line, except an XML element's attributes, so a line where
# an XML form was tried is worked out in its blob and never remembered.
Judged = tuple[int, int, Assessment]
_LINE_MEMO: dict[tuple[tuple[str, ...], frozenset[str]], dict[bytes, tuple[Judged, ...]]] = {}
_MEMO_MAX_LINE = 2048  # longer lines (minified code) are worked out, not remembered
_MEMO_MAX_ENTRIES = 200_000  # bounds a worker's memory on a huge history


def assignment_spans(rule: Rule, data: bytes, families: frozenset[str]) -> Iterator[Span]:
    """The accepted spans; every judged candidate goes to the ledger."""
    for start, end, verdict in _judged(rule, data, families):
        record(data, rule.id, start, end, verdict)
        if verdict.accepted:
            yield start, end


def _judged(rule: Rule, data: bytes, families: frozenset[str]) -> Iterator[Judged]:
    anchors = assignment_anchors(rule)
    memo = _LINE_MEMO.setdefault((rule.keywords, families), {})
    for lo, hi, on_line in match_lines(anchors, data):
        if hi - lo > _MEMO_MAX_LINE:
            yield from _judge_all(data, _line_hits(on_line, data, lo, hi), families)
            continue
        line = data[lo:hi]
        found = memo.get(line)
        if found is None:
            xml: list[int] = []
            found = tuple(_judge_all(line, _line_hits(on_line, line, 0, len(line)), families,
                                     xml))
            if xml:  # an XML element may continue on the next lines: its blob decides
                yield from _judge_all(data, _line_hits(on_line, data, lo, hi), families)
                continue
            if len(memo) >= _MEMO_MAX_ENTRIES:
                memo.clear()
            memo[line] = found
        for start, end, verdict in found:
            yield start + lo, end + lo, verdict


def _line_hits(anchors: list[Anchor], data: bytes, lo: int, hi: int) -> list[int]:
    """Sorted start offsets of the anchors' matches on the line data[lo:hi]."""
    return sorted(line_starts(anchors, data, lo, hi))


def _judge_all(data: bytes, hits: list[int], families: frozenset[str],
               xml: list[int] | None = None) -> Iterator[Judged]:
    for cand in candidates(data, hits, families, xml):
        family = key_family(cand.key)
        verdict = judge(family, cand.value, cand.quoted) if family in families else None
        if verdict is not None:
            yield cand.start, cand.end, verdict


def password_plugin(rule: Rule, data: bytes) -> Iterator[tuple[int, int]]:
    return assignment_spans(rule, data, frozenset({"password"}))


def secret_plugin(rule: Rule, data: bytes) -> Iterator[tuple[int, int]]:
    return assignment_spans(rule, data, frozenset({"secret", "key"}))
