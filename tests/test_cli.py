"""The command line a new user meets: help without double negatives and with its choices,
the summary after every scan, the display filter, explain by a short id, the rule catalogue,
unknown rule ids, a reader that goes away, a rule pack that breaks."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from scanner.cli import EXIT_BROKEN_PIPE, app
from scanner.findings import Fingerprinter, repository_salt
from scanner.matching.loader import load_rules
from tests.helpers import github_token, init_repo, stripe_key

COMMANDS = [[], ["scan"], ["explain"], ["rules"], ["rules", "list"], ["rules", "show"],
            ["baseline"], ["baseline", "create"], ["baseline", "update"],
            ["baseline", "check"], ["baseline", "import"]]


def cli(*args: str) -> Result:
    return CliRunner().invoke(app, list(args))


def run(*args: str, **kw: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "scanner", *args], capture_output=True,
                          text=True, check=False, **kw)  # type: ignore[call-overload]


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    root = tmp_path / "tree"
    (root / "app").mkdir(parents=True)
    (root / "app" / "settings.py").write_text(
        f"STRIPE = '{stripe_key(seed='cli')}'\n", encoding="utf-8")
    (root / "docs").mkdir()
    (root / "docs" / "notes.md").write_text(
        f"token: {github_token(seed='cli')}\n", encoding="utf-8")
    (root / "tests" / "fixtures").mkdir(parents=True)
    (root / "tests" / "fixtures" / "pay.json").write_text(
        f'{{"key": "{stripe_key(mode="test", seed="cli")}"}}\n', encoding="utf-8")
    return root


# -- help ------------------------------------------------------------------------------------

@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: " ".join(c) or "credscope")
def test_help_has_no_double_negatives_and_no_bare_types(command: list[str]) -> None:
    result = cli(*command, "--help")
    assert result.exit_code == 0, result.output
    options = result.output.partition("Options:")[2]  # (arguments are shown `NAME <type>`)
    for wrong in ("--no-no-", "<str>", "<list[str]>", "<int>", "<path>", "[default: no-"):
        assert wrong not in options, (wrong, result.output)


def test_help_shows_the_choices() -> None:
    scan_help = " ".join(cli("scan", "--help").output.split())
    for choices in ("<terminal|json|sarif|html>", "<error|warning|note|never>",
                    "<auto|hyperscan|re>", "--progress / --no-progress", "--no-baseline",
                    "--show SEVERITY[,...]", "--disable-rule RULE-ID"):
        assert choices in scan_help
    assert "<ADMIN|WRITE|READ|LIMITED|PUBLIC|UNKNOWN>" in cli("rules", "list", "--help").output
    refused = cli("scan", ".", "--format", "xml")
    assert refused.exit_code == 2 and "'xml' is not one of" in refused.output


# -- the summary always prints -----------------------------------------------------------------

def test_summary_follows_the_terminal_report_on_stdout(tree: Path) -> None:
    proc = run("scan", str(tree), "--no-progress", "--engine", "re")
    assert proc.returncode == 1
    assert proc.stdout.count("credscope: ") == 1 and "findings (" in proc.stdout
    assert "credscope: " not in proc.stderr


def test_summary_goes_to_stderr_when_stdout_is_a_report_or_nothing(tree: Path,
                                                                   tmp_path: Path) -> None:
    as_json = run("scan", str(tree), "--no-progress", "--engine", "re", "-f", "json")
    json.loads(as_json.stdout)  # stdout stays pure JSON
    assert "credscope: 3 findings (" in as_json.stderr and "FAIL" in as_json.stderr
    to_file = run("scan", str(tree), "--no-progress", "--engine", "re",
                  "-o", str(tmp_path / "report.txt"))
    assert to_file.stdout == ""
    assert "credscope: 3 findings (" in to_file.stderr
    assert "credscope: 3 findings (" in (tmp_path / "report.txt").read_text()


def test_show_lists_some_severities_and_verbose_explains_each(tree: Path) -> None:
    errors = cli("scan", str(tree), "--no-progress", "--engine", "re", "--show", "error")
    assert errors.exit_code == 1
    assert "app/settings.py" in errors.stdout and "pay.json" not in errors.stdout
    assert "shown (--show error)" in errors.stdout
    full = cli("scan", str(tree), "--no-progress", "--engine", "re", "-v")
    assert full.stdout.count("fix: ") == 3
    bad = cli("scan", str(tree), "--show", "errors")
    assert bad.exit_code == 2 and "--show takes error, warning, note" in bad.stderr


# -- unknown rule ids ------------------------------------------------------------------------

def test_unknown_rule_ids_are_errors_with_a_did_you_mean(tree: Path) -> None:
    typo = cli("scan", str(tree), "--no-progress", "--disable-rule", "stripe.secret-keys")
    assert typo.exit_code == 2
    assert "--disable-rule: unknown rule id 'stripe.secret-keys'; did you mean " \
           "'stripe.secret-key'" in typo.stderr
    (tree / ".credscope.toml").write_text('disable-rules = ["github.clasic-pat"]\n')
    in_file = cli("scan", str(tree), "--no-progress")
    assert in_file.exit_code == 2
    assert ".credscope.toml: disable-rules: unknown rule id 'github.clasic-pat'; did you " \
           "mean 'github.classic-pat'" in in_file.stderr
    (tree / ".credscope.toml").write_text('disable-rules = ["github.classic-pat"]\n')
    off = cli("scan", str(tree), "--no-progress", "--engine", "re", "-f", "json",
              "--disable-rule", "stripe.secret-key")
    rules = {f["ruleId"] for f in json.loads(off.stdout)["findings"]}
    assert "github.classic-pat" not in rules and "stripe.secret-key" not in rules
    nothing_close = cli("rules", "show", "zzz")
    assert nothing_close.exit_code == 2 and "`credscope rules list` lists them" in \
        nothing_close.stderr


# -- explain by a short id -------------------------------------------------------------------

def _ids(tree: Path) -> dict[str, str]:
    out = cli("scan", str(tree), "--no-progress", "--engine", "re", "-f", "json",
              "--fail-on", "never")
    return {f["ruleId"]: f["fingerprint"] for f in json.loads(out.stdout)["findings"]}


def test_explain_takes_any_unique_prefix_of_four_or_more(tree: Path) -> None:
    fp = _ids(tree)["github.classic-pat"].split(":")[1]
    for prefix in (fp[:4], fp[:8], fp.upper()[:10], f"v1:{fp[:6]}"):
        result = cli("explain", prefix, str(tree))
        assert result.exit_code == 0, result.output
        assert "github.classic-pat" in result.stdout
    short = cli("explain", fp[:3], str(tree))
    assert short.exit_code == 2 and "at least 4 of its hex characters" in short.stderr
    assert cli("explain", "zzzzzz", str(tree)).exit_code == 2


def test_a_shared_prefix_is_ambiguous_and_lists_the_candidates(tmp_path: Path) -> None:
    by_prefix: dict[str, str] = {}
    # What a scan of tmp_path uses; a Stripe key is provider-issued: a salted HMAC.
    prints = Fingerprinter(repository_salt(tmp_path))
    for seed in range(5000):  # two keys whose fingerprints share their first 4 hex digits
        key = stripe_key(seed=f"amb{seed}")
        head = prints.fingerprint("stripe.secret-key", key, quick=True).split(":")[1][:4]
        if head in by_prefix:
            break
        by_prefix[head] = key
    else:
        pytest.fail("no shared prefix in 5,000 fingerprints")
    (tmp_path / "a.py").write_text(f"A = '{by_prefix[head]}'\n")
    (tmp_path / "b.py").write_text(f"B = '{key}'\n")
    result = cli("explain", head, str(tmp_path))
    assert result.exit_code == 2
    assert f"ambiguous: '{head}' starts 2 fingerprints" in result.stderr
    assert "a.py:1" in result.stderr and "b.py:1" in result.stderr


# -- the rule catalogue ----------------------------------------------------------------------

def test_rules_list_is_a_table_with_filters_and_sorting() -> None:
    every = cli("rules", "list").stdout.splitlines()
    assert every[0].split() == ["ID", "PROVIDER", "TIER", "ENV", "TITLE"]
    assert every[-1] == f"{len(load_rules())} rules"
    github = cli("rules", "list", "--provider", "github").stdout.splitlines()
    assert all(" GitHub " in line for line in github[1:-1]) and len(github) > 4
    assert github[-1].endswith(f"of {len(load_rules())} rules")
    admin = cli("rules", "list", "--tier", "ADMIN", "--sort", "provider").stdout.splitlines()
    providers = [line.split("  ")[1].strip().lower() for line in admin[1:-1]
                 if line.split("  ")[1].strip()]
    assert providers == sorted(providers)
    assert all("ADMIN" in line for line in admin[1:-1])
    found = cli("rules", "list", "--search", "railway", "-f", "json")
    assert {r["provider"] for r in json.loads(found.stdout)} == {"Railway"}


def test_rules_show_reads_as_text_and_json_for_machines() -> None:
    text = cli("rules", "show", "github.classic-pat").stdout
    assert text.startswith("github.classic-pat: GitHub personal access token (classic)")
    for label in ("provider", "tier", "scope", "remediation", "use instead", "references"):
        assert f"\n{label}" in text
    assert "{" not in text.splitlines()[2]
    doc = json.loads(cli("rules", "show", "github.classic-pat", "-f", "json").stdout)
    assert doc["id"] == "github.classic-pat" and doc["worst_case"] == "ADMIN"
    typo = cli("rules", "show", "github.clasic-pat")
    assert typo.exit_code == 2 and "did you mean 'github.classic-pat'" in typo.stderr


# -- a reader that goes away -----------------------------------------------------------------

@pytest.mark.parametrize("args", [["explain", "{id}", "{tree}"],
                                  ["scan", "{tree}", "--no-progress", "--engine", "re"],
                                  ["rules", "list"], ["rules", "show", "github.classic-pat"],
                                  ["--help"]], ids=lambda a: " ".join(a[:2]))
def test_a_closed_pipe_ends_quietly_as_for_any_unix_tool(tree: Path, args: list[str]) -> None:
    ids = _ids(tree) if args[0] == "explain" else {}
    argv = [a.format(id=ids.get("github.classic-pat", ""), tree=tree) for a in args]
    proc = subprocess.Popen([sys.executable, "-m", "scanner", *argv], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.close()  # the reader is gone before the first write, as after `| head`
    err = proc.stderr.read().decode()
    code = proc.wait(timeout=120)
    assert "internal error" not in err and "Traceback" not in err and "Exception" not in err
    # typer's own --help output ends with click's handling of EPIPE (exit 1).
    assert code == (1 if args == ["--help"] else EXIT_BROKEN_PIPE), err


# -- rule packs ------------------------------------------------------------------------------

@pytest.mark.parametrize(("body", "said"), [
    ("raise RuntimeError('pack is broken')", "failed to load: RuntimeError: pack is broken"),
    ("def rules_dir():\n    return '/no/such/dir'", "which is not a directory"),
])
def test_a_rule_pack_that_fails_exits_2_naming_the_pack(tmp_path: Path, body: str,
                                                        said: str) -> None:
    site = tmp_path / "site"
    dist = site / "brokenpack-1.0.dist-info"
    dist.mkdir(parents=True)
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: brokenpack\nVersion: 1.0\n")
    (dist / "entry_points.txt").write_text("[credscope.rules]\nbroken = brokenpack:rules_dir\n")
    (site / "brokenpack.py").write_text(textwrap.dedent(body) + "\n")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(
        p for p in (str(site), os.environ.get("PYTHONPATH", "")) if p)}
    for args in (["scan", str(tmp_path / "site"), "--no-progress"], ["rules", "list"]):
        proc = run(*args, env=env)
        assert proc.returncode == 2, proc.stderr
        assert "rule pack 'broken' (brokenpack:rules_dir)" in proc.stderr and said in proc.stderr
        assert "internal error" not in proc.stderr


# -- progress --------------------------------------------------------------------------------

def test_progress_shows_a_total_and_an_eta_once_the_source_knows_it(tmp_path: Path) -> None:
    from scanner.config import Config
    from scanner.progress import describe
    from scanner.sources.history import HistorySource
    from scanner.sources.worktree import WorktreeSource
    from tests.helpers import commit_all

    text, done, total = describe("scanning", 10, 5 << 20, 2.0, (40, 20 << 20))
    assert text == "scanning: 10/40 files, 5.0/20.0 MiB, 2.5 MiB/s, ETA 0:06"
    assert (done, total) == (5 << 20, 20 << 20)
    assert describe("scanning", 10, 5 << 20, 2.0, (40, None))[0].endswith("ETA 0:06")
    assert "ETA" not in describe("scanning", 10, 5 << 20, 2.0, None)[0]

    repo = init_repo(tmp_path / "repo")
    for i in range(5):
        (repo / f"f{i}.txt").write_text("x" * (i + 1))
    commit_all(repo, "five files")
    tree = WorktreeSource(Config(root=repo))
    assert tree.progress_total() is None
    list(tree.items())
    assert tree.progress_total() == (5, 15)
    history = HistorySource(Config(root=repo))
    list(history.items())
    assert history.progress_total() == (5, None)
