"""Files larger than the in-memory limit are scanned in overlapping windows: every secret is
found once, at the line and column a whole-file scan gives it."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from scanner.config import Config
from scanner.model import ScanResult
from scanner.pipeline import build_stages, scan
from scanner.sources import windows as windows_mod
from scanner.sources import worktree
from scanner.sources.worktree import WorktreeSource
from tests.helpers import github_token, stripe_key


def _scan(root: Path, **config: object) -> ScanResult:
    cfg = Config(root=root, max_file_size=1 << 30, jobs=1, engine="re", **config)  # type: ignore[arg-type]
    return scan(cfg, WorktreeSource(cfg), build_stages(cfg))


def _places(result: ScanResult) -> list[tuple[str, int, int, int, int, str]]:
    """Every occurrence (a secret found twice would be one finding with two locations)."""
    return sorted((f.rule_id, loc.line, loc.column, loc.end_line, loc.end_column, f.fingerprint)
                  for f in (*result.findings, *result.suppressed)
                  for loc in (f.occurrences or (f.location,)))


def _tree(tmp_path: Path, long_lines: bool) -> tuple[Path, int]:
    """A file of filler with secrets sprinkled in, some straddling where windows cut."""
    rng = random.Random(7)
    tree = tmp_path / "tree"
    tree.mkdir()
    lines = []
    planted = 0
    for i in range(3000):
        if rng.random() < 0.05:
            token = github_token(seed=f"w{i}") if i % 2 else stripe_key(seed=f"w{i}")
            pad = "é" * rng.randrange(0, 5)  # multi-byte characters: columns count characters
            filler = "x" * rng.randrange(0, 400 if long_lines else 40)
            lines.append(f"{pad}{filler} key = '{token}'  # {filler[:7]}")
            planted += 1
        else:
            lines.append(f"filler line {i} " + "y" * rng.randrange(0, 300 if long_lines else 60))
    (tree / "big.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return tree, planted


@pytest.mark.parametrize("long_lines", [False, True])
def test_windows_find_what_a_whole_read_finds(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                              long_lines: bool) -> None:
    tree, planted = _tree(tmp_path, long_lines)
    whole = _scan(tree)
    assert len(whole.findings) + len(whole.suppressed) >= planted > 50
    # Windows of 4 KiB (overlap 200 bytes) on a file of about 100-500 KiB: a hundred cuts,
    # many of them through lines and through secrets.
    monkeypatch.setattr(worktree, "MEMORY_CAP", 4096)
    monkeypatch.setattr(windows_mod, "WINDOW", 4096)
    monkeypatch.setattr(windows_mod, "OVERLAP", 200)
    windowed = _scan(tree)
    assert _places(windowed) == _places(whole)
    assert windowed.stats.files == 1 and windowed.stats.bytes == whole.stats.bytes
    assert [f.excerpt for f in windowed.findings] == [f.excerpt for f in whole.findings]


def test_a_line_longer_than_a_window_keeps_its_columns(tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    tree = tmp_path / "tree"
    tree.mkdir()
    tokens = [github_token(seed=f"long{i}") for i in range(40)]
    line = "".join(f"{'ü' * 300} t='{t}' " for t in tokens)  # one line of ~26,000 characters
    (tree / "one-line.txt").write_text("first\n" + line + "\nlast\n", encoding="utf-8")
    whole = _scan(tree)
    monkeypatch.setattr(worktree, "MEMORY_CAP", 4096)
    monkeypatch.setattr(windows_mod, "WINDOW", 4096)
    monkeypatch.setattr(windows_mod, "OVERLAP", 200)
    windowed = _scan(tree)
    assert len(whole.findings) == 40
    assert _places(windowed) == _places(whole)
    assert {f.location.line for f in windowed.findings} == {2}


def test_a_binary_file_in_windows_is_skipped_as_binary(tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "blob.bin").write_bytes(b"\0" * 10_000)
    monkeypatch.setattr(worktree, "MEMORY_CAP", 4096)
    monkeypatch.setattr(windows_mod, "WINDOW", 4096)
    result = _scan(tmp_path)
    assert [(s.path, s.kind) for s in result.skipped] == [("blob.bin", "binary")]
