"""Where reports go: special files are written in place (never replaced by a regular file),
a symlink planted at the report path is neither followed nor replaced, stdout works by every
name, and a SIGTERM while a report is written leaves no temporary file behind."""

from __future__ import annotations

import json
import os
import signal
import stat
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from tests.helpers import github_token, stripe_key

ROOT = Path(__file__).resolve().parents[1]


def _scan(tree: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "scanner", "scan", str(tree), "--no-progress",
                           "--engine", "re", *args], capture_output=True, text=True,
                          check=False, cwd=ROOT)


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    root = tmp_path / "tree"
    root.mkdir()
    (root / "settings.py").write_text(f'STRIPE = "{stripe_key(seed="out")}"\n')
    return root


def test_a_character_device_is_written_in_place_not_replaced(tree: Path, tmp_path: Path
                                                              ) -> None:
    """`-o /dev/null` as root replaced the device with a regular file. A private device node
    (the same major/minor as /dev/null) shows it without touching the machine's own."""
    if os.geteuid() != 0:
        pytest.skip("creating a device node needs root (as CI containers run)")
    device = tmp_path / "null"
    os.mknod(device, stat.S_IFCHR | 0o666, os.makedev(1, 3))
    for fmt in ("json", "sarif", "html"):
        proc = _scan(tree, "--format", fmt, "-o", str(device))
        assert proc.returncode == 1, proc.stderr
        assert stat.S_ISCHR(os.lstat(device).st_mode), f"{fmt}: the device was replaced"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["null", "tree"]  # no temp file


def test_a_fifo_receives_the_report(tree: Path, tmp_path: Path) -> None:
    fifo = tmp_path / "report.fifo"
    os.mkfifo(fifo)
    received: list[bytes] = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_bytes()))
    reader.start()
    proc = _scan(tree, "--format", "json", "-o", str(fifo))
    reader.join(timeout=60)
    assert proc.returncode == 1, proc.stderr
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)
    assert json.loads(received[0])["summary"]["findings"] == 1


def test_a_symlink_at_the_report_path_is_refused(tree: Path, tmp_path: Path) -> None:
    """A repository plants `credscope.sarif -> ~/.bashrc` where CI writes its report."""
    precious = tmp_path / "bashrc"
    precious.write_text("keep me\n")
    planted = tree / "credscope.sarif"
    planted.symlink_to(precious)
    dangling = tree / "report.json"
    dangling.symlink_to(tmp_path / "elsewhere.json")
    for link, fmt in ((planted, "sarif"), (dangling, "json")):
        proc = _scan(tree, "--format", fmt, "-o", str(link))
        assert proc.returncode == 2, proc.stderr
        assert "symbolic link" in proc.stderr
        assert link.is_symlink()
    assert precious.read_text() == "keep me\n"
    assert not (tmp_path / "elsewhere.json").exists()
    assert not [p for p in tree.iterdir() if p.name.endswith(".partial")]


def test_a_directory_at_the_report_path_is_a_usage_error(tree: Path, tmp_path: Path) -> None:
    (tmp_path / "out").mkdir()
    proc = _scan(tree, "--format", "json", "-o", str(tmp_path / "out"))
    assert proc.returncode == 2 and "is a directory" in proc.stderr


@pytest.mark.parametrize("name", ["-", "/dev/stdout"])
def test_stdout_by_any_name(tree: Path, name: str) -> None:
    proc = _scan(tree, "--format", "json", "-o", name)
    assert proc.returncode == 1, proc.stderr
    assert json.loads(proc.stdout)["summary"]["findings"] == 1


def test_a_regular_file_is_replaced_atomically(tree: Path, tmp_path: Path) -> None:
    out = tmp_path / "deep" / "dir" / "report.json"
    proc = _scan(tree, "--format", "json", "-o", str(out))
    assert proc.returncode == 1, proc.stderr
    first = out.stat().st_ino
    assert json.loads(out.read_text())["summary"]["findings"] == 1
    assert _scan(tree, "--format", "json", "-o", str(out)).returncode == 1
    assert out.stat().st_ino != first  # a new file renamed in, not the old one rewritten
    assert [p.name for p in out.parent.iterdir()] == ["report.json"]


def test_sigterm_during_the_report_write_leaves_no_partial_file(tmp_path: Path) -> None:
    """A real SIGTERM to a real `credscope` while it writes its reports: the run ends with
    the interrupted exit code and no `.NAME.XXXX.partial` is left."""
    tree = tmp_path / "many"
    tree.mkdir()
    for j in range(8):
        (tree / f"tokens{j}.txt").write_text(
            "".join(f"{github_token(seed=j * 1000 + k)}\n" for k in range(1000)))
    out = tmp_path / "out"
    out.mkdir()
    proc = subprocess.Popen(
        [sys.executable, "-m", "scanner", "scan", str(tree), "--no-progress", "--jobs", "1",
         "--fail-on", "never", "--format", "json", "-o", str(out / "r.json"),
         "--report", f"sarif={out / 'r.sarif'}", "--report", f"html={out / 'r.html'}",
         "--report", f"json={out / 'again.json'}"],
        cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 600
    while not any(p.name.endswith(".partial") for p in out.iterdir()):
        assert proc.poll() is None, "the scan ended before a report was being written"
        assert time.monotonic() < deadline
        time.sleep(0.002)
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 143, err.decode()  # 128 + SIGTERM
    assert b"Traceback" not in err
    assert not [p.name for p in out.iterdir() if p.name.endswith(".partial")]


def test_the_json_report_is_the_standard_pretty_encoding_of_itself(tmp_path: Path) -> None:
    """The report is written piece by piece with its own (faster) pretty encoder; the text is
    still exactly what `json.dumps(doc, indent=2)` gives: key order, escapes, non-ASCII kept."""
    root = tmp_path / "tree"
    (root / "конфиг").mkdir(parents=True)
    (root / "конфиг" / "settings.py").write_text(
        f'STRIPE = "{stripe_key(seed="a")}"\nOTHER = "{stripe_key(seed="a")}"\n'
        f'GH = "{github_token(seed="b")}"\npassword = "changeme"\n# "quoted" \\ \t tab\n')
    out = tmp_path / "report.json"
    proc = _scan(root, "--format", "json", "-o", str(out))
    assert proc.returncode == 1, proc.stderr
    text = out.read_text(encoding="utf-8")
    doc = json.loads(text)
    assert doc["findings"] and doc["suppressed"] and "конфиг/settings.py" in text
    assert text == json.dumps(doc, indent=2, ensure_ascii=False) + "\n"


def test_the_pretty_encoder_agrees_with_the_standard_library() -> None:
    import random  # noqa: PLC0415

    from scanner.reporters.json import _ENCODE  # noqa: PLC0415

    rng = random.Random(7)
    scalars: list[object] = [None, True, False, 0, -3, 2**70, 1.5, float("inf"), "", "é\n\"\\\0",
                             "\u2028", "plain"]

    def value(depth: int) -> object:
        kind = rng.randrange(5 if depth < 4 else 1)
        if kind == 0:
            return rng.choice(scalars)
        if kind in (1, 2):
            return {rng.choice(["a", "b", "ключ", 'q"uote', ""]) + str(i): value(depth + 1)
                    for i in range(rng.randrange(4))}
        if kind == 3:
            return [value(depth + 1) for _ in range(rng.randrange(4))]
        return {1: "int key", "x": (True, None)}  # what the standard library converts

    for _ in range(500):
        sample = value(0)
        assert _ENCODE(sample) == json.dumps(sample, indent=2, ensure_ascii=False)
