"""Reports at the scale of a real history: one secret in 5,000 blobs and 30,000 secrets seen
once each. SARIF within GitHub code scanning's limits (and valid), linear in size, with
fingerprints that survive moved lines; JSON keeps every occurrence; HTML bounded; writing a
report costs memory per finding, not per report."""

from __future__ import annotations

import gzip
import io
import json
import tracemalloc
from collections import Counter
from typing import Any

import jsonschema
import pytest

from scanner.model import ScanResult
from scanner.reporters import REPORTERS, STREAMERS, ReportContext, html, sarif
from scanner.reporters.sarif_plan import MAX_LOCATIONS, MAX_RESULTS
from tests.golden.synthetic import RULES, context, history_result
from tests.test_sarif import SCHEMA

GZIP_LIMIT = 10 * 1000 * 1000  # code scanning: 10 MB, gzipped


@pytest.fixture(scope="module")
def history() -> ScanResult:
    return history_result(5000, 30_000)


@pytest.fixture(scope="module")
def log_text(history: ScanResult) -> str:
    return REPORTERS["sarif"](history, context())


@pytest.fixture(scope="module")
def log(log_text: str) -> dict[str, Any]:
    doc: dict[str, Any] = json.loads(log_text)
    return doc


def test_sarif_validates_against_the_schema(log: dict[str, Any]) -> None:
    """The whole run, with its results sampled (the validator takes minutes over 25,000;
    every result comes from one function): the first and last 300 and every 40th."""
    results = log["runs"][0]["results"]
    sampled = {**log, "runs": [{**log["runs"][0],
                                "results": results[:300] + results[300:-300:40] + results[-300:]}]}
    assert len({r["properties"].get("firstPlace", True) for r in sampled["runs"][0]["results"]
                }) == 2  # both shapes of result are in the sample
    errors = list(jsonschema.Draft4Validator(SCHEMA).iter_errors(sampled))
    assert not errors, "\n".join(f"{list(e.path)}: {e.message}" for e in errors[:10])


def test_sarif_respects_every_code_scanning_limit(log: dict[str, Any], log_text: str) -> None:
    run = log["runs"][0]
    results = run["results"]
    assert len(log["runs"]) == 1 and len(results) == MAX_RESULTS
    assert max(len(r["locations"]) + len(r.get("relatedLocations", ())) for r in results) <= (
        MAX_LOCATIONS)
    assert len(gzip.compress(log_text.encode())) < GZIP_LIMIT / 2  # well under
    assert all(len(rule["properties"]["tags"]) <= 20 for rule in run["tool"]["driver"]["rules"])
    # Every result is its own alert: no two share rule and fingerprints.
    keys = Counter((r["ruleId"], json.dumps(r["partialFingerprints"], sort_keys=True))
                   for r in results)
    assert keys.most_common(1)[0][1] == 1


def test_sarif_keeps_the_most_severe_and_counts_the_rest(history: ScanResult,
                                                         log: dict[str, Any]) -> None:
    run = log["runs"][0]
    limits = run["properties"]["limits"]
    places = 100 + 997 + 30_000  # the token's places (settings.py lines, vendored copies)
    assert limits["candidateResults"] == places
    assert limits["results"] == MAX_RESULTS
    assert limits["resultsOmitted"] == places - MAX_RESULTS
    assert limits["resultsOmittedByLevel"] == {"note": places - MAX_RESULTS}
    levels = Counter(r["level"] for r in run["results"])
    assert levels["error"] == 1097 + 10_000 and levels["warning"] == 10_000
    order = {"error": 0, "warning": 1, "note": 2}
    assert [order[r["level"]] for r in run["results"]] == sorted(
        order[r["level"]] for r in run["results"])
    # Within a level, every secret's first place comes before any secret's second one.
    errors = [r for r in run["results"] if r["level"] == "error"]
    firsts = [r["properties"].get("firstPlace", True) for r in errors]
    assert firsts == sorted(firsts, reverse=True)


def test_sarif_has_no_quadratic_structure(history: ScanResult, log: dict[str, Any]) -> None:
    token = next(f for f in history.findings if f.rule_id == "railway.account-token")
    mine = [r for r in log["runs"][0]["results"] if r["ruleId"] == token.rule_id]
    related = sum(len(r.get("relatedLocations", ())) for r in mine)
    assert len(mine) == 1097 and related == 9 + 1096  # the first links 9, the others 1 each
    first = next(r for r in mine if "privilege" in r["properties"])
    assert first["properties"]["places"] == 1097
    assert first["properties"]["relatedLocationsOmitted"] == 1096 - 9


def test_sarif_size_is_linear() -> None:
    sizes = {n: len(REPORTERS["sarif"](history_result(n, 6 * n), context()))
             for n in (1000, 2000)}
    assert 1.8 < sizes[2000] / sizes[1000] < 2.2


def test_sarif_fingerprints_survive_moved_lines() -> None:
    def fingerprints(shift: int) -> set[str]:
        doc = json.loads(REPORTERS["sarif"](history_result(300, 600, line_shift=shift),
                                            context()))
        return {json.dumps(r["partialFingerprints"], sort_keys=True)
                for r in doc["runs"][0]["results"]}

    before, after = fingerprints(0), fingerprints(7)
    assert before == after and len(before) == 100 + 150 + 600


def test_json_keeps_every_occurrence(history: ScanResult) -> None:
    doc = json.loads(REPORTERS["json"](history, context()))
    assert doc["schemaVersion"] == "1.1" and doc["scan"]["maxOccurrences"] == 10_000
    assert len(doc["findings"]) == 30_001
    token = next(f for f in doc["findings"] if f["ruleId"] == "railway.account-token")
    assert len(token["locations"]) == token["occurrences"] == 5000
    assert token["locationsOmitted"] == 0
    (mine,) = (f for f in history.findings if f.rule_id == "railway.account-token")
    assert [(loc["path"], loc["line"]) for loc in token["locations"]] == [
        (o.path, o.line) for o in mine.occurrences]


def test_max_occurrences_cuts_every_format_and_says_so() -> None:
    history = history_result(5000, 300)
    ctx = ReportContext(rules=RULES, max_occurrences=100)
    doc = json.loads(REPORTERS["json"](history, ctx))
    token = next(f for f in doc["findings"] if f["ruleId"] == "railway.account-token")
    assert len(token["locations"]) == 100 and token["locationsOmitted"] == 4900
    assert token["occurrences"] == 5000 and doc["scan"]["maxOccurrences"] == 100
    log = json.loads(REPORTERS["sarif"](history, ctx))
    run = log["runs"][0]
    assert run["properties"]["limits"]["placesBeyondMaxOccurrences"] == 1097 - 100
    assert sum(r["ruleId"] == "railway.account-token" for r in run["results"]) == 100
    notes = STREAMERS["json"](history, ctx, io.StringIO())
    assert notes and "4900 occurrences" in notes[0]
    page = REPORTERS["html"](history, ctx)
    assert "4900 more not listed here" in page
    assert f"show {100 - 1 - html.INLINE} more" in page


def test_html_is_bounded(history: ScanResult) -> None:
    page = REPORTERS["html"](history, context())
    assert page.count('<tr data-i="') == html.MAX_ROWS
    assert 'data-testid="rows-cut"' in page and "25001 others" in page
    assert 'data-testid="count-findings">30001<' in page  # the counts see everything
    assert len(page) < 8_000_000
    data = json.loads(page.split('id="credscope-occurrences">', 1)[1].split("</script>", 1)[0])
    (row,) = data["rows"].values()  # only the token has more than INLINE other occurrences
    assert len(row) == 4999 - html.INLINE
    assert f'data-more="0">show {4999 - html.INLINE} more</button>' in page


def _peak(fmt: str, result: ScanResult) -> tuple[int, int]:
    """Peak memory (tracemalloc) of writing the report, and the characters written."""

    class Sink(io.TextIOBase):
        written = 0

        def write(self, text: str) -> int:
            self.written += len(text)
            return len(text)

    sink = Sink()
    tracemalloc.start()
    try:
        STREAMERS[fmt](result, context(), sink)  # type: ignore[arg-type]
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    return peak, sink.written


@pytest.mark.parametrize("fmt", ["json", "sarif"])
def test_writing_a_report_holds_no_whole_document(fmt: str) -> None:
    """JSON and SARIF are streams: what writing one takes beyond the result is a fraction of
    the report (building it whole took several times the report's size)."""
    result = history_result(1000, 4000)
    peak, written = _peak(fmt, result)
    assert written > 1_000_000
    assert peak < written / 3, f"{fmt}: peak {peak} for {written} characters"


def test_html_memory_does_not_grow_past_its_rows(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(html, "MAX_ROWS", 1000)
    small = _peak("html", history_result(100, 1000))[0]
    large = _peak("html", history_result(100, 4000))[0]
    assert large < 1.25 * small


def test_sarif_stops_before_the_size_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    """A hostile repository can make every result big (long paths and reasons): results stop,
    counted, before the gzipped file reaches the budget."""
    monkeypatch.setattr(sarif, "GZIP_BUDGET", 200_000)
    text = REPORTERS["sarif"](history_result(200, 20_000), context())
    limits = json.loads(text)["runs"][0]["properties"]["limits"]
    assert limits["resultsOmittedForSize"] > 0
    assert limits["results"] + limits["resultsOmitted"] == limits["candidateResults"]
    assert len(gzip.compress(text.encode())) < 200_000 + 300_000


def test_the_terminal_can_tell_what_sarif_leaves_out_before_it_is_written() -> None:
    result = history_result(200, 30_000)
    notes = sarif.planned_cuts(result, 10_000)
    assert notes == STREAMERS["sarif"](result, context(), io.StringIO())
    assert "the 25000 most severe of 30200 results" in notes[0] and "5200 note" in notes[0]
    assert sarif.planned_cuts(history_result(200, 300), 10_000) == []
