"""Labelling aid: shows each unlabelled alert of the last run with the source around it.

    python bench/realcode/run.py --only NAME          # scan first (writes the reports)
    python bench/realcode/label_aid.py NAME [--context 3] [--max 50]

This is for the person labelling and prints the scanned repository's own lines, values
included (they must be seen to be judged); run.py never does. Each alert is followed by a CSV
row to complete (label, kind, note) and append to labels/NAME.csv.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from labels import load_all
from repos import load_repos, select
from run import LABEL_DIR, OUT, WORK
from score import Alert, attach_labels, credscope_alerts, kingfisher_alerts

WIDTH = 220


def clip(text: str, column: int | None) -> str:
    text = text.rstrip("\n")
    if len(text) <= WIDTH:
        return text
    start = max(0, (column or 1) - 1 - WIDTH // 3)
    return ("…" if start else "") + text[start:start + WIDTH] + "…"


def show(tree: Path, path: str, line: int, column: int | None, context: int) -> None:
    try:
        lines = (tree / path).read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError as err:
        print(f"    (cannot read: {err})")
        return
    for number in range(max(1, line - context), min(len(lines), line + context) + 1):
        mark = ">>" if number == line else "  "
        print(f"  {mark}{number:6d}  {clip(lines[number - 1], column if number == line else None)}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("repo")
    parser.add_argument("--context", type=int, default=3)
    parser.add_argument("--max", type=int, default=0, help="stop after N alerts (0 = all)")
    parser.add_argument("--all", action="store_true", help="labelled alerts too")
    args = parser.parse_args(argv)
    every = load_repos()
    (repo,) = select(every, args.repo)
    tree = WORK / repo.name
    index = load_all(LABEL_DIR, [repo.name], [r.name for r in every])
    alerts: list[Alert] = credscope_alerts(OUT / f"{repo.name}.credscope.json", repo.name)
    kf_report = OUT / f"{repo.name}.kingfisher.json"
    if kf_report.is_file():
        alerts += kingfisher_alerts(kf_report, repo.name, tree)
    attach_labels(alerts, index)
    shown = 0
    for alert in sorted(alerts, key=lambda a: (a.path, a.line)):
        if not args.all and alert.label is not None and not alert.unlabelled_occurrences:
            continue
        shown += 1
        tag = f"{alert.label.label}/{alert.label.kind}" if alert.label else "UNLABELLED"
        print(f"\n#{shown} {alert.tool} {alert.rule} [{alert.severity}] {alert.redacted} {tag}")
        if alert.label is None:
            show(tree, alert.path, alert.line, alert.column, args.context)
            print(f"  CSV {repo.name},{alert.path},{alert.line},{alert.rule},,,")
        others = [(p, n) for p, n, _ in alert.occurrences if (p, n) != (alert.path, alert.line)]
        for path, line in others:
            if (path, line) in alert.unlabelled_occurrences or args.all:
                show(tree, path, line, None, 0)
                print(f"  CSV {repo.name},{path},{line},{alert.rule},,,   (occurrence)")
        if args.max and shown >= args.max:
            break
    print(f"\n{shown} alerts shown", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
