"""Path patterns have real gitignore semantics, and one sanitiser makes repository text safe
for a terminal."""

from __future__ import annotations

from pathlib import Path

import pytest

from scanner.config import Config
from scanner.errors import ConfigError
from scanner.paths import check_patterns, matches_any, printable
from scanner.sources.worktree import WorktreeSource


@pytest.mark.parametrize(("path", "patterns", "expected"), [
    ("src/a.c", ["*.[ch]"], True),  # character classes (the old matcher had none)
    ("src/a.h", ["*.[ch]"], True),
    ("src/a.cc", ["*.[ch]"], False),
    ("src/keep.c", ["*.[ch]", "!keep.c"], False),  # negation: the last match wins
    ("src/drop.c", ["*.[ch]", "!keep.c"], True),
    ("src/keep.c", ["!keep.c", "*.[ch]"], True),
    ("build/x/y.py", ["build/"], True),  # a directory pattern covers what is below
    ("build", ["build/"], False),  # ... but not a file of that name
    ("build/", ["build/"], True),
    ("a/top.txt", ["/top.txt"], False),  # a leading slash anchors to the root
    ("top.txt", ["/top.txt"], True),
    ("deep/er/vendor/lib.js", ["vendor"], True),  # no inner slash: any depth
    ("deep/vendor/lib.js", ["src/vendor"], False),  # an inner slash anchors
    ("docs/a/b/c.md", ["docs/**/*.md"], True),
    ("docs/c.md", ["docs/**/*.md"], True),
    ("x/a?c.py", ["a[?]c.py"], True),
    ("x/abc.py", ["a\\?c.py"], False),  # a backslash escapes
    ("x/#notes", ["#notes"], False),  # a comment, as in .gitignore
    ("anything", [], False),
])
def test_gitignore_semantics(path: str, patterns: list[str], expected: bool) -> None:
    assert matches_any(path, patterns) is expected


def test_the_walk_uses_them(tmp_path: Path) -> None:
    for rel in ("src/a.c", "src/a.h", "src/keep.c", "src/main.py"):
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text("x = 1\n")
    source = WorktreeSource(Config(root=tmp_path, exclude=("*.[ch]", "!keep.c")))
    read = sorted(b.path for b in source.items() if hasattr(b, "data"))
    assert read == ["src/keep.c", "src/main.py"]


def test_a_broken_pattern_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match=r"pyproject.toml: invalid path pattern.*'a\\\\'"):
        check_patterns(["ok/", "a\\"], source="pyproject.toml")
    with pytest.raises(ConfigError, match="invalid path pattern"):
        matches_any("x", ["!"])


CONTROLS = [chr(c) for c in (*range(0x20), *range(0x7F, 0xA0))]
BIDI = ["\u202a", "\u202b", "\u202c", "\u202d", "\u202e", "\u2066", "\u2067", "\u2068",
        "\u2069", "\u200e", "\u200f", "\u061c", "\u2028", "\u2029"]


@pytest.mark.parametrize("char", CONTROLS + BIDI)
def test_printable_neutralises_every_control_and_bidi_character(char: str) -> None:
    shown = printable(f"a{char}b")
    assert char not in shown
    assert shown.startswith("a\\") and shown.endswith("b")
    assert shown.isprintable()


def test_printable_leaves_ordinary_text_alone() -> None:
    text = "src/naïve-日本語/ключ.py — ok ✓"
    assert printable(text) == text
    assert printable("evil\x1b]8;;http://x\x07link") == "evil\\x1b]8;;http://x\\x07link"
