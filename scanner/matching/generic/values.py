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
    if len(value) < min_len or value.isdigit():
        return False
    if HEX.match(value):
        return len(value) >= max(min_len, 16) and entropy(value) >= 3.0
    # Expected entropy of a random string grows with its length up to the alphabet's limit.
    floor = min(3.0, math.log2(len(value)) * 0.75)
    return char_classes(value) >= 2 and entropy(value) >= floor
