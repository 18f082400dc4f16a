"""Is a candidate value a real-looking secret, or a placeholder, template or reference?

Generic rules see every `password = ...` in a code base; most of the values are not secrets
but names of other variables, template holes, masked examples or the words people type
when they mean "put the real one here". These checks keep those out, from the value's shape
alone, in any language or config format.
"""

from __future__ import annotations

import re

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
    "123", "1234", "12345", "123456", "1234567", "12345678", "123456789", "1234567890",
    "topsecret", "supersecret", "s3cr3t", "p4ssw0rd", "passwort", "contrasena", "motdepasse",
    "string", "str", "bytes", "int", "bool", "boolean", "number", "object", "any", "self",
    "this", "new", "function", "return", "required", "optional", "invalid", "valid", "wrong",
    "bad", "good", "correct", "incorrect", "old", "current", "confirm", "text",
    "toor", "client", "server", "hunter2", "trustno1", "iloveyou", "monkey", "dragon", "master",
    "sesame",
})
# Fragments that mark a value as an example or a stand-in wherever they sit in it.
PLACEHOLDER_PARTS = (
    "example", "changeme", "change_me", "change-me", "changethis", "placeholder", "your",
    "dummy", "fake", "sample", "redacted", "replace", "insert", "enter", "todo",
    "xxxx", "****", "....", "····", "password", "passwd", "pass", "secret", "token", "apikey",
    "letmein", "qwerty",
    "api_key", "api-key", "test", "mock", "foo", "lorem", "default",
)
_PARTS = re.compile("|".join(re.escape(part) for part in PLACEHOLDER_PARTS))
_NOT_ALNUM = re.compile(r"[^a-z0-9]")
_TEMPLATE = re.compile(
    r"^\$\{.*\}$|^\$\(.*\)$|^\{\{.*\}\}$|^\{%.*%\}$|^<%.*%>$|^<[^<>]+>$|^\{[\w.\-: ]*\}?$"
    r"|^%\(?[\w.]*\)?[sdr]$|^%[\w.]+%$|^@[\w.]+@$|^__[\w]+__$|^\[[\w\s.\-]+\]$"
    r"|^\$[A-Za-z_{][\w{}]*$|#\{|^\$\$?\w+\$?$|\{\{|\}\}|\$\{|%\(\w+\)s"
)
_MASK = re.compile(r"^[xX*#•.\-_0 ]+$|^(.)\1{3,}$")
_ATTRIBUTE = re.compile(r"^[A-Za-z_$][\w$]*(?:(?:\.|::|->|\?\.)[A-Za-z_$][\w$]*)+$")
_CONSTANT = re.compile(r"^[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+$")
_CAMEL = re.compile(r"^[a-z]+(?:[A-Z][a-z]+)+\d?$")
_CALL_OR_INDEX = re.compile(r"[()\[\]]")
_SIGIL = re.compile(r"^[$@&*%][A-Za-z_{]")
_CRED_WORD = re.compile(r"pass|pwd|secret|token|apikey|api_key|credential|auth|private",
                        re.IGNORECASE)


def is_sequential(value: str) -> bool:
    """abcdef, 123456, qwerty: keyboard and alphabet runs (detect-secrets' heuristic, local
    so that the hot path never imports detect-secrets)."""
    lowered = value.lower()
    for run in ("abcdefghijklmnopqrstuvwxyz0123456789", "0123456789abcdefghijklmnopqrstuvwxyz",
                "9876543210", "qwertyuiopasdfghjklzxcvbnm", "zyxwvutsrqponmlkjihgfedcba"):
        if len(lowered) >= 4 and lowered in run:
            return True
    return False


def is_placeholder(value: str) -> bool:
    """A template hole, a masked value, a stand-in word or an obvious test value."""
    stripped = value.strip()
    if len(stripped) < 3 or _TEMPLATE.search(stripped) or _MASK.match(stripped):
        return True
    lowered = stripped.lower()
    compact = _NOT_ALNUM.sub("", lowered)
    if not compact or compact in PLACEHOLDER_WORDS or is_sequential(compact):
        return True
    return _PARTS.search(lowered) is not None


def is_reference(value: str) -> bool:
    """An unquoted value that names something else: a variable, attribute, constant, call,
    environment lookup or type, as in `password = config.password` or `pwd: string`."""
    if _CALL_OR_INDEX.search(value) or _SIGIL.match(value):
        return True
    if _ATTRIBUTE.match(value) or _CONSTANT.match(value) or _CAMEL.match(value):
        return True
    return bool(_CRED_WORD.search(value))
