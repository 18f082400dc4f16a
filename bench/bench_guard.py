"""Latency of `credscope guard`: one hook process per event, interpreter start included.

    python bench/bench_guard.py [--events 500] [--entry credscope|credscope-guard] [--seed 7]

Builds the guard's test project (tests/guard_events.py: an ordinary app, a gitignored .env,
the incident's notes file with an account-wide Railway token, fixtures with test keys, CLI
credential stores in a home directory), then replays `--events` Claude Code hook events
drawn from its benign and risky cases in a seeded random order (after one pass over every
case, the "first sight" numbers: no file judged before), each as a fresh
`credscope guard claude-code` process (what `credscope guard install` writes; `--entry
credscope-guard` times the same entry under its own name). Every answer is checked
against the case's expected outcome, so a fast wrong guard cannot pass. Reports p50, p95,
p99 and max wall time, overall and for benign and risky events, the CPU time of the hook
processes, the first call after a rules change (the index build), a bare `python -c pass`
for scale, and the load average (the machine is shared). Not part of the test suite.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests import guard_events as ge  # noqa: E402 - after the checkout is importable

BIN = Path(sys.executable).parent


def quantiles(xs: list[float]) -> str:
    xs = sorted(xs)

    def q(p: float) -> float:
        return xs[min(len(xs) - 1, round(p * (len(xs) - 1)))] * 1000

    return (f"p50 {q(0.5):6.1f} ms  p95 {q(0.95):6.1f} ms  p99 {q(0.99):6.1f} ms  "
            f"max {xs[-1] * 1000:6.1f} ms  (n={len(xs)})")


def command(entry: str) -> list[str]:
    if entry == "credscope-guard":
        return [str(BIN / "credscope-guard"), "claude-code"]
    return [str(BIN / "credscope"), "guard", "claude-code"]


def answer(stdout: str) -> str:
    if not stdout.strip():
        return "none"
    out = json.loads(stdout)
    return str(out.get("hookSpecificOutput", {}).get("permissionDecision")
               or out.get("decision"))


def one(cmd: list[str], event: dict[str, object], env: dict[str, str]
        ) -> tuple[float, float, str]:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    proc = subprocess.run(cmd, input=json.dumps(event), capture_output=True, text=True,
                          env=env, check=False)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if proc.returncode != 0:
        raise SystemExit(f"guard failed: {proc.stderr}")
    return wall, cpu, answer(proc.stdout)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=500)
    parser.add_argument("--entry", choices=("credscope", "credscope-guard"), default="credscope")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="credscope-guard-bench-") as tmp:
        root = Path(tmp)
        proj, home = ge.make_project(root)
        cache = root / "cache"
        env = {**os.environ, "HOME": str(home), "CREDSCOPE_CACHE_DIR": str(cache)}
        cases = ge.cases(proj, home)
        cmd = command(args.entry)
        base = {"session_id": "bench", "transcript_path": str(root / "t.jsonl"),
                "cwd": str(proj), "permission_mode": "default"}
        load_before = os.getloadavg()
        cold, _, _ = one(cmd, {**base, **cases[0].event}, env)
        # What `credscope guard install` does next: compile the bytecode (the index is built).
        subprocess.run([sys.executable, "-c", "from scanner.guard.install import warm; warm()"],
                       env=env, check=True)
        bare = [one([sys.executable, "-c", "pass"], {}, env)[0] for _ in range(30)]
        wrong: list[str] = []

        def replay(chosen: list[ge.Case]) -> tuple[dict[str, list[float]], list[float]]:
            walls: dict[str, list[float]] = {"all": [], "benign": [], "risky": []}
            cpus: list[float] = []
            for case in chosen:
                wall, cpu, got = one(cmd, {**base, **case.event}, env)
                walls["all"].append(wall)
                walls["risky" if case.risky else "benign"].append(wall)
                cpus.append(cpu)
                if got != case.expect:
                    wrong.append(f"{case.name}: expected {case.expect}, got {got}")
            return walls, cpus

        # First sight: every case once, nothing judged before (what a suite of distinct
        # events sees). Then the mixed session: files the guard judged before are answered
        # from its cache, as in an agent's session.
        first, first_cpu = replay(cases)
        rng = random.Random(args.seed)
        mixed, mixed_cpu = replay([rng.choice(cases) for _ in range(args.events)])
        load_after = os.getloadavg()
        shutil.rmtree(cache, ignore_errors=True)
    print(f"credscope guard latency, entry {' '.join(Path(c).name for c in cmd[:2])}, "
          f"Python {sys.version.split()[0]}, {os.cpu_count()} cores")
    print(f"load average before {load_before[0]:.1f}, after {load_after[0]:.1f}")
    for title, walls, cpus in (("first sight (each case once)", first, first_cpu),
                               (f"mixed session ({args.events} events)", mixed, mixed_cpu)):
        print(title)
        for label, xs in walls.items():
            print(f"  {label:7} wall {quantiles(xs)}")
        print(f"  all     cpu  {quantiles(cpus)}")
    print(f"  python -c pass: p50 {statistics.median(bare) * 1000:.1f} ms")
    print(f"  first call after a rules change (builds the index): {cold * 1000:.0f} ms")
    print(f"  wrong answers: {len(wrong)}")
    for line in wrong[:10]:
        print("    " + line)


if __name__ == "__main__":
    main()
