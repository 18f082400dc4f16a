"""What hostile repositories cost credscope: wall time and peak memory on inputs built to
exhaust a scanner (issue 17). Not part of the test suite.

    python bench/bench_hostile.py [--credscope PATH] [--timeout 600] [--only a,b]

Cases (inputs are generated into bench/.work/hostile/ on first use):
- key-repeat:     one 8 MiB file of `key=` repeated (the assignment detector's worst case)
- kty-repeat:     one 8 MiB file of `"kty"` repeated (the JWK detector's)
- many-findings:  120,000 distinct fake live Stripe keys in one 3.9 MB file
- stale-baseline: a small tree with a baseline of 200,000 entries that match nothing
                  (terminal report, where every stale entry used to be a line)

Each case runs `credscope scan` as a subprocess with `--jobs 1` and the terminal report, and
reports wall seconds and the peak RSS of credscope and its children (wait4's ru_maxrss).
`--credscope` points at another installation (say, a checkout of an older commit with its own
venv) to measure before and after in one run.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import random
import string
import subprocess
import sys
import time
from pathlib import Path

WORK = Path(__file__).resolve().parent / ".work" / "hostile"
MiB = 1024 * 1024


def _case_key_repeat() -> Path:
    tree = WORK / "key-repeat"
    if not tree.exists():
        tree.mkdir(parents=True)
        (tree / "blob.txt").write_bytes(b"key=" * (8 * MiB // 4))
    return tree


def _case_kty_repeat() -> Path:
    tree = WORK / "kty-repeat"
    if not tree.exists():
        tree.mkdir(parents=True)
        (tree / "blob.json").write_bytes(b'"kty"' * (8 * MiB // 5))
    return tree


def _case_many_findings() -> Path:
    tree = WORK / "many-findings"
    if not tree.exists():
        tree.mkdir(parents=True)
        rng = random.Random(17)
        alphabet = string.ascii_letters + string.digits
        lines = ("sk_live_" + "".join(rng.choice(alphabet) for _ in range(24))
                 for _ in range(120_000))
        (tree / "keys.txt").write_text("\n".join(lines) + "\n")
    return tree


def _case_stale_baseline() -> Path:
    tree = WORK / "stale-baseline"
    if not tree.exists():
        tree.mkdir(parents=True)
        (tree / "app.py").write_text("print('hello')\n")
        rng = random.Random(200)
        salt = base64.b64encode(rng.randbytes(16)).decode().rstrip("=")
        entries = [{"fingerprint": f"v2:{rng.getrandbits(160):040x}", "rule": "generic.secret"}
                   for _ in range(200_000)]
        doc = {"version": 2, "tool": "credscope", "fingerprint": f"$scrypt$ln=11,r=8,p=1${salt}",
               "entries": entries}
        (tree / ".credscope-baseline.json").write_text(json.dumps(doc))
    return tree


CASES = {"key-repeat": _case_key_repeat, "kty-repeat": _case_kty_repeat,
         "many-findings": _case_many_findings, "stale-baseline": _case_stale_baseline}


def run(credscope: str, tree: Path, timeout: float) -> tuple[str, float, int, int]:
    """(outcome, seconds, exit code, peak RSS in MiB of credscope and its children)."""
    env = {**os.environ, "CREDSCOPE_CACHE_DIR": str(WORK / "cache")}
    started = time.monotonic()
    proc = subprocess.Popen([credscope, "scan", str(tree), "--jobs", "1", "--no-progress",
                             "--fail-on", "never"], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, env=env)
    while True:
        pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
        if pid:
            seconds = time.monotonic() - started
            proc.returncode = os.waitstatus_to_exitcode(status)
            return "ok", seconds, proc.returncode, usage.ru_maxrss // 1024
        if time.monotonic() - started > timeout:
            proc.kill()
            _, status, usage = os.wait4(proc.pid, 0)
            return "timeout", timeout, -9, usage.ru_maxrss // 1024
        time.sleep(0.05)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--credscope", action="append",
                        help="credscope executable to measure; repeat to compare (default: "
                             "the one beside this python)")
    parser.add_argument("--timeout", type=float, default=600.0)
    parser.add_argument("--only", help="comma-separated cases")
    args = parser.parse_args()
    tools = args.credscope or [str(Path(sys.executable).parent / "credscope")]
    cases = args.only.split(",") if args.only else list(CASES)
    print("| case | credscope | outcome | seconds | exit | peak RSS (MiB) |")
    print("|---|---|---|---:|---:|---:|")
    for case in cases:
        tree = CASES[case]()
        for tool in tools:
            outcome, seconds, code, rss = run(tool, tree, args.timeout)
            print(f"| {case} | {tool} | {outcome} | {seconds:.1f} | {code} | {rss:,} |",
                  flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
