"""The HTML report in real headless Chromium: summary numbers, filters, sorting, no request
leaves the page, and hostile file names stay text (no dialog, no injected element).

Skips only on a developer machine without /usr/bin/chromium; in CI (env CI set) a missing
browser fails the run instead of hiding the test.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from scanner.model import Tier
from scanner.reporters import REPORTERS
from tests.conftest import _guarded_socket
from tests.golden.synthetic import context, many_findings, synthetic_result
from tests.helpers import stripe_key

pytestmark = pytest.mark.browser

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).parent / "artifacts"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]

if not CHROMIUM.exists():
    if os.environ.get("CI"):
        pytest.fail(f"{CHROMIUM} is missing in CI: the browser tests must run there",
                    pytrace=False)
    pytest.skip(f"{CHROMIUM} not installed (set CI to make this an error)",
                allow_module_level=True)

from playwright.sync_api import (  # noqa: E402 - only once chromium is known to exist
    BrowserContext,
    Page,
    Route,
    expect,
    sync_playwright,
)


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[BrowserContext]:
    """One Chromium per module, with a fresh profile; launched under the network guard."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(socket, "socket", _guarded_socket(socket.socket))
        pw = sync_playwright().start()
        ctx = pw.chromium.launch_persistent_context(
            str(tmp_path_factory.mktemp("chromium-profile")), executable_path=str(CHROMIUM),
            headless=True, args=ARGS, viewport={"width": 1400, "height": 1000},
            offline=True)
    try:
        yield ctx
    finally:
        ctx.close()
        pw.stop()


class Watched:
    """A page whose every non-file request is refused and counted, and whose dialogs and
    script errors are recorded."""

    def __init__(self, ctx: BrowserContext) -> None:
        self.page: Page = ctx.new_page()
        self.external: list[str] = []
        self.dialogs: list[str] = []
        self.errors: list[str] = []
        self.page.route("**/*", self._route)
        self.page.on("dialog", lambda d: (self.dialogs.append(d.message), d.dismiss()))
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))

    def _route(self, route: Route) -> None:
        url = route.request.url
        if url.startswith(("file:", "data:")):
            route.continue_()
        else:
            self.external.append(url)
            route.abort()

    def open(self, path: Path) -> Page:
        self.page.goto(path.as_uri())
        self.page.wait_for_load_state("load")
        return self.page

    def visible_rows(self) -> int:
        return int(self.page.locator("#findings-body tr:not([hidden])").count())


@pytest.fixture
def watched(browser: BrowserContext) -> Iterator[Watched]:
    w = Watched(browser)
    yield w
    w.page.close()
    assert w.external == [], f"the report made requests: {w.external}"
    assert w.errors == [], f"script errors: {w.errors}"


def write(tmp_path: Path, text: str, name: str = "report.html") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_summary_filter_sort_and_screenshot(watched: Watched, tmp_path: Path) -> None:
    result = synthetic_result()
    page = watched.open(write(tmp_path, REPORTERS["html"](result, context())))
    n = len(result.findings)
    assert page.get_by_test_id("count-findings").inner_text() == str(n)
    assert page.get_by_test_id("count-suppressed").inner_text() == str(len(result.suppressed))
    admins = sum(f.classification.effective_tier is Tier.ADMIN for f in result.findings)
    assert page.get_by_test_id("count-admin").inner_text() == str(admins)
    assert page.locator("body.no-js").count() == 0  # the script ran
    assert watched.visible_rows() == n
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "html-report.png"), full_page=True)

    page.select_option("select[data-filter=tier]", "ADMIN")
    assert watched.visible_rows() == admins
    assert page.get_by_test_id("visible-count").inner_text() == str(admins)
    dotenv = sum(str(f.classification.location) == "dotenv" for f in result.findings)
    page.select_option("select[data-filter=tier]", "")
    page.select_option("select[data-filter=location]", "dotenv")
    assert watched.visible_rows() == dotenv
    page.fill("input[data-filter=path]", "deploy/")
    expect(page.get_by_test_id("visible-count")).to_have_text("1")  # debounced input
    assert watched.visible_rows() == 1
    page.click("button[type=reset]")
    expect(page.get_by_test_id("visible-count")).to_have_text(str(n))

    page.click("th[data-sort=path] button")
    # textContent, not innerText: rows off screen are skipped by the renderer
    # (content-visibility), and innerText of an unrendered element can be empty.
    paths = [t.strip() for t in
             page.locator("#findings-body tr td.path code").all_text_contents()]
    assert paths == sorted(paths) and page.locator("th[data-sort=path]").get_attribute(
        "aria-sort") == "ascending"
    page.click("th[data-sort=tier] button")
    tiers = [t.strip() for t in
             page.locator("#findings-body tr td:nth-child(2) .badge").all_text_contents()]
    ranks = [Tier(t.rstrip("?")).rank for t in tiers]
    assert ranks == sorted(ranks, reverse=True)

    page.locator("#findings-body details summary").first.click()
    assert page.locator("#findings-body details[open] dt", has_text="First seen").count() == 1
    page.screenshot(path=str(ARTIFACTS / "html-report-expanded.png"), full_page=True)


def test_hostile_names_from_a_real_scan_stay_text(watched: Watched, tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from scanner.cli import app

    tree = tmp_path / "tree"
    tree.mkdir()
    hostile = "<img src=x onerror=alert(1)>.env"
    (tree / hostile).write_text(
        f"STRIPE_KEY={stripe_key()} # </script><script>alert(1)</script>\n")
    (tree / "page.js").write_text(
        f'// </script><script>alert(1)</script>\nconst k = "{stripe_key("pk")}";\n')
    out = tmp_path / "hostile.html"
    outcome = CliRunner().invoke(app, ["scan", str(tree), "--format", "html", "-o", str(out),
                                       "--no-progress", "--engine", "re"])
    assert out.exists(), outcome.output
    page = watched.open(out)
    assert watched.dialogs == []
    assert page.locator("img").count() == 0
    assert page.locator("script").count() == 3  # code, row data, occurrence data
    assert page.evaluate("typeof window.alert") == "function"  # nothing replaced or ran
    cell = page.locator("#findings-body td.path code", has_text="onerror")
    assert cell.inner_text().startswith(hostile)
    assert page.get_by_test_id("count-findings").inner_text() == "2"
    page.screenshot(path=str(ARTIFACTS / "html-report-hostile.png"), full_page=True)


def test_five_thousand_findings_filter_correctly(watched: Watched, tmp_path: Path) -> None:
    result = many_findings(5000)
    page = watched.open(write(tmp_path, REPORTERS["html"](result, context())))
    assert watched.visible_rows() == 5000
    took = page.evaluate("""() => {
        const s = document.querySelector('select[data-filter=verdict]');
        const t0 = performance.now();
        s.value = 'misplaced';
        s.dispatchEvent(new Event('change', {bubbles: true}));
        document.body.offsetHeight;  // force layout inside the timed window
        return performance.now() - t0;
    }""")
    expected = sum(str(f.classification.verdict) == "misplaced" for f in result.findings)
    assert watched.visible_rows() == expected
    # Speed is proven by bench/bench_html.py, not asserted here (a loaded CI box must not
    # flake); the time is only reported.
    print(f"filtering 5,000 rows took {took:.0f} ms")


def test_a_history_of_20000_occurrences_opens_and_lists_more_on_demand(
        watched: Watched, tmp_path: Path) -> None:
    """One secret in 10,000 blobs and 10,000 secrets seen once: the page holds the 5,000
    most severe rows, each with its first few occurrences; the rest of the big one are
    listed from the page's own data when asked (no request)."""
    import time

    from scanner.reporters import html
    from tests.golden.synthetic import history_result

    result = history_result(10_000, 10_000)
    path = write(tmp_path, REPORTERS["html"](result, context()))
    started = time.perf_counter()
    page = watched.open(path)
    page.evaluate("() => new Promise((r) => requestAnimationFrame(() => setTimeout(r, 0)))")
    opened = time.perf_counter() - started
    assert watched.visible_rows() == html.MAX_ROWS
    expect(page.get_by_test_id("rows-cut")).to_contain_text("5001 others")
    row = page.locator("#findings-body tr").first
    row.locator("details summary").click()
    occ = row.locator("ul.occ li")
    assert occ.count() == html.INLINE
    more = 10_000 - 1 - html.INLINE
    row.get_by_role("button", name=f"show {more} more").click()
    expect(occ).to_have_count(10_000 - 1)
    assert occ.nth(html.INLINE).inner_text().startswith(("config/settings.py:", "vendor/pkg"))
    assert row.locator("button[data-more]").count() == 0
    # The < 2 s target is measured by bench/bench_html.py --history 10000,10000 on a quiet
    # machine; here the time is only reported, with a bound no working page comes near.
    print(f"opening a history of 20,000 occurrences took {opened:.2f} s")
    assert opened < 20


def test_bidi_controls_in_a_real_file_name_show_as_text(watched: Watched, tmp_path: Path
                                                        ) -> None:
    from typer.testing import CliRunner

    from scanner.cli import app

    tree = tmp_path / "tree"
    tree.mkdir()
    (tree / "invoice\u202efdp.env").write_text(f"STRIPE_KEY={stripe_key()}\n")
    out = tmp_path / "bidi.html"
    CliRunner().invoke(app, ["scan", str(tree), "--format", "html", "-o", str(out),
                             "--no-progress", "--engine", "re"])
    page = watched.open(out)
    cell = page.locator("#findings-body td.path code").first.inner_text()
    assert cell.startswith("invoice[U+202E]fdp.env") and "\u202e" not in cell
    assert "\u202e" not in page.locator("body").inner_text()
