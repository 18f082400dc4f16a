"""Is a candidate value a real-looking secret, or a placeholder, template or reference?

Generic rules see every `password = ...` in a code base; most of the values are not secrets
but names of other variables, template holes, masked examples or the words people type
when they mean "put the real one here". These checks recognise those from the value's shape
alone, in any language or config format. A marker word inside a value makes it a placeholder
only when the rest of the value is decoration (`my-secret-123`, `testpassword`): a random
password that happens to contain `pass` (`Vq7#passMx92!Lz`) stays a secret.
"""

from __future__ import annotations

import base64
import binascii
import itertools
import re

from scanner.matching.generic.values import common_pair_share, is_wordlike, made_of_words

# Words that stand for a secret rather than being one (compared after lower-casing and
# dropping everything but letters and digits).
PLACEHOLDER_WORDS = frozenset({
    "changeme", "changeit", "password", "passwd", "passw0rd", "pass", "pwd", "secret",
    "secrets", "token", "key", "apikey", "test", "testing", "tester", "example", "sample",
    "dummy", "fake", "foo", "bar", "baz", "qux", "foobar", "admin", "root", "user",
    "username", "guest", "default", "value", "none", "null", "nil", "undefined", "true",
    "false", "empty", "blank", "redacted", "removed", "hidden", "masked", "todo", "tbd",
    "fixme", "qwerty", "letmein", "welcome", "abc", "abc123", "abcd", "abcdef", "asdf",
    "asdfgh", "hello", "world", "helloworld", "demo", "temp", "tmp", "mysecret",
    "mypassword", "yourpassword", "yoursecret", "secret123", "password1", "password123",
    "topsecret", "supersecret", "s3cr3t", "p4ssw0rd", "passwort", "contrasena", "motdepasse",
    "string", "str", "bytes", "int", "bool", "boolean", "number", "object", "any", "self",
    "this", "new", "function", "return", "required", "optional", "invalid", "valid", "wrong",
    "bad", "good", "correct", "incorrect", "old", "current", "confirm", "text",
    "toor", "client", "server", "hunter2", "trustno1", "iloveyou", "monkey", "dragon", "master",
    "sesame",
})
# Words that mark a value as a stand-in wherever they sit in it; the value is a placeholder
# when what remains without them is decoration (placeholder_why).
MARKERS = ("example", "changeme", "changethis", "change", "placeholder", "your", "dummy",
           "fake", "sample", "redacted", "replace", "insert", "enter", "todo", "mock",
           "lorem", "ipsum", "foo", "bar", "default", "password", "passwd", "pass", "pwd",
           "secret", "token", "apikey", "api", "key", "test", "letmein", "qwerty", "admin",
           "demo", "here", "value", "xxx")
_MARKER = re.compile("|".join(sorted(MARKERS, key=len, reverse=True)))
# Read with digits as letters, a random value spells short words by chance (4p! -> api):
# only the long markers count there.
_LONG_MARKER = re.compile("|".join(sorted((m for m in MARKERS if len(m) >= 5), key=len,
                                          reverse=True)))
# How digits and symbols stand in for letters in "clever" placeholders (p@ssw0rd, s3cr3t).
_LEET = str.maketrans("0134579@$!§", "oleastgasis")
_NOT_ALNUM = re.compile(r"[^a-z0-9]")
_LETTERS = re.compile(r"[a-z]+")
_CASE_FLIP = re.compile(r"[a-z][A-Z]")  # people capitalise words; generators flip at random
_TEMPLATE = re.compile(
    r"^\$\{.*\}$|^\$\(.*\)$|^\{\{.*\}\}$|^\{%.*%\}$|^<%.*%>$|^<[^<>]+>$|^\{[\w.\-: ]*\}?$"
    r"|^%\([\w.]+\)[sdr]$|^%[sdr]$|^%[\w.]+%$|^@[\w.]+@$|^__[\w]+__$|^\[[\w\s.\-]+\]$"
    r"|^\$[A-Za-z_{][\w{}]*$|#\{|^\$\$?\w+\$?$|\{\{|\}\}|\$\{|%\(\w+\)s"
)
# A printf verb standing alone (`%s`, `%-10s`, `%1$s`, `%v`, `%q`): a format string, filled in
# at run time. Inside URL-encoded text a `%2f` follows a letter or digit and is not one.
_PRINTF = re.compile(r"(?:^|[\s=:/\"'(,])%[-+ #0]*(?:\d+\$)?\d*(?:\.\d+)?[sdvqxfegp]"
                     r"(?=$|[\s\"',;:/&)\]}])")
_ELIDED = re.compile(r"\.\.\.|…|·{3}")
_MASK = re.compile(r"^[xX*#•.\-_0 ]+$|^(.)\1{3,}$")
_ATTRIBUTE = re.compile(r"^[A-Za-z_$][\w$]*(?:(?:\.|::|->|\?\.)[A-Za-z_$][\w$]*)+$")
_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_CALL_OR_INDEX = re.compile(r"[()\[\]]")
# Sigils of variables, references and symbols: $var, @ivar, &ref, *ptr, %hash, :symbol, and
# the negation of a flag (!isVisible).
_SIGIL = re.compile(r"^[$@&*%:!][A-Za-z_{]")
_OPTIONAL = re.compile(r"[?!]+$")  # Kotlin, Swift and TypeScript optional types: Token?
_BASE64 = re.compile(r"^[A-Za-z0-9+/]{8,}={0,2}$")
_PRINTABLE = re.compile(r"^[\x20-\x7e\t\r\n]+$")
_EMPTY_PEM = re.compile(r"^-----BEGIN [A-Z0-9 ]+-----\s*-----END [A-Z0-9 ]+-----\s*$")
# Runs of neighbouring keys or letters: alphabet and digits both ways, the keyboard's rows,
# and its columns (1qaz2wsx...).
_RUNS = ("abcdefghijklmnopqrstuvwxyz", "0123456789", "qwertyuiop", "asdfghjkl", "zxcvbnm",
         "1qaz2wsx3edc4rfv5tgb6yhn7ujm8ik9ol0p", "qazwsxedcrfvtgbyhnujmikolp")
_NEIGHBOURS = frozenset(pair for run in _RUNS for text in (run, run[::-1])
                        for pair in itertools.pairwise(text))
_BOTH_WAYS = tuple(text for run in _RUNS for text in (run, run[::-1]))
_MIN_RUN = 4
# Keyboard runs are looked for in values up to this long: placeholders are short, and the
# character-by-character run search must stay cheap on hostile input.
_MAX_DECORATED = 64


def is_sequential(value: str) -> bool:
    """abcdef, 123456, qwerty: the whole value is one keyboard or alphabet run."""
    lowered = value.lower()
    return len(lowered) >= _MIN_RUN and any(lowered in run for run in _BOTH_WAYS)


def _run_lengths(text: str) -> list[int]:
    runs, run = [], 1
    for a, b in itertools.pairwise(text):
        if (a, b) in _NEIGHBOURS:
            run += 1
        else:
            runs.append(run)
            run = 1
    runs.append(run)
    return runs


def _without_runs(text: str) -> str:
    """text with its keyboard and alphabet runs of 4 or more characters taken out."""
    out, start = [], 0
    for length in _run_lengths(text):
        if length < _MIN_RUN:
            out.append(text[start:start + length])
        start += length
    return "".join(out)


def placeholder_why(value: str) -> str | None:
    """Why the value is a template hole, a masked value, a stand-in word or an obvious test
    value; None when it may be a real secret."""
    stripped = value.strip()
    if len(stripped) < 3 or _MASK.match(stripped):
        return "a masked value"
    if _TEMPLATE.search(stripped):
        return "a template variable"
    if _PRINTF.search(stripped):
        return "a format string filled in at run time"
    if _ELIDED.search(stripped):
        return "an elided example (...)"
    lowered = stripped.lower()
    compact = _NOT_ALNUM.sub("", lowered)
    if not compact and any(c.isalpha() for c in stripped):
        return None  # words in another script (Пароль, 密码): judged as words, not here
    leet = _NOT_ALNUM.sub("", lowered.translate(_LEET))  # p@ssw0rd, P4§$w0rd: password
    if not compact or compact in PLACEHOLDER_WORDS or leet in PLACEHOLDER_WORDS:
        return f"a stand-in word ({stripped[:24]!r})"
    if is_sequential(compact):
        return "a keyboard or alphabet run"
    distinct = len(set(stripped.lower()))
    if (len(stripped) >= 6 and distinct <= 2) or (len(stripped) >= 10 and distinct <= 3):
        return "one to three characters repeated"
    decorated = (_decoration_only(compact, leet) if len(_CASE_FLIP.findall(stripped)) < 2
                 else None)
    if decorated:
        return decorated
    decoded = _decoded_text(stripped) if len(stripped) <= _MAX_DECORATED * 2 else None
    if decoded is not None and _EMPTY_PEM.match(decoded):
        return "an encoding of an empty PEM envelope"
    if decoded is not None and (placeholder_why(decoded) or is_wordlike(decoded)):
        return "an encoding of a placeholder or of words"
    return None


def _decoration_only(compact: str, leet: str) -> str | None:
    """Marker words (also spelled with digits for letters) plus decoration: what is left
    without them and without keyboard runs is short, digits or words. (Not asked of values
    whose letters flip case at random: people capitalise words, generators do not care.)"""
    short = len(compact) <= _MAX_DECORATED  # runs are looked for in short values only
    for text, markers in ((compact, _MARKER), (leet, _LONG_MARKER)):
        marker = markers.search(text)
        if marker is None:
            continue
        rest = markers.sub("", text)
        rest = _without_runs(rest) if short else rest
        letters = "".join(_LETTERS.findall(rest))
        if len(rest) < 5 or (rest.isdigit() and len(rest) <= 8) or (
                len(rest) - len(letters) <= 4 and (len(letters) <= 3 or
                                                   common_pair_share(letters) >= 0.8)):
            return f"the marker word {marker.group()!r} with decoration"
    if short and len(compact) >= 8 and len(_without_runs(compact)) < 3:
        return "keyboard or alphabet runs"  # the alphabet, a keyboard row and a digit or two
    return None


def _decoded_text(value: str) -> str | None:
    """The text a base64 or hex value encodes, when it encodes printable text."""
    raw: bytes | None = None
    if len(value) >= 8 and len(value) % 2 == 0 and re.fullmatch(r"[0-9a-fA-F]+", value):
        raw = bytes.fromhex(value)
    elif _BASE64.match(value) and len(value) % 4 == 0:
        try:
            raw = base64.b64decode(value, validate=True)
        except (binascii.Error, ValueError):
            raw = None
    if not raw:
        return None
    text = raw.decode("ascii", "replace")
    if not _PRINTABLE.match(text) or len(_NOT_ALNUM.sub("", text.lower())) < 4:
        return None
    return text


def is_placeholder(value: str) -> bool:
    """A template hole, a masked value, a stand-in word or an obvious test value."""
    return placeholder_why(value) is not None


def is_reference(value: str) -> bool:
    """An unquoted value that names something else: a variable, attribute, constant, call,
    environment lookup, symbol or type, as in `password = config.password`, `pwd: string`,
    `:password => :digest`. A bare run of random letters (`qZvTmw`) is a literal: in YAML,
    .env and .properties files unquoted values are the values themselves."""
    if _CALL_OR_INDEX.search(value) or _SIGIL.match(value) or _ATTRIBUTE.match(value):
        return True
    name = _OPTIONAL.sub("", value)
    return bool(_IDENTIFIER.match(name)) and made_of_words(name)
