"""Real-code precision benchmark: credscope (defaults) and Kingfisher on pinned public
repositories, every alert matched to a hand label.

    python bench/realcode/prepare.py            # once: the trees under bench/.work/realcode
    python bench/realcode/run.py [--only NAME,...] [--include-notes] [--list unlabelled]

For each tree of repos.toml it runs `credscope scan TREE --format json -o ... --fail-on never
--no-progress` (defaults otherwise: no config of ours, the tree's own config if it has one)
and `kingfisher scan TREE --no-validate --no-update-check --git-history none --format json`
(offline: no validation, no update check, the working tree only), matches both tools' alerts
to labels/<name>.csv, and prints per repository and in total the numbers described in
bench/README.md ("Real code"). It writes summary.md and summary.json to
bench/.work/realcode/_out/. No secret value is printed: credscope's redacted form only.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from labels import LabelError, LabelIndex, load_all
from repos import BENCH, HERE, Repo, load_repos, select
from score import (
    ALERT_SEVERITIES,
    Alert,
    attach_labels,
    credscope_alerts,
    credscope_stats,
    false_alarm_kinds,
    kingfisher_alerts,
    kingfisher_stats,
)

WORK = BENCH / ".work" / "realcode"
OUT = WORK / "_out"
LABEL_DIR = HERE / "labels"
KINGFISHER = BENCH / ".peers" / "bin" / "kingfisher"
# Kingfisher exits 200 when it reports findings (205 when one validates; never here).
KINGFISHER_OK = (0, 200, 205)
LISTS = ("unlabelled", "fp", "errors-on-nonreal", "real", "unused-labels")


class BenchError(Exception):
    """Something the person running the benchmark must fix; exit 2."""


@dataclass
class RepoResult:
    repo: Repo
    credscope: list[Alert]
    kingfisher: list[Alert]
    seconds: dict[str, float]


def timed(cmd: list[str], cwd: Path, ok: tuple[int, ...]) -> float:
    start = time.perf_counter()
    done = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - start
    if done.returncode not in ok:
        raise BenchError(f"{cmd[0]} exited {done.returncode}: {done.stderr.strip()[-800:]}")
    return elapsed


def check_tree(repo: Repo) -> Path:
    tree = WORK / repo.name
    head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=tree, capture_output=True,
                          text=True, check=False) if tree.is_dir() else None
    if head is None or head.returncode != 0:
        raise BenchError(f"{tree} is missing: run python bench/realcode/prepare.py first")
    if head.stdout.strip() != repo.commit:
        raise BenchError(f"{tree} is at {head.stdout.strip()[:12]}, not the pinned "
                         f"{repo.commit[:12]}: run python bench/realcode/prepare.py")
    return tree


def scan(repo: Repo, credscope: Path, peers: bool, reuse: bool) -> RepoResult:
    tree = check_tree(repo)
    OUT.mkdir(parents=True, exist_ok=True)
    cs_report, kf_report = OUT / f"{repo.name}.credscope.json", OUT / f"{repo.name}.kingfisher.json"
    seconds: dict[str, float] = {}
    if not (reuse and cs_report.is_file()):
        seconds["credscope"] = timed([str(credscope), "scan", str(tree), "--format", "json",
                                      "-o", str(cs_report), "--fail-on", "never",
                                      "--no-progress"], cwd=OUT, ok=(0, 1))
    kf: list[Alert] = []
    if peers:
        if not (reuse and kf_report.is_file()):
            seconds["kingfisher"] = timed([str(KINGFISHER), "scan", str(tree), "--no-validate",
                                           "--no-update-check", "--git-history", "none",
                                           "--format", "json", "--output", str(kf_report),
                                           "--quiet"], cwd=OUT, ok=KINGFISHER_OK)
        kf = kingfisher_alerts(kf_report, repo.name, tree)
    return RepoResult(repo, credscope_alerts(cs_report, repo.name), kf, seconds)


def row(name: str, cs: dict[str, Any], kf: dict[str, Any] | None, real_total: int,
        notes: bool) -> list[str]:
    def num(value: object) -> str:
        return "-" if value is None else str(value)
    cells = [name, num(cs["alerts"]), num(cs["errors"]), num(cs["warnings"]), num(cs["notes"]),
             num(cs["suppressed"]), num(cs["defensible_pct"]), num(cs["errors_on_nonreal"]),
             f"{len(cs['real_keys'])}/{real_total}", str(len(cs["real_keys_any"])),
             num(cs["unlabelled_any"])]
    if notes:
        wn = cs["with_notes"]
        cells += [num(wn["alerts"]), num(wn["defensible_pct"])]
    if kf is not None:
        cells += [num(kf["alerts"]), num(kf["defensible_pct"]), f"{len(kf['real_keys'])}",
                  num(kf["unlabelled"])]
    return cells


def header(notes: bool, peers: bool) -> list[str]:
    cols = ["repository", "alerts", "errors", "warnings", "notes", "suppressed",
            "defensible %", "errors on non-real", "real alerted", "real found", "unlabelled"]
    if notes:
        cols += ["alerts+notes", "defensible % (+notes)"]
    if peers:
        cols += ["KF findings", "KF defensible %", "KF real", "KF unlabelled"]
    return cols


def markdown(rows: list[list[str]], cols: list[str]) -> str:
    align = ["---"] + ["---:"] * (len(cols) - 1)
    lines = ["| " + " | ".join(cols) + " |", "| " + " | ".join(align) + " |"]
    lines += ["| " + " | ".join(r) + " |" for r in rows]
    return "\n".join(lines)


def print_list(kind: str, results: list[RepoResult], index: LabelIndex) -> None:
    print(f"\n## --list {kind}")
    if kind == "unused-labels":
        for unused in index.unused():
            print(f"{unused.where}: {unused.repo} {unused.path}:{unused.line or '*'} "
                  f"{unused.label} {unused.kind}")
        return
    for res in results:
        for alert in res.credscope + res.kingfisher:
            lab = alert.label
            show = {
                "unlabelled": lab is None or bool(alert.unlabelled_occurrences),
                "fp": lab is not None and lab.label in {"placeholder", "not-a-secret"}
                and alert.severity in ALERT_SEVERITIES | {"finding"},
                "errors-on-nonreal": lab is not None and lab.label != "real"
                and alert.severity == "error",
                "real": lab is not None and lab.label == "real",
            }[kind]
            if not show:
                continue
            tag = f"{lab.label}/{lab.kind}" if lab else "UNLABELLED"
            print(f"{res.repo.name}\t{alert.where}:{alert.column or ''}\t{alert.rule}\t"
                  f"{alert.severity}\t{alert.redacted}\t{tag}")
            if kind == "unlabelled":
                for path, line in alert.unlabelled_occurrences:
                    print(f"{res.repo.name}\t{path}:{line}:\t{alert.rule}\t{alert.severity}\t"
                          f"{alert.redacted}\tUNLABELLED occurrence")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", help="comma-separated repository names")
    parser.add_argument("--credscope", type=Path,
                        default=Path(sys.executable).parent / "credscope",
                        help="credscope executable (default: next to this python)")
    parser.add_argument("--include-notes", action="store_true",
                        help="also count notes as alerts (extra columns)")
    parser.add_argument("--no-peers", action="store_true", help="credscope only")
    parser.add_argument("--reuse", action="store_true",
                        help="score the reports of the last run instead of scanning again")
    parser.add_argument("--list", action="append", choices=LISTS, default=[],
                        help="print these alerts (path:line, rule, redacted form, label)")
    args = parser.parse_args(argv)
    try:
        return run(args)
    except (BenchError, LabelError, ValueError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2


def run(args: argparse.Namespace) -> int:
    every = load_repos()
    repos = select(every, args.only)
    index = load_all(LABEL_DIR, [r.name for r in repos], [r.name for r in every])
    peers = not args.no_peers
    if not args.reuse and not os.access(args.credscope, os.X_OK):
        raise BenchError(f"no credscope at {args.credscope} (--credscope PATH)")
    if peers and not args.reuse and not os.access(KINGFISHER, os.X_OK):
        raise BenchError(f"no Kingfisher at {KINGFISHER}: run bench/setup_peers.sh "
                         "(or symlink bench/.peers), or pass --no-peers")
    results = []
    for repo in repos:
        print(f"scanning {repo.name} ...", file=sys.stderr, flush=True)
        res = scan(repo, args.credscope, peers, args.reuse)
        attach_labels(res.credscope, index)
        attach_labels(res.kingfisher, index)
        results.append(res)
    summary = summarise(results, index, args.include_notes, peers)
    cols = header(args.include_notes, peers)
    table = markdown(summary["rows"], cols)
    print(table)
    print(f"\nwall time: credscope {summary['seconds'].get('credscope', 0):.1f} s, "
          f"Kingfisher {summary['seconds'].get('kingfisher', 0):.1f} s"
          + (" (reports reused)" if args.reuse else ""))
    print("\nfalse-alarm kinds among credscope alerts (errors and warnings):")
    for kind, count in summary["false_alarm_kinds"]["alerts"]:
        print(f"  {count:5d}  {kind}")
    unused = len(index.unused())
    if unused:
        print(f"\n{unused} label rows match no alert today (--list unused-labels)")
    for kind in args.list:
        print_list(kind, results, index)
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "summary.md").write_text(table + "\n", encoding="utf-8")
    (OUT / "summary.json").write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
    print(f"\nwrote {OUT / 'summary.md'} and {OUT / 'summary.json'}", file=sys.stderr)
    return 0


def summarise(results: list[RepoResult], index: LabelIndex, notes: bool,
              peers: bool) -> dict[str, Any]:
    rows, per_repo = [], {}
    seconds: Counter[str] = Counter()
    all_cs: list[Alert] = []
    all_kf: list[Alert] = []
    real_total = 0
    for res in results:
        cs = credscope_stats(res.credscope, notes)
        kf = kingfisher_stats(res.kingfisher) if peers else None
        reals = sum(1 for lab in index.labels if lab.repo == res.repo.name and lab.label == "real")
        real_total += reals
        rows.append(row(res.repo.name, cs, kf, reals, notes))
        per_repo[res.repo.name] = {"commit": res.repo.commit, "credscope": cs,
                                   "kingfisher": kf, "real_labels": reals,
                                   "seconds": res.seconds}
        seconds.update(res.seconds)
        all_cs += res.credscope
        all_kf += res.kingfisher
    total_cs = credscope_stats(all_cs, notes)
    total_kf = kingfisher_stats(all_kf) if peers else None
    rows.append(row("**total**", total_cs, total_kf, real_total, notes))
    fak = {
        "alerts": false_alarm_kinds(all_cs, ALERT_SEVERITIES).most_common(),
        "errors": false_alarm_kinds(all_cs, frozenset({"error"})).most_common(),
        "notes": false_alarm_kinds(all_cs, frozenset({"note"})).most_common(),
        "suppressed": false_alarm_kinds(all_cs, frozenset({"suppressed"})).most_common(),
        "kingfisher": false_alarm_kinds(all_kf, frozenset({"finding"})).most_common(),
    }
    return {"repos": per_repo, "total": {"credscope": total_cs, "kingfisher": total_kf,
                                         "real_labels": real_total},
            "rows": rows, "seconds": dict(seconds), "false_alarm_kinds": fak,
            "unused_labels": [lab.where for lab in index.unused()]}


if __name__ == "__main__":
    sys.exit(main())
