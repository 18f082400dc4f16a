"""The working-tree source on hostile and awkward trees: everything skipped is said, and why."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from scanner.config import Config
from scanner.model import Blob, Flag, Skipped
from scanner.sources.worktree import WorktreeSource
from tests.helpers import init_repo, stripe_key


def _items(root: Path, **kw: object) -> tuple[dict[str, Blob], dict[str, Skipped]]:
    config = Config(root=root, **kw)  # type: ignore[arg-type]
    blobs: dict[str, Blob] = {}
    skipped: dict[str, Skipped] = {}
    for item in WorktreeSource(config).items():
        if isinstance(item, Blob):
            blobs[item.path] = item
        else:
            skipped[item.path] = item
    return blobs, skipped


def _cli(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "scanner", *args], capture_output=True,
                          text=True, cwd=cwd, check=False)


@pytest.fixture
def awkward_tree(tmp_path: Path) -> Path:
    root = tmp_path / "tree"
    (root / "sub").mkdir(parents=True)
    (root / "sub" / "app.py").write_text(f'KEY = "{stripe_key(seed="wt")}"\n')
    (root / "image.png").write_bytes(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR" + bytes(64))
    with (root / "huge.log").open("wb") as fh:  # 200 MB of text, over the default limit
        line = b"2025-01-01 INFO nothing to see here, just a long log line\n"
        fh.write(line * (200 * 1024 * 1024 // len(line) + 1))
    (root / "latin1.txt").write_bytes(b"caf\xe9 \xff\xfe " + stripe_key(seed="l1").encode() + b"\n")
    os.symlink("loop_b", root / "loop_a")
    os.symlink("loop_a", root / "loop_b")
    os.symlink("/etc", root / "etc_link")
    os.symlink("sub/app.py", root / "inside_link.py")
    (root / "locked.env").write_text("X=1\n")
    return root


def test_awkward_tree_skips_with_reasons(awkward_tree: Path, monkeypatch: pytest.MonkeyPatch
                                         ) -> None:
    real_open = os.open

    def deny(path: str, *a: object, **k: object) -> int:
        if str(path).endswith("locked.env"):  # root reads chmod-000 files, so simulate
            raise PermissionError(13, "Permission denied")
        return real_open(path, *a, **k)  # type: ignore[arg-type]

    monkeypatch.setattr(os, "open", deny)
    blobs, skipped = _items(awkward_tree)
    assert set(blobs) == {"sub/app.py", "latin1.txt"}
    assert skipped["image.png"].kind == "binary"
    assert skipped["huge.log"].kind == "too-large"
    assert "max-file-size" in skipped["huge.log"].reason
    assert skipped["locked.env"].kind == "unreadable"
    assert "Permission denied" in skipped["locked.env"].reason
    assert skipped["loop_a"].kind == skipped["loop_b"].kind == "symlink"
    assert "loops" in skipped["loop_a"].reason
    assert "outside" in skipped["etc_link"].reason
    assert "own path" in skipped["inside_link.py"].reason


def test_awkward_tree_end_to_end_has_no_traceback(awkward_tree: Path) -> None:
    proc = _cli("scan", str(awkward_tree), "--format", "json", "--no-progress")
    assert proc.returncode in (0, 1), proc.stderr
    assert "Traceback" not in proc.stderr
    doc = json.loads(proc.stdout)
    kinds = doc["summary"]["skippedByKind"]
    assert kinds["binary"] == 1 and kinds["too-large"] == 1 and kinds["symlink"] == 4
    paths = {f["path"] for f in doc["findings"]}
    assert paths == {"sub/app.py", "latin1.txt"}
    # The invalid UTF-8 line still yields a correct column for the secret after it.
    latin = next(f for f in doc["findings"] if f["path"] == "latin1.txt")
    assert latin["column"] == 9  # "caf\ufffd \ufffd\ufffd " is 8 characters
    term = _cli("scan", str(awkward_tree), "--no-progress")
    assert "skipped 1 binary" in term.stdout and "1 too-large" in term.stdout


def test_gitignored_files_are_scanned_and_flagged(tmp_path: Path) -> None:
    repo = init_repo(tmp_path / "repo")
    (repo / ".gitignore").write_text(".env\nbuild/\n")
    (repo / ".env").write_text(f"STRIPE={stripe_key(seed='ig')}\n")
    (repo / "build").mkdir()
    (repo / "build" / "out.js").write_text("x\n")
    (repo / "main.py").write_text("print(1)\n")
    (repo / "node_modules" / "pkg").mkdir(parents=True)
    (repo / "node_modules" / "pkg" / "i.js").write_text("x\n")
    blobs, _ = _items(repo)
    assert Flag.IGNORED_BUT_PRESENT in blobs[".env"].flags
    assert Flag.IGNORED_BUT_PRESENT in blobs["build/out.js"].flags
    assert not blobs["main.py"].flags
    assert ".git/HEAD" not in blobs and "node_modules/pkg/i.js" not in blobs
    blobs_all, _ = _items(repo, default_excludes=False)
    assert "node_modules/pkg/i.js" in blobs_all and ".git/HEAD" not in blobs_all


def test_excludes_and_size_limit(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "x.txt").write_text("hello\n")
    (tmp_path / "b.txt").write_text("hello world\n")
    blobs, skipped = _items(tmp_path, exclude=("a/**",), max_file_size=5)
    assert not blobs
    assert skipped["b.txt"].kind == "too-large" and "a/x.txt" not in skipped


def test_missing_path_is_a_usage_error(tmp_path: Path) -> None:
    proc = _cli("scan", str(tmp_path / "nope"))
    assert proc.returncode == 2
    assert "does not exist" in proc.stderr and "Traceback" not in proc.stderr
