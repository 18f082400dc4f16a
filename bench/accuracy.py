#!/usr/bin/env python3
"""Accuracy benchmark: credscope against detect-secrets and Kingfisher on a CredData split.

    python bench/accuracy.py [--split /work/shared/corpus/creddata-dev] [--no-peers]
                             [--list fn 20] [--list unlabelled 30] [--per-rule] [--folds 3]

One invocation runs, on the same machine and the same data/ directory:
  credscope      `credscope scan DATA --format sarif` (wall time includes interpreter start)
  detect-secrets `detect-secrets scan --all-files` from bench/.peers, its JSON made SARIF
  Kingfisher     `kingfisher scan --no-validate --format sarif` from bench/.peers
and scores every SARIF with the shared scorer (score_creddata.py): precision, recall and F1
overall, per category and for test/example scopes against the rest, plus the share of
reported locations that no label covers. Peers come from bench/setup_peers.sh; a missing
peer is reported and skipped. Outputs go to bench/.work/accuracy/.

`--reasons` scores what each suppression reason holds back: the suppressed results, grouped
by reason, are scored as if active (a reason whose rows are T costs recall; F/X, saves
precision).

`--folds N` also scores N repository-level halvings of the split (seeded, so the same N give
the same halves every run): each line is one halving, its two halves' P/R/F1 side by side. A
heuristic judged on the split should help both halves of every halving; one that helps a
single half is fitted to that half's repositories (see bench/README.md, "Generalisation").
"""

from __future__ import annotations

import argparse
import json
import random
import re
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
DEFAULT_SPLIT = Path("/work/shared/corpus/creddata-dev")
DEFAULT_SCORER = Path("/work/shared/bench/score_creddata.py")
PEERS = HERE / ".peers" / "bin"
WORK = HERE / ".work" / "accuracy"


def run_timed(cmd: list[str], cwd: Path | None = None
              ) -> tuple[float, subprocess.CompletedProcess[bytes]]:
    started = time.perf_counter()
    proc = subprocess.run(cmd, cwd=cwd, capture_output=True, check=False)
    return time.perf_counter() - started, proc


def credscope(data: Path, out: Path) -> float:
    exe = Path(sys.executable).parent / "credscope"
    # Warm-up on an empty directory: compiles and caches the hyperscan database for the
    # current rules, as every run after the first one finds it (the timed run must not pay
    # a one-off compile).
    empty = WORK / "empty"
    empty.mkdir(exist_ok=True)
    run_timed([str(exe), "scan", str(empty), "--no-progress", "--fail-on", "never"])
    # Scored exactly as written: one SARIF result per place of each secret.
    seconds, proc = run_timed([str(exe), "scan", str(data), "--format", "sarif", "-o", str(out),
                               "--no-progress", "--no-baseline", "--fail-on", "never"])
    if proc.returncode not in (0, 1):
        raise SystemExit(f"credscope failed ({proc.returncode}): {proc.stderr.decode()[-2000:]}")
    return seconds


def detect_secrets(data: Path, out: Path) -> float | None:
    exe = PEERS / "detect-secrets"
    if not exe.exists():
        return None
    seconds, proc = run_timed([str(exe), "scan", "--all-files", "."], cwd=data)
    baseline = json.loads(proc.stdout or b"{}")
    results = [
        {"ruleId": s["type"], "message": {"text": s["type"]},
         "locations": [{"physicalLocation": {"artifactLocation": {"uri": f"data/{path}"},
                                             "region": {"startLine": s["line_number"]}}}]}
        for path, secrets in baseline.get("results", {}).items() for s in secrets
    ]
    write_sarif(out, "detect-secrets", results)
    return seconds


def kingfisher(data: Path, out: Path) -> float | None:
    exe = PEERS / "kingfisher"
    if not exe.exists():
        return None
    seconds, _ = run_timed([str(exe), "scan", str(data), "--no-validate", "--format", "sarif",
                            "--output", str(out)])
    return seconds if out.exists() else None


def write_sarif(out: Path, tool: str, results: list[dict[str, Any]]) -> None:
    doc = {"version": "2.1.0", "runs": [{"tool": {"driver": {"name": tool}},
                                         "results": results}]}
    out.write_text(json.dumps(doc))


def score(scorer: Path, sarif: Path, split: Path, extra: list[str]) -> tuple[dict[str, Any], str]:
    js = sarif.with_suffix(".score.json")
    proc = subprocess.run([sys.executable, str(scorer), str(sarif), "--meta", str(split / "meta"),
                           "--root", str(split), "--json", str(js), *extra],
                          capture_output=True, text=True, check=True)
    return json.loads(js.read_text()), proc.stdout


def fmt(x: float | None) -> str:
    return "   -  " if x is None else f"{x:6.3f}"


def row(name: str, t: dict[str, Any]) -> str:
    return (f"  {name[:30]:<30} {t['positives']:>5} {t['tp']:>5} {t['fp']:>5} {t['fn']:>5}  "
            f"{fmt(t['precision'])} {fmt(t['recall'])} {fmt(t['f1'])}")


def summary(name: str, seconds: float, res: dict[str, Any]) -> list[str]:
    o, f = res["overall"], res["findings"]
    share = f["unlabelled"] / f["locations"] if f["locations"] else 0.0
    return [f"{name:<15} P {fmt(o['precision'])}  R {fmt(o['recall'])}  F1 {fmt(o['f1'])}  "
            f"locations {f['locations']:>5}  unlabelled {f['unlabelled']:>4} ({share:5.1%})  "
            f"wall {seconds:6.2f} s"]


def details(res: dict[str, Any]) -> list[str]:
    out = [f"  {'':<30} {'pos':>5} {'TP':>5} {'FP':>5} {'FN':>5}  {'prec':>6} {'recall':>6} "
           f"{'F1':>6}", row("scope: test/example", res["scope"]["test_example"]),
           row("scope: other", res["scope"]["other"]),
           row("credential-bearing only", res["credential_bearing"])]
    cats = sorted(res["category"].items(), key=lambda kv: -kv[1]["positives"])
    out += [row(c, t) for c, t in cats if t["positives"] or t["fp"]]
    return out


def halvings(repos: list[str], n: int) -> list[tuple[list[str], list[str]]]:
    """n seeded random splits of the repositories into two halves (the first sorted)."""
    out = []
    for seed in range(n):
        shuffled = sorted(repos)
        random.Random(seed).shuffle(shuffled)
        half = len(shuffled) // 2
        out.append((sorted(shuffled[:half]), sorted(shuffled[half:])))
    return out


def half_scores(res: dict[str, Any], repos: list[str]) -> tuple[float, float, float]:
    tp = sum(res["repo"][r]["tp"] for r in repos if r in res["repo"])
    fp = sum(res["repo"][r]["fp"] for r in repos if r in res["repo"])
    fn = sum(res["repo"][r]["fn"] for r in repos if r in res["repo"])
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


def folds(res: dict[str, Any], n: int) -> list[str]:
    out = ["", f"repository halvings ({n}): P/R/F1 of half A | half B"]
    for i, (a, b) in enumerate(halvings(list(res["repo"]), n)):
        pa, ra, fa = half_scores(res, a)
        pb, rb, fb = half_scores(res, b)
        out.append(f"  fold {i}: A {pa:.3f} {ra:.3f} {fa:.3f} | B {pb:.3f} {rb:.3f} {fb:.3f}"
                   f"   A = {','.join(r[:4] for r in a)}")
    return out


def _reason_key(text: str) -> str:
    return re.sub(r"\s*\([^)]*\)|'[^']*'|\d+", "", text).strip()


def reasons(scorer: Path, sarif: Path, split: Path) -> list[str]:
    """Score the suppressed results of `sarif` per suppression reason, as if active."""
    doc = json.loads(sarif.read_text())
    groups: dict[str, list[dict[str, Any]]] = {}
    for run in doc["runs"]:
        for res in run.get("results", []):
            for sup in res.get("suppressions") or []:
                key = _reason_key(sup.get("justification", "?"))
                groups.setdefault(key, []).append({k: v for k, v in res.items()
                                                   if k != "suppressions"})
    out = ["", "suppressed, by reason (scored as if active):",
           f"  {'T rows':>6} {'F/X':>5} {'unlab':>5} {'results':>7}  reason"]
    rows = []
    for key, results in groups.items():
        path = WORK / "reason.sarif"
        write_sarif(path, "credscope", results)
        res, _ = score(scorer, path, split, [])
        o, f = res["overall"], res["findings"]
        rows.append((o["tp"], o["fp"], f["unlabelled"], len(results), key))
    for tp, fp, unl, n, key in sorted(rows, key=lambda r: (-r[0], -r[1])):
        out.append(f"  {tp:>6} {fp:>5} {unl:>5} {n:>7}  {key[:100]}")
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--split", type=Path, default=DEFAULT_SPLIT)
    ap.add_argument("--scorer", type=Path, default=DEFAULT_SCORER)
    ap.add_argument("--no-peers", action="store_true", help="score credscope only")
    ap.add_argument("--per-rule", action="store_true")
    ap.add_argument("--list", nargs=2, action="append", default=[], metavar=("KIND", "N"))
    ap.add_argument("--reasons", action="store_true",
                    help="score the suppressed results per suppression reason")
    ap.add_argument("--folds", type=int, default=0, metavar="N",
                    help="also score N seeded repository-level halvings of the split")
    args = ap.parse_args(argv)
    WORK.mkdir(parents=True, exist_ok=True)
    data = args.split / "data"
    runs: list[tuple[str, float, Path]] = []
    sarif = WORK / "credscope.sarif"
    runs.append(("credscope", credscope(data, sarif), sarif))
    if not args.no_peers:
        for name, fn in (("detect-secrets", detect_secrets), ("kingfisher", kingfisher)):
            out = WORK / f"{name}.sarif"
            seconds = fn(data, out)
            if seconds is None:
                print(f"note: {name} is not installed in bench/.peers (bench/setup_peers.sh)")
                continue
            runs.append((name, seconds, out))
    lines: list[str] = []
    detail: list[str] = []
    for i, (name, seconds, path) in enumerate(runs):
        extra = ["--per-rule"] if args.per_rule and i == 0 else []
        for kind, n in args.list if i == 0 else []:
            extra += ["--list", kind, n]
        res, text = score(args.scorer, path, args.split, extra)
        lines += summary(name, seconds, res)
        if i == 0:
            detail = ["", "credscope in detail:", *details(res)]
            if args.folds:
                detail += folds(res, args.folds)
            if args.reasons:
                detail += reasons(args.scorer, path, args.split)
            if extra:
                print(text)
    ds = next((s for n, s, _ in runs if n == "detect-secrets"), None)
    if ds:
        lines.append(f"credscope is {ds / runs[0][1]:.1f}x faster than detect-secrets")
    lines += detail
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
