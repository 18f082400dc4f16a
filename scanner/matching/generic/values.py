"""Shape tests for candidate secret values: random-looking, hex, word-made, identifier-shaped.

Every test here runs on each candidate the generic detectors see, hostile input included, so
each is a handful of C-level operations (regex searches, set and Counter builds), never a
Python loop over the characters of the value.
"""

from __future__ import annotations

import math
import re
from collections import Counter

HEX = re.compile(r"^[0-9a-fA-F]+$")
UUID = re.compile(r"^[0-9a-fA-F]{8}-(?:[0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$")
_LOWER = re.compile(r"[a-z]")
_UPPER = re.compile(r"[A-Z]")
_DIGIT = re.compile(r"[0-9]")
_OTHER = re.compile(r"[^A-Za-z0-9]")
_LETTER_RUNS = re.compile(r"[A-Za-z]+")


def entropy(value: str) -> float:
    """Shannon entropy in bits per character."""
    if not value:
        return 0.0
    total = len(value)
    return -sum(c / total * math.log2(c / total) for c in Counter(value).values())


def char_classes(value: str) -> int:
    """How many of lower case, upper case, digits and other characters the value mixes."""
    return sum(1 for rx in (_LOWER, _UPPER, _DIGIT, _OTHER) if rx.search(value))


def looks_random(value: str, min_len: int) -> bool:
    """Long enough, varied enough and mixing character classes like a generated secret;
    English words, identifiers and numbers fail it."""
    if len(value) < min_len or value.isdigit() or is_wordlike(value):
        return False
    if HEX.match(value):
        return len(value) >= max(min_len, 16) and entropy(value) >= 3.0
    # Expected entropy of a random string grows with its length up to the alphabet's limit.
    floor = min(3.0, math.log2(len(value)) * 0.75)
    return char_classes(value) >= 2 and entropy(value) >= floor


# The commonest letter pairs of English text: words are made of them, random strings mostly
# are not (a random pair is in this set about one time in three).
_BIGRAM_TEXT = """
th he in er an re on at en nd ti es or te of ed is it al ar st to nt ng se ha as ou io le ve
co me de hi ri ro ic ne ea ra ce li ch ll be ma si om ur ca el ta la ns di fo ho pe ec pr no
ct us ac ot il tr ly nc et ut ss so rs un lo wa ge ie wh ee wi em ad ol rt po we na ul ni ts
mo ow pa im mi ai sh ir su id os iv ia am fi ci vi pl ig tu ev ld ry mp fe bl ab gh ty op wo
sa ay ex ke fr oo av ag if ap gr od bo sp rd do uc bu ei ov by rm ep tt oc fa ef cu rn sc gi
da yo cr cl du ga qu ue ff ba ey ls va um pp ua up lu go ht ru ug ds lt pi rc rr eg au ck ew
mu br bi pt ak pu ui rg ib tl ny ki rk ys ob mm fu ph og ms ye ud mb ip ub oi rl gu dr hr cc
tw ft wn nu af hu nn eo vo rv nf xp gn sm fl iz ok nl my gl aw ju oa eq sy sl ps jo lf nv je
nk kn gs dy hy ze ks xt"""
_COMMON_BIGRAMS = frozenset(_BIGRAM_TEXT.split())
# Every common pair, found at each start position (the lookahead lets pairs overlap).
_COMMON_PAIR = re.compile("(?=(?:" + "|".join(sorted(_COMMON_BIGRAMS)) + "))")


def common_pair_share(letters: str) -> float:
    """Share of adjacent letter pairs (lower case, letters only) that are common in words."""
    pairs = len(letters) - 1
    if pairs <= 0:
        return 1.0
    return len(_COMMON_PAIR.findall(letters)) / pairs


def _letters(value: str) -> str:
    return "".join(_LETTER_RUNS.findall(value)).lower()


def is_wordlike(value: str) -> bool:
    """Made of words (`formencoded`, `a_renewal`, `NotValidXml`), as test values are; a
    generated token is not all letters, or its letter pairs are mostly uncommon ones."""
    if _DIGIT.search(value):
        return False
    return common_pair_share(_letters(value)) >= 0.7


# camelCase, PascalCase and ALLCAPS boundaries, underscores and digits split an identifier.
_SEGMENT = re.compile(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])|[0-9]+")
# The joints a person puts between the words of a name: camel humps and separators.
_STRUCTURE = re.compile(r"[a-z0-9][A-Z]|[A-Za-z0-9][_.\-][A-Za-z]|[A-Z]{2}[a-z]")
# Words that make any identifier holding them a name about credentials (`relayPass`,
# `SCRYPT_SALT_HASH`), whatever the other words are.
_CREDENTIAL_WORDS = frozenset({"pass", "password", "passwd", "pwd", "pw", "secret", "token",
                               "key", "auth", "hash", "salt", "cred", "credential", "jwt",
                               "api", "apikey", "private", "access", "passphrase", "passcode",
                               "oauth", "bearer", "cert", "certificate"})


def made_of_words(identifier: str) -> bool:
    """An identifier a person named (`userPassword`, `DB_PASS`, `relayPass`, `first_name`):
    two or more segments joined by camel humps or separators, all of them words, or
    credential words with words or short abbreviations. A run of random letters (`qZvTmw`,
    `zkq_wxmvtr`) is not: its segments are tiny or not word-like. A single word (`rivo`,
    `tal42`) is not an identifier here: in configuration it is the value itself."""
    if not _STRUCTURE.search(identifier):
        return False  # one word, or words run together with digits: no naming structure
    segments = _SEGMENT.findall(identifier)
    letters = [s.lower() for s in segments if not s.isdigit()]
    digits = sum(1 for s in segments if s.isdigit())
    if len(letters) < 2 or digits > 2:
        return False
    named = [s for s in letters if s not in _CREDENTIAL_WORDS and s[:-1] not in _CREDENTIAL_WORDS]
    if len(named) < len(letters):
        # A whole credential word between humps or separators: relayPass, DB_PASS, m_pwds,
        # ZipBadPassphrase, OAuth2TokenStore, ff-4321-password-reset. (Not a random
        # value that happens to hold one among letter pairs: Vq7passMx92Lz.)
        if len(named) > 1 and not any(len(s) >= 3 and common_pair_share(s) >= 0.5
                                      for s in named):
            return False
        return all(common_pair_share(s) >= 0.5 for s in named if len(s) > 3)
    # No credential word: words and abbreviations (user_name, X-Request-Origin,
    # gpsPin2Longitude, NSAppURLSchemes, kVideoCodecH264HEVC), with at least one real word,
    # few tiny pieces and at most one short piece that is neither (random mixed case splits
    # into many tiny pieces: kcGCrpRdac7Q).
    if digits > 1 or not any(len(s) > 3 and common_pair_share(s) >= 0.7 for s in named):
        return False
    tiny = sum(1 for s in named if len(s) <= 2)
    if tiny > max(1, len(named) // 3):
        return False
    odd = [s for s in named if len(s) > 2 and common_pair_share(s) < 0.6]
    return len(odd) <= (1 if len(named) > 2 else 0) and all(len(s) <= 3 for s in odd)
