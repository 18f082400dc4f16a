"""The judgement of one literal assigned to a credential-like name: a secret, and how sure, or
not a secret, and why (ledger.Assessment).

Three families of names (assignments.key_family): `password`, `secret` (token, api key, client
secret...) and `key` (a bare key, salt or seed, which says nothing without a generated-looking
value). Each check is a general rule about values in code and configuration (templates,
stand-in words, hashes, versions, durations, file paths, identifiers, prose), never a list of
values seen somewhere.
"""

from __future__ import annotations

import itertools
import re
from functools import lru_cache

from scanner.matching.generic.ledger import MEDIUM, Assessment, low, rejected
from scanner.matching.generic.placeholders import is_reference, placeholder_why
from scanner.matching.generic.values import (
    char_classes,
    common_pair_share,
    is_wordlike,
    looks_random,
    made_of_words,
)

# The shortest value that can be a credential of each family: a bare `key` name needs a
# generated-looking value, and generated values are long.
MIN_LEN = {"password": 4, "secret": 8, "key": 12}

# Password hashes: crypt(3) formats, LDAP {SSHA}, Spring's {bcrypt}$2a$..., and htpasswd lines
# (user:$apr1$...).
_CRYPT_HASH = re.compile(r"^(?:[\w.@-]{1,64}:|\{\w{2,16}\})?\$(?:2[abxy]?|1|5|6|y|gy|7|apr1"
                         r"|argon2\w*|pbkdf2[\w-]*|scrypt|sha\d*)\$"
                         r"|^\{(?:SSHA|SHA|MD5|CRYPT|SMD5)\w*\}", re.IGNORECASE)
# Dependency coordinates and specifiers: com.auth0:java-jwt:4.4.0, npm:^7.0.4, a@1.2.3.
_DEPENDENCY = re.compile(r"^(?:npm|git|github|git\+\w+|file|link|workspace|patch|portal):"
                         r"|^[\w.-]+(?::[\w.-]+)*[:@]v?\^?~?\d+(?:\.\d+)+[\w.+-]*$")
# ISO dates and times: 2006-01-02T15:04:05Z (a password's mtime is no password).
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2})?(?:\.\d+)?"
                   r"(?:Z|[+-]\d{2}:?\d{2})?)?$")
# A domain-qualified name: kubernetes.io/hostname, docker.io/library/redis, a Go import path.
_QUALIFIED_NAME = re.compile(r"^[a-z0-9-]+(?:\.[a-z0-9-]+)+/[\w./-]+$")
# A list of names: BW-APP-ID,BW-APP-KEY; read,write.
_NAME_LIST = re.compile(r"^[A-Za-z_][\w.-]*(?:\s*,\s*[A-Za-z_][\w.-]*)+$")
# A plaintext password stored with Spring's {noop} prefix: the rest is the password.
_PLAIN_PREFIX = re.compile(r"^\{(?:noop|plain|cleartext|clear)\}", re.IGNORECASE)
# Names of resources that hold secrets, not the secrets: urn:..., arn:aws:..., vault paths.
_RESOURCE_NAME = re.compile(r"^(?:urn|arn):[\w.-]*:|^[a-z][\w-]*(?::[\w.-]+){3,}$",
                            re.IGNORECASE)
_VERSION = re.compile(r"^[~^>=<v]*\d+(?:\.\d+)+")
_HEX_LITERAL = re.compile(r"^0x[0-9a-fA-F]+$")
# 6.hours, 15.minutes (Ruby), 30s, 15m, 24h, 500ms (Go, YAML and most config formats).
_DURATION = re.compile(r"^\d+(?:\.\d+)?(?:\.(?:second|minute|hour|day|week|fortnight|month"
                       r"|year)s?(?:\.\w+)*|(?:ns|us|µs|ms|s|m|h|d|w|y|sec|secs|min|mins"
                       r"|hr|hrs))$", re.IGNORECASE)
# uid:gid, host:port, major:minor: two numbers are not a credential.
_NUMBER_PAIR = re.compile(r"^\d+[:/]\d+$")
_DOTTED_NAME = re.compile(r"^[A-Za-z_][\w-]*(?:\.[A-Za-z_][\w-]*)+$")
_FILE_NAME = re.compile(r"/.*\.[A-Za-z0-9]{1,5}$")
_PATH = re.compile(r"^(?:\.{0,2}/|~/|[A-Za-z]:\\)|\.(?:pem|key|json|txt|crt|p12|pfx|jks|yml"
                   r"|yaml|env|conf|cfg|ini|xml|properties|der|pub)$")
_IDENTIFIER = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]*$")
_SNAKE = re.compile(r"^[a-z0-9]+(?:_[a-z0-9]+)+$")
_CONSTANT_NAME = re.compile(r"^[A-Z]+(?:[_-][A-Z0-9]+)+$")
_SPACE = re.compile(r"\s")
# Encrypted values: Jasypt ENC(...), Spring Cloud {cipher}, SOPS ENC[...], Ansible vault.
_ENCRYPTED = re.compile(r"^(?:ENC\(.*\)|ENC\[.*\]|\{cipher\}|\$ANSIBLE_VAULT|!vault)",
                        re.IGNORECASE)
_JSON_PART = re.compile(r"[^\w+/=-]+")
_LETTERS = re.compile(r"[a-z]+")
_ONE_WORD = re.compile(r"^[^\W\d_][^\W\d_A-Z]+$")  # a capital at most, then lower-case letters
_CASE_FLIP = re.compile(r"[a-z][A-Z]")  # people capitalise words; generators flip at random


@lru_cache(maxsize=8192)  # values repeat: across a file's lines, versions, and hostile input
def judge(family: str, value: str, quoted: bool) -> Assessment | None:
    """The assessment of `value` assigned to a name of `family`; None when it is not a
    candidate at all (too short for any credential, code naming something else, or, for a
    bare `key`, a value nobody generated)."""
    value = _PLAIN_PREFIX.sub("", value)
    json_object = value.startswith("{") and ":" in value
    if len(value) < MIN_LEN[family] and not json_object:
        return None
    if (not quoted and is_reference(value)) or (family == "key" and not looks_random(value, 12)):
        return None
    why = placeholder_why(value)
    if why is not None:
        return rejected(f"placeholder: {why}")
    if json_object:  # a JSON object encoded in a string
        if any(looks_random(part, 16) for part in _JSON_PART.split(value)):
            return MEDIUM
        return rejected("not a secret: a JSON object without a generated value", "not-a-secret")
    why = _not_a_secret(value, quoted)
    if why is not None:
        return rejected(f"not a secret: {why}", "not-a-secret")
    if family == "password":
        return _password(value)
    why = _name_not_secret(value, quoted)
    if why is not None:
        return rejected(f"not a secret: {why}", "not-a-secret")
    if family != "key" and _dictionary_shape(value):
        return low("dictionary words with a few digits or symbols")
    if family == "key" or looks_random(value, 12) or char_classes(value) >= 2:
        return MEDIUM
    return low("one kind of character, under a secret's name")


def _not_a_secret(value: str, quoted: bool) -> str | None:
    """Values of any family that cannot be the secret itself."""
    if _CRYPT_HASH.match(value):
        return "a password hash, not the password"
    if _ENCRYPTED.match(value):
        return "an encrypted value, usable only with its key"
    if _VERSION.match(value) or _HEX_LITERAL.match(value) or (
            value.isdigit() and len(value) < 16) or _NUMBER_PAIR.match(value):
        return "a number, version or id pair"
    if _DURATION.match(value):
        return "a duration"
    if _DATE.match(value):
        return "a date or time"
    if _DEPENDENCY.match(value):
        return "a dependency coordinate or version specifier"
    if _QUALIFIED_NAME.match(value):
        return "a domain-qualified name (a label, image or import path)"
    if _NAME_LIST.match(value) and "," in value:
        return "a list of names"
    if _CONSTANT_NAME.match(value):
        return "a constant's or variable's name (OPEN_SESAME, APP_DB_URL)"
    if _SPACE.search(value):
        return "text with spaces"
    if "://" in value:
        return "a URL"
    if _RESOURCE_NAME.match(value):
        return "a resource name (URN, ARN), naming where a secret is kept"
    if _PATH.search(value):
        return "a file path"
    return None


def _name_not_secret(value: str, quoted: bool) -> str | None:
    """Values under token-like names that are names themselves: `auth.token`, `AUTH_TOKEN`,
    `accessToken`, `.user[0].role`, `dir/file.crc`, counting bytes, English words."""
    if _DOTTED_NAME.match(value) or "[" in value or "{" in value or _FILE_NAME.search(value):
        return "a name or path"
    if not quoted and _SNAKE.match(value):
        return "a snake_case name"  # mode = read_only, key = sha1_step_kind
    if is_byte_sequence(value):
        return "counting bytes (000102...)"
    if _IDENTIFIER.match(value) and made_of_words(value.replace(".", "_").replace("-", "_")):
        return "an identifier made of words"  # AUTH_TOKEN, accessToken, auth-header
    if is_wordlike(value):
        return "made of words"
    return None


def _password(value: str) -> Assessment:
    if _IDENTIFIER.match(value) and made_of_words(value.replace(".", "_").replace("-", "_")):
        return rejected("not a secret: an identifier (a field or key name)", "not-a-secret")
    if len(value) < 8:
        return low("a short password")
    if _dictionary_shape(value):
        return low("dictionary words with a few digits or symbols")
    if char_classes(value) == 1 and len(value) < 12:
        return low("one kind of character")
    return MEDIUM


def _dictionary_shape(value: str) -> bool:
    """sunshine, Summer2024!, garden123, label-3: words, capitalised at most, with a few
    digits or symbols; a generated value flips case at random or is not made of words."""
    if len(_CASE_FLIP.findall(value)) >= 2:
        return False
    if _ONE_WORD.match(value):
        return True  # Passwort, Kennwort, Contrasena: a word, in any language
    letters = "".join(_LETTERS.findall(value.lower()))
    return is_wordlike(value) or (len(letters) >= 4 and len(value) - len(letters) <= 4
                                  and common_pair_share(letters) >= 0.8)


def is_byte_sequence(value: str) -> bool:
    """000102030405...: counting bytes, the classic test key."""
    if len(value) < 16 or not re.fullmatch(r"(?:[0-9a-fA-F]{2})+", value):
        return False
    nums = bytes.fromhex(value)
    return all(b - a == 1 for a, b in itertools.pairwise(nums))
