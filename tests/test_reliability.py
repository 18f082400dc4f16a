"""Reliability and security guarantees, each with a test that fails if it breaks: offline,
redacted, interruptible, bounded, and deaf to what a hostile repository asks for."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from scanner.config import Config
from scanner.pipeline import build_stages, scan
from scanner.reporters import REPORTERS
from scanner.sources.worktree import WorktreeSource
from tests.conftest import NetworkBlocked
from tests.helpers import commit_all, github_token, init_repo, stripe_key

ROOT = Path(__file__).resolve().parents[1]


def _cli(*args: str, cwd: Path | None = None, env: dict[str, str] | None = None,
         ) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "scanner", *args], capture_output=True,
                          text=True, cwd=cwd, check=False, env=env)


# -- offline -----------------------------------------------------------------------------

def test_sockets_are_blocked_in_tests() -> None:
    with pytest.raises(NetworkBlocked):
        socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    with pytest.raises(NetworkBlocked):
        socket.create_connection(("127.0.0.1", 9))


def test_full_scan_runs_with_sockets_blocked_in_process(tmp_path: Path) -> None:
    (tmp_path / "app.py").write_text(f'KEY = "{stripe_key(seed="net")}"\n')
    config = Config(root=tmp_path)
    result = scan(config, WorktreeSource(config), build_stages(config))
    assert [f.rule_id for f in result.findings] == ["stripe.secret-key"]


def test_cli_scan_in_a_subprocess_with_sockets_blocked(tmp_path: Path) -> None:
    """The guard above covers this process; the CLI runs in its own, so block it there too
    (a sitecustomize that makes every inet socket raise) and require a normal scan."""
    guard = tmp_path / "guard"
    guard.mkdir()
    (guard / "sitecustomize.py").write_text(
        "import socket\n"
        "_real = socket.socket\n"
        "class _Blocked(_real):\n"
        "    def __init__(self, family=-1, *a, **k):\n"
        "        if family in (-1, socket.AF_INET, socket.AF_INET6):\n"
        "            raise SystemExit('NETWORK-ATTEMPT')\n"
        "        super().__init__(family, *a, **k)\n"
        "socket.socket = _Blocked\n"
        "def _refuse(*a, **k):\n"
        "    raise SystemExit('NETWORK-ATTEMPT')\n"
        "socket.create_connection = _refuse\n"
        "socket.getaddrinfo = _refuse\n")
    tree = tmp_path / "tree"
    tree.mkdir()
    (tree / "settings.py").write_text(f'TOKEN = "{github_token(seed="net")}"\n'
                                      f'STRIPE = "{stripe_key(seed="net2")}"\n')
    env = {**os.environ, "PYTHONPATH": f"{guard}{os.pathsep}{ROOT}"}
    for fmt in REPORTERS:
        proc = _cli("scan", str(tree), "--format", fmt, "--no-progress", env=env)
        assert "NETWORK-ATTEMPT" not in proc.stdout + proc.stderr
        assert proc.returncode in (0, 1), proc.stderr


# -- redaction -----------------------------------------------------------------------------

@pytest.fixture
def seeded_tree(tmp_path: Path) -> tuple[Path, list[str]]:
    secrets = [stripe_key(seed="r1"), stripe_key("pk", seed="r2"), stripe_key(seed="r3")]
    tree = tmp_path / "tree"
    (tree / "web").mkdir(parents=True)
    (tree / "config.yaml").write_text(f"stripe: {secrets[0]}\n")
    (tree / "web" / "app.js").write_text(f'const pk = "{secrets[1]}";\n')
    (tree / "notes.md").write_text(f"old key {secrets[2]} rotated\n")
    return tree, secrets


@pytest.mark.parametrize("fmt", sorted(REPORTERS))
def test_no_whole_secret_in_any_output(seeded_tree: tuple[Path, list[str]], tmp_path: Path,
                                       fmt: str) -> None:
    tree, secrets = seeded_tree
    out = tmp_path / f"report.{fmt}"
    log = tmp_path / "debug.log"
    env = {**os.environ, "CREDSCOPE_DEBUG_LOG": str(log)}
    proc = _cli("scan", str(tree), "--format", fmt, "--output", str(out), "--no-progress",
                env=env)
    assert proc.returncode == 1, proc.stderr
    term = _cli("scan", str(tree), "--no-progress", env=env)
    produced = [proc.stdout, proc.stderr, out.read_text(), term.stdout, term.stderr]
    if log.exists():
        produced.append(log.read_text())
    for text in produced:
        for secret in secrets:
            assert secret not in text
    # The opt-in flag is the one way to see a secret.
    shown = _cli("scan", str(tree), "--format", fmt, "--show-secrets", "--no-progress")
    assert any(s in shown.stdout for s in secrets)


# -- interrupts ----------------------------------------------------------------------------

def _session_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    return True


def _as_from_a_terminal() -> None:
    """Ctrl-C as a terminal delivers it: a suite started in the background by a
    non-interactive shell (`cmd &`) inherits SIGINT ignored, and so would the scan, which
    then rightly ignores it."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def test_ctrl_c_exits_130_without_partial_report_or_stray_children(tmp_path: Path) -> None:
    tree = tmp_path / "big"
    tree.mkdir()
    line = ("password_hint = 'not really' token_refresh sk_live_notakey " * 4 + "\n").encode()
    block = line * (4 * 1024 * 1024 // len(line))
    for i in range(80):  # 320 MiB through the slow pure-re engine: seconds of work
        (tree / f"f{i:03d}.txt").write_bytes(block)
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    proc = subprocess.Popen(
        [sys.executable, "-m", "scanner", "scan", str(tree), "--engine", "re", "--jobs", "2",
         "--no-progress", "--format", "json", "--output", str(out_dir / "report.json")],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True,
        preexec_fn=_as_from_a_terminal)
    time.sleep(2.0)
    assert proc.poll() is None, "scan finished before it could be interrupted"
    os.killpg(proc.pid, signal.SIGINT)  # what a terminal's Ctrl-C does: the whole group
    sent = time.monotonic()
    _, err = proc.communicate(timeout=30)
    assert time.monotonic() - sent < 5, "interrupt was not prompt"
    assert proc.returncode == 130, err
    assert b"Traceback" not in err
    assert list(out_dir.iterdir()) == [], "a partial report was left behind"
    deadline = time.monotonic() + 5
    while _session_alive(proc.pid) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not _session_alive(proc.pid), "worker processes outlived the scan"


# -- hostile repositories -----------------------------------------------------------------

def test_hostile_file_names_are_escaped_in_terminal_output(tmp_path: Path) -> None:
    tree = tmp_path / "tree"
    tree.mkdir()
    nasty = "evil\x1b[31mRED\x1b[0m\nFAKE: 0 findings\r.env"
    (tree / nasty).write_text(f"KEY={stripe_key(seed='esc')}\n")
    proc = _cli("scan", str(tree), "--no-progress")
    assert proc.returncode == 1
    assert "\x1b" not in proc.stdout and "\r" not in proc.stdout
    assert "\\x1b[31mRED" in proc.stdout
    assert "\nFAKE: 0 findings" not in proc.stdout
    doc = json.loads(_cli("scan", str(tree), "-f", "json", "--no-progress").stdout)
    assert doc["findings"][0]["path"] == nasty


def test_repository_config_cannot_run_programs(tmp_path: Path) -> None:
    """fsmonitor, hooks and clean/smudge filters named by a repository must never run."""
    repo = init_repo(tmp_path / "repo")
    marker = tmp_path / "PWNED"
    script = tmp_path / "evil.sh"
    script.write_text(f"#!/bin/sh\ntouch {marker}\ncat\n")
    script.chmod(0o755)
    (repo / "app.py").write_text(f'KEY = "{stripe_key(seed="hostile")}"\n')
    (repo / ".gitattributes").write_text("*.py filter=evil\n")
    commit_all(repo, "init")
    for key, value in (("core.fsmonitor", str(script)), ("filter.evil.clean", str(script)),
                       ("filter.evil.smudge", str(script)), ("core.hooksPath", str(tmp_path)),
                       ("diff.external", str(script))):
        subprocess.run(["git", "config", key, value], cwd=repo, check=True)
    for hook in ("post-checkout", "pre-commit", "post-index-change", "reference-transaction"):
        (tmp_path / hook).write_text(f"#!/bin/sh\ntouch {marker}\n")
        (tmp_path / hook).chmod(0o755)
    (repo / "app.py").write_text(f'KEY = "{stripe_key(seed="hostile2")}"\n')  # dirty tree
    for extra in ([], ["--history"], ["--staged"]):
        proc = _cli("scan", str(repo), "--no-progress", "-f", "json", *extra)
        assert proc.returncode in (0, 1), proc.stderr
        assert not marker.exists(), f"repository config ran a program during scan {extra}"


def test_directory_of_many_empty_files_stays_small(tmp_path: Path) -> None:
    tree = tmp_path / "many"
    tree.mkdir()
    for i in range(20_000):
        (tree / f"{i:05d}").touch()
    code = (
        "import resource, sys\n"
        "from scanner.cli import main\n"
        "sys.argv = ['credscope', 'scan', sys.argv[1], '--no-progress', '-f', 'json', '-o',"
        " sys.argv[2]]\n"
        "try:\n    main()\nexcept SystemExit as e:\n"
        # VmHWM: this program's own peak (ru_maxrss also keeps pytest's, from before exec).
        "    hwm = [l for l in open('/proc/self/status') if l.startswith('VmHWM')]\n"
        "    print(hwm[0].split()[1] if hwm else"
        " resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, e.code)\n")
    out = tmp_path / "r.json"
    proc = subprocess.run([sys.executable, "-c", code, str(tree), str(out)],
                          capture_output=True, text=True, check=True)
    rss_kib, exit_code = proc.stdout.split()
    assert exit_code == "0"
    assert int(rss_kib) < 300 * 1024
    assert json.loads(out.read_text())["scan"]["files"] == 20_000


# -- internal errors -----------------------------------------------------------------------
# tests/test_exit_codes.py proves exit 3 in-process (CliRunner); these run the real CLI in a
# subprocess with the bug injected by a sitecustomize, and read the debug log it points to.

def _inject(tmp_path: Path, patch: str) -> dict[str, str]:
    hook = tmp_path / "inject"
    hook.mkdir()
    (hook / "sitecustomize.py").write_text(patch)
    return {**os.environ, "PYTHONPATH": f"{hook}{os.pathsep}{ROOT}",
            "CREDSCOPE_DEBUG_LOG": str(tmp_path / "debug.log")}


def test_a_bug_deep_in_the_pipeline_exits_3_with_one_line(tmp_path: Path) -> None:
    env = _inject(tmp_path, (
        "from scanner.classify import classifier\n"
        "def broken(self, *a, **k):\n"
        "    raise ZeroDivisionError('injected classifier bug')\n"
        "classifier.DefaultClassifier.classify = broken\n"))
    tree = tmp_path / "tree"
    tree.mkdir()
    secret = stripe_key(seed="bug")
    (tree / "app.py").write_text(f'KEY = "{secret}"\n')
    for extra in ([], ["--format", "json"], ["--jobs", "2"]):
        proc = _cli("scan", str(tree), "--no-progress", "--fail-on", "note", *extra, env=env)
        assert proc.returncode == 3, proc.stderr
        lines = proc.stderr.strip().splitlines()
        assert len(lines) == 1 and "Traceback" not in proc.stderr
        assert "internal error: ZeroDivisionError" in lines[0] and "not a finding" in lines[0]
        assert str(tmp_path / "debug.log") in lines[0]
        assert proc.stdout == ""  # no report that could be read as a verdict
    log = (tmp_path / "debug.log").read_text()
    assert "Traceback" in log and "injected classifier bug" in log
    assert secret not in log


def test_a_decoder_bug_costs_detail_not_the_scan(tmp_path: Path) -> None:
    """Decoders sit behind run_decoder: one that raises gives an UNKNOWN reading (ranked at
    its format's worst case), never exit 3 and never a lost finding."""
    env = _inject(tmp_path, (
        "from scanner.classify import decoders\n"
        "def broken(secret, around):\n"
        "    raise IndexError('injected decoder bug')\n"
        "for name in list(decoders.DECODERS):\n"
        "    decoders.DECODERS[name] = broken\n"))
    tree = tmp_path / "tree"
    tree.mkdir()
    (tree / "app.py").write_text(f'KEY = "{stripe_key(seed="dec")}"\n')
    proc = _cli("scan", str(tree), "--no-progress", "-f", "json", env=env)
    assert proc.returncode == 1, proc.stderr
    findings = json.loads(proc.stdout)["findings"]
    assert [f["ruleId"] for f in findings] == ["stripe.secret-key"]
    assert findings[0]["severity"] == "error"


def test_non_utf8_file_names_in_every_report(tmp_path: Path) -> None:
    """A file name that is not UTF-8 must not crash any reporter: text shows U+FFFD, SARIF
    URIs percent-encode the original bytes."""
    tree = tmp_path / "tree"
    tree.mkdir()
    raw = os.fsencode(str(tree)) + b"/caf\xe9-\xff.env"
    with open(raw, "wb") as fh:
        fh.write(f"KEY={stripe_key(seed='latin')}\n".encode())
    for fmt in sorted(REPORTERS):
        out = tmp_path / f"r.{fmt}"
        proc = _cli("scan", str(tree), "--format", fmt, "-o", str(out), "--no-progress")
        assert proc.returncode == 1, (fmt, proc.stderr)
        text = out.read_text("utf-8")
        if fmt == "json":
            assert json.loads(text)["findings"][0]["path"] == "caf\ufffd-\ufffd.env"
        if fmt == "sarif":
            uri = json.loads(text)["runs"][0]["results"][0]["locations"][0][
                "physicalLocation"]["artifactLocation"]["uri"]
            assert uri == "caf%E9-%FF.env"
