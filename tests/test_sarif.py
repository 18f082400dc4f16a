"""SARIF 2.1.0 (and the golden JSON it must never drift from): golden files, the official
schema, a real scan of a real git repository, suppressions, provenance and URIs."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from typer.testing import CliRunner

from scanner.cli import app
from scanner.model import Severity, Tier, Verdict
from scanner.reporters import REPORTERS, sarif, sarif_parts
from scanner.reporters import json as json_reporter
from scanner.reporters.sarif_plan import distinct_places
from scanner.runner import public_url
from tests.golden.synthetic import GOLDEN_VERSION, check_golden, context, synthetic_result
from tests.helpers import commit_all, git, init_repo, stripe_key

SCHEMA = json.loads((Path(__file__).parent / "sarif-schema-2.1.0.json").read_text("utf-8"))
GOLDEN = Path(__file__).parent / "golden"


def assert_valid(doc: dict[str, Any]) -> None:
    validator = jsonschema.Draft4Validator(SCHEMA)
    errors = sorted(validator.iter_errors(doc), key=lambda e: list(e.path))
    assert not errors, "\n".join(f"{list(e.path)}: {e.message}" for e in errors[:10])


@pytest.fixture
def pinned_version(monkeypatch: pytest.MonkeyPatch) -> None:
    for module in (sarif, json_reporter):
        monkeypatch.setattr(module, "__version__", GOLDEN_VERSION)


@pytest.fixture(scope="module")
def log() -> dict[str, Any]:
    return sarif.sarif_log(synthetic_result(), context())


def test_golden_sarif(pinned_version: None) -> None:
    check_golden("report.sarif", REPORTERS["sarif"](synthetic_result(), context()))


def test_golden_json(pinned_version: None) -> None:
    check_golden("report.json", REPORTERS["json"](synthetic_result(), context()))


@pytest.mark.parametrize("path", sorted(GOLDEN.glob("*.sarif")), ids=lambda p: p.name)
def test_every_golden_sarif_is_valid(path: Path) -> None:
    assert_valid(json.loads(path.read_text("utf-8")))


def test_schema_check_is_real(log: dict[str, Any]) -> None:
    """The validator rejects what the schema forbids, so the checks above mean something."""
    broken = json.loads(json.dumps(log))
    broken["runs"][0]["results"][0]["level"] = "fatal"
    with pytest.raises(AssertionError, match="level"):
        assert_valid(broken)


def test_rules_carry_the_rule_data(log: dict[str, Any]) -> None:
    run = log["runs"][0]
    rules = {r["id"]: r for r in run["tool"]["driver"]["rules"]}
    railway = rules["railway.account-token"]
    assert railway["name"] == "RailwayAccountToken"
    assert railway["shortDescription"]["text"] == "Railway account token"
    assert "Revoke the railway account token" in railway["help"]["text"]
    assert "Railway project token scoped to one environment" in railway["help"]["text"]
    assert railway["helpUri"] == "https://docs.example.invalid/railway.account-token"
    assert "railway" in railway["properties"]["tags"]
    assert float(railway["properties"]["security-severity"]) >= 9.0
    # every result points at its own rule
    for res in run["results"]:
        assert run["tool"]["driver"]["rules"][res["ruleIndex"]]["id"] == res["ruleId"]


def test_security_severity_follows_tier_and_verdict() -> None:
    by_title = {f.title: f for f in synthetic_result().findings}
    admin_misplaced = sarif.security_severity(by_title["Stripe secret key"])
    write = sarif.security_severity(by_title["GitHub fine-grained token"])
    limited = sarif.security_severity(by_title["SendGrid API key"])
    public_ok = sarif.security_severity(by_title["Stripe publishable key"])
    assert admin_misplaced >= 9.0 > write >= 7.0 > limited > public_ok > 0


def test_results_carry_classification_like_json(log: dict[str, Any]) -> None:
    """SARIF properties and the JSON report come from one function: no drift. A secret's
    first place carries them all; its other places carry its fingerprint and level."""
    result = synthetic_result()
    doc = json.loads(REPORTERS["json"](result, context()))
    json_by_fp = {f["fingerprint"]: f for f in doc["findings"] + doc["suppressed"]}
    results = log["runs"][0]["results"]
    places = sum(len(distinct_places(f.occurrences or (f.location,)))
                 for f in (*result.findings, *result.suppressed))
    assert len(results) == places  # one result per distinct place of each secret
    firsts = [r for r in results if r["properties"].get("firstPlace", True)]
    assert len(firsts) == len(json_by_fp)
    for res in results:
        props = res["properties"]
        fp = res["partialFingerprints"][sarif.FINGERPRINT_KEY]
        assert props["fingerprint"] == fp and props["severity"] == json_by_fp[fp]["severity"]
        assert res["message"]["text"] == json_by_fp[fp]["reason"]
    for res in firsts:
        props = res["properties"]
        fp = res["partialFingerprints"][sarif.FINGERPRINT_KEY]
        for key in ("privilege", "scope", "capabilities", "environment", "location", "verdict",
                    "historyOnly", "ignoredButPresent", "firstSeenCommit", "occurrences"):
            assert props[key] == json_by_fp[fp][key], key
    history = next(r for r in firsts if r["properties"]["historyOnly"])
    assert history["properties"]["firstSeenCommit"]["sha"].startswith("a1b2c3d4")
    assert history["properties"]["privilege"] == str(Tier.UNKNOWN)
    assert history["properties"]["effectivePrivilege"] == str(Tier.WRITE)
    placed = next(r for r in firsts if r["properties"]["ignoredButPresent"])
    assert placed["properties"]["verdict"] == str(Verdict.AGENT_REACHABLE)


def test_levels_regions_and_redacted_snippets(log: dict[str, Any]) -> None:
    result = synthetic_result()
    results = log["runs"][0]["results"]
    primaries = {r["partialFingerprints"][sarif.FINGERPRINT_KEY]: r for r in reversed(results)}
    for f in result.findings:
        res = primaries[f.fingerprint]  # the first result of a finding is its primary place
        assert res["level"] == {Severity.ERROR: "error", Severity.WARNING: "warning",
                                Severity.NOTE: "note"}[f.severity]
        region = res["locations"][0]["physicalLocation"]["region"]
        assert (region["startLine"], region["startColumn"], region["endColumn"]) == (
            f.location.line, f.location.column, f.location.end_column)
        assert region["snippet"]["text"] == f.redacted
    text = json.dumps(log)
    for f in (*result.findings, *result.suppressed):
        assert f.secret not in text


def test_grouped_finding_is_one_result_per_place(log: dict[str, Any]) -> None:
    stripes = [r for r in log["runs"][0]["results"] if r["ruleId"] == "stripe.secret-key"]
    assert len(stripes) == 2 and all(len(r["locations"]) == 1 for r in stripes)
    fps = {r["partialFingerprints"][sarif.FINGERPRINT_KEY] for r in stripes}
    assert len(fps) == 1  # one secret...
    assert len({r["partialFingerprints"][sarif.LOCATION_KEY] for r in stripes}) == 2  # 2 places
    primary, other = stripes
    # The first place links the others; each other place links back to the first.
    related = primary["relatedLocations"]
    assert [r["physicalLocation"]["artifactLocation"]["uri"] for r in related] == [
        "docs/setup.md"]
    assert related[0]["id"] == 1 and related[0]["physicalLocation"]["region"]["startLine"] == 40
    assert other["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == (
        "docs/setup.md")
    assert [r["physicalLocation"]["artifactLocation"]["uri"]
            for r in other["relatedLocations"]] == ["tests/fixtures/payments.py"]
    assert primary["properties"]["places"] == other["properties"]["places"] == 2


def test_suppressed_findings_keep_counts_honest(log: dict[str, Any]) -> None:
    results = log["runs"][0]["results"]
    suppressed = {r["suppressions"][0]["properties"]["reason"]: r["suppressions"][0]
                  for r in results if "suppressions" in r}
    assert set(suppressed) == {"baseline", "pragma", "placeholder", "allowlist"}
    assert suppressed["pragma"]["kind"] == "inSource"
    assert {suppressed[k]["kind"] for k in ("baseline", "placeholder", "allowlist")} == {
        "external"}
    assert suppressed["baseline"]["justification"] == "in baseline .credscope-baseline"
    active = {r["partialFingerprints"][sarif.FINGERPRINT_KEY] for r in results
              if "suppressions" not in r}
    assert active == {f.fingerprint for f in synthetic_result().findings}


def test_invocation_provenance_and_notifications(log: dict[str, Any]) -> None:
    run = log["runs"][0]
    inv = run["invocations"][0]
    assert inv["executionSuccessful"] is True and inv["exitCode"] == 1
    skipped = [n for n in inv["toolExecutionNotifications"]
               if n["descriptor"]["id"].startswith("skipped/")]
    assert {n["descriptor"]["id"] for n in skipped} == {"skipped/binary", "skipped/too-large"}
    assert any("submodule" in n["message"]["text"] for n in inv["toolExecutionNotifications"])
    assert inv["toolConfigurationNotifications"][0]["descriptor"]["id"] == "baseline/stale"
    assert run["versionControlProvenance"] == [{
        "repositoryUri": "https://github.com/example/demo", "mappedTo": {"uriBaseId": "%SRCROOT%"},
        "revisionId": "0123456789abcdef0123456789abcdef01234567"}]
    assert run["originalUriBaseIds"]["%SRCROOT%"]["uri"] == "file:///src/demo/"
    assert run["columnKind"] == "unicodeCodePoints"


def test_artifact_uris_are_encoded_and_repository_relative() -> None:
    hostile = sarif_parts.artifact("<img src=x onerror=alert(1)>.env", "")
    assert hostile == {"uri": "%3Cimg%20src%3Dx%20onerror%3Dalert%281%29%3E.env",
                       "uriBaseId": "%SRCROOT%"}
    assert sarif_parts.artifact("config.py", "app/")["uri"] == "app/config.py"
    assert sarif_parts.artifact("/home/u/.aws/credentials", "") == {
        "uri": "file:///home/u/.aws/credentials"}
    assert "uriBaseId" not in sarif_parts.artifact("~/.aws/credentials", "")


@pytest.mark.parametrize(("remote", "expected"), [
    ("https://ci:not-a-real-token@github.com/o/r.git?x=1#y", "https://github.com/o/r.git"),
    ("git@github.com:o/r.git", "ssh://github.com/o/r.git"),
    ("ssh://git@host:2222/o/r", "ssh://host:2222/o/r"),
    ("relative/dir", ""),
])
def test_remote_urls_lose_their_credentials(remote: str, expected: str) -> None:
    assert public_url(remote) == expected


# --- a real scan, end to end -------------------------------------------------------------

@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = init_repo(tmp_path / "repo")
    key = stripe_key()
    (root / ".env").write_text(f"STRIPE_SECRET_KEY={key}\n")
    (root / "app").mkdir()
    (root / "app" / "settings.py").write_text(f'# payments\nSTRIPE = "{key}"\n')
    commit_all(root, "add config")
    git(root, "remote", "add", "origin", "https://ci:not-a-real-token@example.invalid/o/demo.git")
    return root


def _scan(args: list[str]) -> int:
    # the pure-re engine: hyperscan compiles its database per process, and engine parity is
    # tested elsewhere; this file is about the report
    outcome = CliRunner().invoke(app, ["scan", *args, "--no-progress", "--engine", "re"])
    assert outcome.exception is None or isinstance(outcome.exception, SystemExit), outcome.output
    return outcome.exit_code


def test_real_scan_sarif_is_valid_and_placed(repo: Path, tmp_path: Path) -> None:
    out = tmp_path / "out.sarif"
    assert _scan([str(repo), "--format", "sarif", "-o", str(out)]) == 1
    text = out.read_text("utf-8")
    assert stripe_key() not in text
    doc = json.loads(text)
    assert_valid(doc)
    run = doc["runs"][0]
    head = git(repo, "rev-parse", "HEAD").strip()
    assert run["versionControlProvenance"][0] == {
        "repositoryUri": "https://example.invalid/o/demo.git", "revisionId": head,
        "mappedTo": {"uriBaseId": "%SRCROOT%"}}
    assert run["originalUriBaseIds"]["%SRCROOT%"]["uri"] == repo.resolve().as_uri() + "/"
    stripes = [r for r in run["results"] if r["ruleId"] == "stripe.secret-key"]
    uris = [r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in stripes]
    assert sorted(uris) == [".env", "app/settings.py"]
    for res in stripes:
        assert len(res["relatedLocations"]) == 1  # the other place of the same secret
    assert [r["properties"].get("privilege") for r in stripes] == ["ADMIN", None]
    assert run["invocations"][0]["exitCode"] == 1


def test_subdirectory_scan_uris_stay_repository_relative(repo: Path, tmp_path: Path) -> None:
    out = tmp_path / "sub.sarif"
    _scan([str(repo / "app"), "--format", "sarif", "-o", str(out)])
    doc = json.loads(out.read_text("utf-8"))
    assert_valid(doc)
    run = doc["runs"][0]
    (res,) = run["results"]
    loc = res["locations"][0]["physicalLocation"]
    assert loc["artifactLocation"] == {"uri": "app/settings.py", "uriBaseId": "%SRCROOT%"}
    assert loc["region"]["startLine"] == 2
    assert run["originalUriBaseIds"]["%SRCROOT%"]["uri"] == repo.resolve().as_uri() + "/"


def test_several_formats_in_one_run(repo: Path, tmp_path: Path) -> None:
    paths = {fmt: tmp_path / f"r.{fmt}" for fmt in ("json", "sarif", "html")}
    _scan([str(repo), "--format", "json", "-o", str(paths["json"]),
           "--report", f"sarif={paths['sarif']}", "--report", f"html={paths['html']}"])
    findings = json.loads(paths["json"].read_text("utf-8"))["findings"]
    results = json.loads(paths["sarif"].read_text("utf-8"))["runs"][0]["results"]
    assert len(findings) == 1
    assert len(results) == len(findings[0]["locations"]) == 2  # one result per place
    assert findings[0]["fingerprint"] in paths["html"].read_text("utf-8")


def test_no_findings_still_a_valid_log(tmp_path: Path) -> None:
    (tmp_path / "clean").mkdir()
    (tmp_path / "clean" / "readme.txt").write_text("nothing to see\n")
    out = tmp_path / "clean.sarif"
    assert _scan([str(tmp_path / "clean"), "--format", "sarif", "-o", str(out)]) == 0
    doc = json.loads(out.read_text("utf-8"))
    assert_valid(doc)
    assert doc["runs"][0]["results"] == [] and doc["runs"][0]["tool"]["driver"]["rules"] == []
    assert "versionControlProvenance" not in doc["runs"][0]

