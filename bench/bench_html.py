"""HTML report at scale: render N findings, load them in headless Chromium, filter, sort.

    python bench/bench_html.py [--findings 5000] [--repeat 3] [--keep report.html]
    python bench/bench_html.py --history 10000,10000   # a history: 20,000 occurrences

`--history COPIES,DISTINCT` renders tests.golden.synthetic.history_result instead: one secret
in COPIES blobs and DISTINCT secrets seen once each (the page lists the MAX_ROWS most severe).

Prints one line per measurement (best of --repeat) and exits 1 if load + filter take 2 s or
more (the target in docs/reports.md). Not part of the test suite.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from playwright.sync_api import Page, sync_playwright  # noqa: E402

from scanner.reporters import REPORTERS  # noqa: E402
from tests.golden.synthetic import context, history_result, many_findings  # noqa: E402

ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
TARGET_S = 2.0

# One filter change, timed in the page from the event to the next painted frame.
FILTER_JS = """(value) => new Promise((done) => {
    const s = document.querySelector('select[data-filter=verdict]');
    const t0 = performance.now();
    s.value = value;
    s.dispatchEvent(new Event('change', {bubbles: true}));
    requestAnimationFrame(() => setTimeout(() => done(performance.now() - t0), 0));
})"""
SORT_JS = """() => new Promise((done) => {
    const t0 = performance.now();
    document.querySelector('th[data-sort=path] button').click();
    requestAnimationFrame(() => setTimeout(() => done(performance.now() - t0), 0));
})"""


def load(page: Page, path: Path) -> float:
    t0 = time.perf_counter()
    page.goto(path.as_uri(), wait_until="load")
    page.evaluate("() => new Promise((r) => requestAnimationFrame(() => setTimeout(r, 0)))")
    return time.perf_counter() - t0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--findings", type=int, default=5000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--keep", type=Path, help="also write the report here")
    ap.add_argument("--history", help="COPIES,DISTINCT: a history instead of --findings")
    args = ap.parse_args()

    if args.history:
        copies, distinct = (int(n) for n in args.history.split(","))
        result = history_result(copies, distinct)
        args.findings = len(result.findings)
    else:
        result = many_findings(args.findings)
    t0 = time.perf_counter()
    text = REPORTERS["html"](result, context())
    render_s = time.perf_counter() - t0
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "report.html"
        path.write_text(text, encoding="utf-8")
        if args.keep:
            args.keep.write_text(text, encoding="utf-8")
        loads, filters, sorts = [], [], []
        with sync_playwright() as pw:
            ctx = pw.chromium.launch_persistent_context(
                str(Path(tmp) / "profile"), executable_path="/usr/bin/chromium",
                headless=True, args=ARGS, viewport={"width": 1400, "height": 1000}, offline=True)
            for _ in range(args.repeat):
                page = ctx.new_page()
                loads.append(load(page, path))
                filters.append(page.evaluate(FILTER_JS, "misplaced") / 1000)
                shown = page.locator("#findings-body tr:not([hidden])").count()
                filters.append(page.evaluate(FILTER_JS, "") / 1000)
                sorts.append(page.evaluate(SORT_JS) / 1000)
                page.close()
            ctx.close()
    best_load, best_filter = min(loads), min(filters)
    print(f"findings          {args.findings}")
    print(f"html size         {len(text.encode()) / 1e6:.1f} MB")
    print(f"render (python)   {render_s:.2f} s")
    print(f"load in chromium  {best_load:.2f} s (median {statistics.median(loads):.2f})")
    print(f"filter            {best_filter * 1000:.0f} ms "
          f"(median {statistics.median(filters) * 1000:.0f}; {shown} rows shown)")
    print(f"sort by path      {min(sorts) * 1000:.0f} ms")
    total = best_load + best_filter
    print(f"load + filter     {total:.2f} s (target < {TARGET_S:.0f} s)")
    return 0 if total < TARGET_S else 1


if __name__ == "__main__":
    sys.exit(main())
