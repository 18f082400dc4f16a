"""Shape tests for candidate secret values: random-looking, hex, base64, UUID."""

from __future__ import annotations

import math
import re
from collections import Counter

HEX = re.compile(r"^[0-9a-fA-F]+$")
UUID = re.compile(r"^[0-9a-fA-F]{8}-(?:[0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$")


def entropy(value: str) -> float:
    """Shannon entropy in bits per character."""
    if not value:
        return 0.0
    total = len(value)
    return -sum(c / total * math.log2(c / total) for c in Counter(value).values())


def char_classes(value: str) -> int:
    return sum((any(c.islower() for c in value), any(c.isupper() for c in value),
                any(c.isdigit() for c in value), any(not c.isalnum() for c in value)))


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


def is_wordlike(value: str) -> bool:
    """Made of words (`urlencoded`, `a_refresh`, `ThisIsBadJSON`), as test values are; a
    generated token is not all letters, or its letter pairs are mostly uncommon ones."""
    if any(c.isdigit() for c in value):
        return False
    letters = "".join(p for p in re.split(r"[^A-Za-z]+", value.lower()) if p)
    pairs = [letters[i:i + 2] for i in range(len(letters) - 1)]
    if not pairs:
        return True
    return sum(p in _COMMON_BIGRAMS for p in pairs) / len(pairs) >= 0.7
