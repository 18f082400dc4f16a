"""SIGTERM and SIGHUP to credscope alone (what a CI runner cancelling a job, or a closed
terminal, sends) unwind like Ctrl-C: a documented exit code, workers and their git reaped,
no partial report left behind."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.helpers import init_repo

LINE = ("password_hint = 'not really' token_refresh sk_live_notakey " * 4 + "\n").encode()


def _session_alive(sid: int) -> list[int]:
    """Processes still in the session `sid` (the scan, its workers, their git)."""
    alive = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[3]) == sid and fields[0] != "Z":  # session id; zombies are gone
            alive.append(int(entry.name))
    return alive


def _stop_and_check(args: list[str], out_dir: Path, sig: signal.Signals) -> None:
    proc = subprocess.Popen([sys.executable, "-m", "scanner", *args, "--no-progress",
                             "--format", "json", "--output", str(out_dir / "report.json")],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            start_new_session=True)
    time.sleep(2.5)
    assert proc.poll() is None, "scan finished before it could be stopped"
    os.kill(proc.pid, sig)  # the parent alone, not its process group
    sent = time.monotonic()
    _, err = proc.communicate(timeout=60)
    assert time.monotonic() - sent < 10, "stopping was not prompt"
    assert proc.returncode == 128 + sig, err
    assert b"Traceback" not in err and f"stopped by {sig.name}".encode() in err
    assert list(out_dir.iterdir()) == [], "a partial report was left behind"
    deadline = time.monotonic() + 10
    while _session_alive(proc.pid) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not _session_alive(proc.pid), "workers or git outlived the scan"


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGHUP])
def test_a_signal_to_a_parallel_tree_scan(tmp_path: Path, sig: signal.Signals) -> None:
    tree = tmp_path / "big"
    tree.mkdir()
    block = LINE * (4 * 1024 * 1024 // len(LINE))
    for i in range(80):  # 320 MiB through the slow pure-re engine: seconds of work
        (tree / f"f{i:03d}.txt").write_bytes(block)
    out = tmp_path / "out"
    out.mkdir()
    _stop_and_check(["scan", str(tree), "--engine", "re", "--jobs", "2"], out, sig)


def test_sigterm_to_a_parallel_history_scan_reaps_git(tmp_path: Path) -> None:
    repo = init_repo(tmp_path / "repo")
    block = LINE * (2 * 1024 * 1024 // len(LINE))
    stream = []
    for i in range(60):  # 60 distinct 2 MiB blobs in 60 commits, written by fast-import
        data = block + f"# {i}\n".encode()
        head = (f"commit refs/heads/main\ncommitter T <t@example.invalid> 1700000000 +0000\n"
                f"data 1\nx\nM 100644 inline f{i}.txt\ndata {len(data)}\n")
        stream.append(head.encode() + data + b"\n")
    subprocess.run(["git", "fast-import", "--quiet"], cwd=repo, input=b"".join(stream),
                   check=True)
    out = tmp_path / "out"
    out.mkdir()
    _stop_and_check(["scan", str(repo), "--history", "--engine", "re", "--jobs", "2"], out,
                    signal.SIGTERM)


# -- the debug log is private -------------------------------------------------------------

def _crash(monkeypatch: pytest.MonkeyPatch) -> Path | None:
    from scanner import errors

    try:
        raise RuntimeError("simulated bug")
    except RuntimeError as exc:
        return errors.write_debug_log(exc)


def test_the_debug_log_lives_in_a_private_state_directory(tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CREDSCOPE_DEBUG_LOG", raising=False)
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    log = _crash(monkeypatch)
    assert log == tmp_path / "state" / "credscope" / "debug.log"
    assert "simulated bug" in log.read_text()
    assert log.stat().st_mode & 0o777 == 0o600
    assert log.parent.stat().st_mode & 0o777 == 0o700


def test_a_planted_link_or_open_directory_is_never_written_through(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CREDSCOPE_DEBUG_LOG", raising=False)
    state = tmp_path / "state"
    (state / "credscope").mkdir(parents=True, mode=0o700)
    victim = tmp_path / "victim.txt"
    victim.write_text("untouched\n")
    (state / "credscope" / "debug.log").symlink_to(victim)
    monkeypatch.setenv("XDG_STATE_HOME", str(state))
    log = _crash(monkeypatch)
    assert victim.read_text() == "untouched\n"
    assert log is not None and log.parent != state / "credscope"
    assert log.stat().st_mode & 0o777 == 0o600 and log.parent.stat().st_mode & 0o777 == 0o700
    shared = tmp_path / "shared"
    (shared / "credscope").mkdir(parents=True)
    (shared / "credscope").chmod(0o777)
    monkeypatch.setenv("XDG_STATE_HOME", str(shared))
    log = _crash(monkeypatch)
    assert log is not None and log.parent != shared / "credscope"
