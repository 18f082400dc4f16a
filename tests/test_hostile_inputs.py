"""Every input a repository can hold gets a documented exit code and a counted, named skip:
special files, paths past PATH_MAX, a symlink loop as the scan path, a repository git refuses."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers import commit_all, init_repo, stripe_key


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "scanner", *args], capture_output=True,
                          text=True, check=False, timeout=300)


def test_fifos_sockets_and_devices_are_counted_never_opened(tmp_path: Path) -> None:
    tree = tmp_path / "tree"
    tree.mkdir()
    (tree / "app.py").write_text(f'K = "{stripe_key(seed="special")}"\n')
    os.mkfifo(tree / "pipe")  # opening it for reading would block forever
    sock = socket.socket(socket.AF_UNIX)
    sock.bind(str(tree / "sock"))
    try:
        proc = cli("scan", str(tree), "--no-progress", "-f", "json")
    finally:
        sock.close()
    assert proc.returncode == 1, proc.stderr
    doc = json.loads(proc.stdout)
    skipped = {s["path"]: s for s in doc["skipped"]}
    assert skipped["pipe"]["kind"] == skipped["sock"]["kind"] == "special"
    assert "FIFO" in skipped["pipe"]["reason"] and "socket" in skipped["sock"]["reason"]
    assert doc["summary"]["skippedByKind"]["special"] == 2


def test_a_directory_past_path_max_is_walked_and_scanned(tmp_path: Path) -> None:
    tree = tmp_path / "tree"
    tree.mkdir()
    fd = os.open(tree, os.O_RDONLY | os.O_DIRECTORY)
    parts = []
    try:
        for i in range(24):  # 24 components of 200 bytes: over 4,800 bytes, past PATH_MAX
            name = f"{i:02d}" + "d" * 198
            os.mkdir(name, dir_fd=fd)
            child = os.open(name, os.O_RDONLY | os.O_DIRECTORY, dir_fd=fd)
            os.close(fd)
            fd = child
            parts.append(name)
        out = os.open("deep.py", os.O_WRONLY | os.O_CREAT, 0o644, dir_fd=fd)
        os.write(out, f'K = "{stripe_key(seed="deep")}"\n'.encode())
        os.close(out)
    finally:
        os.close(fd)
    proc = cli("scan", str(tree), "--no-progress", "-f", "json")
    assert proc.returncode == 1, proc.stderr
    doc = json.loads(proc.stdout)
    assert [f["path"] for f in doc["findings"]] == ["/".join([*parts, "deep.py"])]
    assert doc["skipped"] == []


def test_a_symlink_loop_as_the_scan_path_is_a_usage_error(tmp_path: Path) -> None:
    (tmp_path / "loop").symlink_to(tmp_path / "loop")
    proc = cli("scan", str(tmp_path / "loop"), "--no-progress")
    assert proc.returncode == 2, proc.stderr
    assert "symlink loop" in proc.stderr and "Traceback" not in proc.stderr


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() != 0,
                    reason="needs root to give the repository to another user")
def test_a_repository_git_refuses_is_scanned_with_a_note(tmp_path: Path) -> None:
    repo = init_repo(tmp_path / "repo")
    (repo / ".gitignore").write_text(".env\n")
    (repo / ".env").write_text(f'K="{stripe_key(seed="owner")}"\n')
    commit_all(repo, "init")
    for path in (repo, *repo.rglob("*")):
        os.lchown(path, 4242, 4242)
    proc = cli("scan", str(repo), "--no-progress", "-f", "json")
    assert proc.returncode == 1, proc.stderr
    doc = json.loads(proc.stdout)
    assert [f["path"] for f in doc["findings"]] == [".env"]
    assert any("owned by another user" in n for n in doc["notes"])
    history = cli("scan", str(repo), "--no-progress", "--history")
    assert history.returncode == 2 and "owned by another user" in history.stderr


def test_a_damaged_history_is_an_input_error_that_says_so(tmp_path: Path) -> None:
    repo = init_repo(tmp_path / "repo")
    for i in range(30):
        (repo / f"f{i}.txt").write_text(f"line {i}\n" * 200)
        commit_all(repo, f"c{i}")
    subprocess.run(["git", "gc", "-q"], cwd=repo, check=True)
    (pack,) = (repo / ".git" / "objects" / "pack").glob("*.pack")
    pack.chmod(0o644)
    data = bytearray(pack.read_bytes())
    for i in range(200, len(data) - 100, 97):
        data[i] ^= 0x55
    pack.write_bytes(bytes(data))
    proc = cli("scan", str(repo), "--history", "--no-progress")
    assert proc.returncode == 2, proc.stderr
    assert "the repository is damaged" in proc.stderr and "Traceback" not in proc.stderr
