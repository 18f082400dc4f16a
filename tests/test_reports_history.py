"""A real history at scale, end to end: git fast-import builds one secret in 5,000 blobs and
30,000 secrets seen once each; one `credscope scan --history` writes JSON and SARIF. SARIF
meets code scanning's limits and the schema; the JSON keeps every occurrence."""

from __future__ import annotations

import gzip
import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from scanner.reporters.sarif_plan import MAX_LOCATIONS, MAX_RESULTS
from tests.helpers import github_token, init_repo, stripe_key
from tests.test_sarif import SCHEMA

pytestmark = pytest.mark.slow

COPIES, DISTINCT, PER_FILE = 5000, 30_000, 100


def _fast_import(repo: Path) -> None:
    """COPIES commits each writing a new version of config/settings.py (a counter line and a
    moving blank block above the same key), then one commit adding DISTINCT tokens."""
    key = stripe_key(seed="history-scale")

    def stream() -> Iterator[bytes]:
        for i in range(COPIES):
            body = f"# revision {i}\n" + "\n" * (i % 50) + f'STRIPE_KEY = "{key}"\n'
            yield _commit(i, {"config/settings.py": body.encode()})
        files = {}
        for j in range(DISTINCT // PER_FILE):
            lines = [f"token_{k} {github_token(seed=j * PER_FILE + k)}"
                     for k in range(PER_FILE)]
            files[f"keys/batch{j:03d}.txt"] = ("\n".join(lines) + "\n").encode()
        yield _commit(COPIES, files)

    proc = subprocess.Popen(["git", "fast-import", "--quiet"], cwd=repo,
                            stdin=subprocess.PIPE)
    assert proc.stdin is not None
    for chunk in stream():
        proc.stdin.write(chunk)
    proc.stdin.close()
    assert proc.wait() == 0
    subprocess.run(["git", "reset", "-q", "--hard", "main"], cwd=repo, check=True)


def _commit(n: int, files: dict[str, bytes]) -> bytes:
    out = [b"commit refs/heads/main\n",
           f"committer Test <t@example.invalid> {1_700_000_000 + n * 60} +0000\n".encode(),
           f"data {len(str(n))}\n{n}\n".encode()]
    for path, data in files.items():
        out += [f"M 100644 inline {path}\ndata {len(data)}\n".encode(), data, b"\n"]
    return b"".join(out)


@pytest.fixture(scope="module")
def reports(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, Any], str]:
    root = tmp_path_factory.mktemp("history-scale")
    repo = init_repo(root / "repo")
    _fast_import(repo)
    out_json, out_sarif = root / "r.json", root / "r.sarif"
    proc = subprocess.run(
        [sys.executable, "-m", "scanner", "scan", str(repo), "--history", "--no-progress",
         "--jobs", "2", "--fail-on", "never", "--format", "json", "-o", str(out_json),
         "--report", f"sarif={out_sarif}"], capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stderr
    assert "SARIF report: the 25000 most severe" in proc.stderr  # the cut is said
    return json.loads(out_json.read_text("utf-8")), out_sarif.read_text("utf-8")


def test_json_keeps_every_occurrence(reports: tuple[dict[str, Any], str]) -> None:
    doc, _ = reports
    (stripe,) = (f for f in doc["findings"] if f["ruleId"] == "stripe.secret-key")
    assert stripe["occurrences"] == len(stripe["locations"]) == COPIES
    assert stripe["locationsOmitted"] == 0
    assert len({loc["blobId"] for loc in stripe["locations"]}) == COPIES
    tokens = [f for f in doc["findings"] if f["ruleId"].startswith("github.")]
    assert len(tokens) == DISTINCT


def test_sarif_meets_code_scanning_limits(reports: tuple[dict[str, Any], str]) -> None:
    doc, text = reports
    log = json.loads(text)
    (run,) = log["runs"]
    results = run["results"]
    assert len(results) == MAX_RESULTS
    assert max(len(r["locations"]) + len(r.get("relatedLocations", ())) for r in results) <= (
        MAX_LOCATIONS)
    assert len(gzip.compress(text.encode())) < 10_000_000
    limits = run["properties"]["limits"]
    assert limits["candidateResults"] == 50 + DISTINCT  # the key's 50 places, the tokens
    assert limits["resultsOmitted"] == limits["candidateResults"] - MAX_RESULTS
    # The live Stripe key is an error, the 30,000 GitHub tokens (power unknown) warnings: the
    # most severe come first, so each of the key's 50 places is a result (history repeats
    # each place in 100 blobs); the first links 9 of the other 49 and counts the rest, the
    # others link back to it; every result cut is a warning.
    levels = {f["ruleId"].split(".")[0]: f["severity"] for f in doc["findings"]}
    assert levels == {"stripe": "error", "github": "warning"}
    stripe = [r for r in results if r["ruleId"] == "stripe.secret-key"]
    assert len(stripe) == 50 and all(r["properties"]["places"] == 50 for r in stripe)
    assert len(stripe[0]["relatedLocations"]) == 9
    assert stripe[0]["properties"]["relatedLocationsOmitted"] == 40
    assert all(len(r["relatedLocations"]) == 1 for r in stripe[1:])
    assert limits["resultsOmittedByLevel"] == {"warning": limits["resultsOmitted"]}
    assert {r["level"] for r in results} == {"error", "warning"}
    sampled = {**log, "runs": [{**run, "results": results[:200] + results[200::100]}]}
    errors = list(jsonschema.Draft4Validator(SCHEMA).iter_errors(sampled))
    assert not errors, "\n".join(f"{list(e.path)}: {e.message}" for e in errors[:10])
    assert doc["summary"]["findings"] == DISTINCT + 1
