"""The organisation report in real headless Chromium: it loads with no request and no script,
counts what the repositories hold, lists a shared secret once with every place, and a hostile
repository name stays text."""

from __future__ import annotations

from pathlib import Path

import pytest

from scanner.audit.driver import Counts
from scanner.audit.org import RepoReport
from scanner.audit.report import write_organisation
from scanner.audit.repos import slug_of
from scanner.config import load_config
from scanner.pipeline import scan
from scanner.sources.history import HistorySource
from tests.audit_org import add_commit
from tests.helpers import commit_all, git, github_token, init_repo
from tests.test_html_browser import ARTIFACTS, Watched, browser, watched

pytestmark = pytest.mark.browser
__all__ = ["browser", "watched"]  # the browser fixtures, shared with the scan report's tests

HOSTILE = "<img src=x onerror=alert(1)>"


def _scanned(path: Path) -> RepoReport:
    config = load_config(path).with_overrides(root=path, progress=False, jobs=1)
    result = scan(config, HistorySource(config))
    return RepoReport(str(path), slug_of(str(path)), "scanned", result)


def test_organisation_report_in_chromium(watched: Watched, tmp_path: Path) -> None:
    shared = github_token(seed="browser-shared")
    upstream = init_repo(tmp_path / "upstream")
    (upstream / "app.py").write_text(f'T = "{shared}"\n', encoding="utf-8")
    commit_all(upstream, "one")
    git(tmp_path, "clone", "-q", str(upstream), str(tmp_path / HOSTILE))
    add_commit(tmp_path / HOSTILE, "deploy/prod/.env", f"OWN={github_token(seed='own')}\n")
    repos = [_scanned(upstream), _scanned(tmp_path / HOSTILE),
             RepoReport(str(tmp_path / "gone"), "gone", "failed", error="path does not exist")]
    write_organisation(tmp_path / "out", repos, Counts(planned=2, blobs=3), "local")

    page = watched.open(tmp_path / "out" / "organisation.html")
    assert watched.dialogs == [] and page.locator("img").count() == 0
    assert page.locator("script").count() == 0
    assert page.get_by_test_id("count-repositories").inner_text() == "3"
    assert page.get_by_test_id("count-credentials").inner_text() == "2"
    assert page.get_by_test_id("count-shared").inner_text() == "1"
    assert page.get_by_test_id("count-failed").inner_text() == "1"
    rows = page.get_by_test_id("credentials").locator("tbody tr")
    assert rows.count() == 2
    page.get_by_test_id("shared").locator("summary").first.click()
    places = page.get_by_test_id("shared").locator("ul.places li")
    assert places.count() == 2
    assert HOSTILE in places.all_text_contents()[1] or HOSTILE in places.all_text_contents()[0]
    assert page.get_by_test_id("failed").inner_text().endswith("path does not exist")
    assert shared not in page.content()
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "audit-report.png"), full_page=True)
