"""The trust boundary: a scanned repository's own config cannot run code, blind the gate or
exhaust the machine, and every narrowing it makes is shown in every report."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from scanner.config import load_config
from scanner.errors import ConfigError, RuleError
from scanner.matching.loader import load_rules
from scanner.parallel import worker_count
from scanner.trust import is_catch_all
from tests.helpers import commit_all, init_repo, stripe_key

PLUGIN = """\
import pathlib
pathlib.Path({marker!r}).write_text("ran")
from detect_secrets.plugins.base import RegexBasedDetector
import re
class Acme(RegexBasedDetector):
    secret_type = "Acme"
    denylist = [re.compile(r"acme_[a-z]{{10}}")]
"""


def cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "scanner", *args], capture_output=True,
                          text=True, check=False, env={**os.environ, **(env or {})},
                          timeout=300)


@pytest.fixture()
def hostile(tmp_path: Path) -> Path:
    """A repository with one ADMIN-grade live key and a config that tries everything."""
    repo = init_repo(tmp_path / "repo")
    (repo / "app.py").write_text(f'STRIPE = "{stripe_key(seed="trust")}"\n')
    commit_all(repo, "init")
    return repo


def test_a_repository_plugin_never_runs(hostile: Path, tmp_path: Path) -> None:
    marker = tmp_path / "PWNED"
    (hostile / "plug.py").write_text(PLUGIN.format(marker=str(marker)))
    (hostile / ".credscope.toml").write_text('detect-secrets-plugins = ["plug.py"]\n')
    runs = [("scan", str(hostile), "--no-progress"),
            ("scan", str(hostile), "--no-progress", "--history"),
            ("scan", str(hostile), "--no-progress", "--staged"),
            ("baseline", "create", str(hostile), "--baseline", str(tmp_path / "b.json")),
            ("explain", "v2:00000000", str(hostile))]
    for args in runs:
        proc = cli(*args)
        assert not marker.exists(), f"the repository's plugin ran during {args}"
        assert proc.returncode in (0, 1, 2), proc.stderr
    proc = subprocess.run([sys.executable, "-m", "scanner", "hook", "app.py"], cwd=hostile,
                          capture_output=True, text=True, check=False)
    assert not marker.exists(), "the repository's plugin ran in the hook"
    assert "detect-secrets-plugins = plug.py refused" in proc.stderr
    # Named on the command line's trust, it is the user's choice and runs.
    assert cli("scan", str(hostile), "--no-progress", "--trust-repo-config").returncode == 1
    assert marker.exists()


@pytest.mark.parametrize("body", [
    'allowlist-values = [".*"]\n',
    'exclude = ["**"]\n',
    'exclude = ["*"]\n',
    'allowlist-paths = ["**/*"]\n',
    'max-file-size = 1\n',
    'fail-on = "never"\n',
    '[policy]\nadmin-committed = "off"\ncommitted-secret = "off"\n',
    '[policy]\nadmin-committed = "note"\n',
])
def test_the_repository_config_cannot_blind_the_gate(hostile: Path, body: str) -> None:
    (hostile / ".credscope.toml").write_text(body)
    proc = cli("scan", str(hostile), "--no-progress", "--fail-on", "error", "-f", "json")
    assert proc.returncode == 1, proc.stderr
    report = json.loads(proc.stdout)
    refused = [c for c in report["configuration"] if not c["applied"]]
    assert refused and all(c["source"].endswith(".credscope.toml") for c in refused)
    assert all("--trust-repo-config" in c["detail"] for c in refused)
    terminal = cli("scan", str(hostile), "--no-progress")
    assert "refused" in terminal.stdout
    # With the invoker's trust, the same config is applied.
    trusted = cli("scan", str(hostile), "--no-progress", "--trust-repo-config")
    assert trusted.returncode == 0, trusted.stdout


def test_narrowing_is_applied_and_shown_in_every_format(hostile: Path, tmp_path: Path) -> None:
    (hostile / "vendor").mkdir()
    for i in range(3):
        (hostile / "vendor" / f"lib{i}.py").write_text(f'K = "{stripe_key(seed=i)}"\n')
    (hostile / ".credscope.toml").write_text('exclude = ["vendor/**"]\n'
                                             'disable-rules = ["generic.password"]\n')
    out = {fmt: tmp_path / f"r.{fmt}" for fmt in ("json", "sarif", "html")}
    proc = cli("scan", str(hostile), "--no-progress", "-f", "json", "-o", str(out["json"]),
               "--report", f"sarif={out['sarif']}", "--report", f"html={out['html']}")
    assert proc.returncode == 1, proc.stderr
    config = json.loads(out["json"].read_text())["configuration"]
    exclude = next(c for c in config if c["setting"] == "exclude")
    assert exclude["applied"] and exclude["detail"] == "excluded 1 directory"
    assert any(c["setting"] == "disable-rules" and c["applied"] for c in config)
    notes = json.loads(out["sarif"].read_text())["runs"][0]["invocations"][0][
        "toolConfigurationNotifications"]
    assert any(n["descriptor"]["id"] == "config/applied" and "vendor/**" in n["message"]["text"]
               for n in notes)
    assert "excluded 1 directory" in out["html"].read_text()
    assert "config: " in cli("scan", str(hostile), "--no-progress").stdout


def test_a_repository_may_shorten_the_listed_places_and_the_report_says_so(
        hostile: Path) -> None:
    """max-occurrences only cuts how many places a report lists (the rest are counted), never
    the gate: a repository may set it, and every report shows that it did."""
    key = stripe_key(seed="places")
    for i in range(3):
        (hostile / f"copy{i}.py").write_text(f'K = "{key}"\n')
    (hostile / ".credscope.toml").write_text("max-occurrences = 1\n")
    proc = cli("scan", str(hostile), "--no-progress", "-f", "json")
    assert proc.returncode == 1, proc.stderr
    doc = json.loads(proc.stdout)
    copied = next(f for f in doc["findings"] if f["occurrences"] == 3)
    assert len(copied["locations"]) == 1 and copied["locationsOmitted"] == 2
    [effect] = doc["configuration"]
    assert (effect["setting"], effect["value"], effect["applied"]) == ("max-occurrences", "1",
                                                                        True)
    assert effect["source"].endswith(".credscope.toml")
    (hostile / ".credscope.toml").write_text("max-occurrences = -1\n")
    assert cli("scan", str(hostile), "--no-progress").returncode == 2


def test_history_counts_what_a_repository_exclude_removed(hostile: Path) -> None:
    (hostile / "vendor").mkdir()
    (hostile / "vendor" / "lib.py").write_text(f'K = "{stripe_key(seed="v")}"\n')
    (hostile / ".credscope.toml").write_text('exclude = ["vendor/"]\n')
    commit_all(hostile, "vendor")
    proc = cli("scan", str(hostile), "--no-progress", "--history", "-f", "json")
    config = json.loads(proc.stdout)["configuration"]
    # History: the blob at vendor/lib.py; the tree: the vendor directory, pruned whole.
    assert next(c for c in config if c["setting"] == "exclude")["detail"] == \
        "excluded 1 file and 1 directory"


def test_config_outside_the_repository_is_the_users_own(hostile: Path, tmp_path: Path) -> None:
    own = tmp_path / "mine.toml"
    own.write_text('fail-on = "never"\n')
    assert cli("scan", str(hostile), "--no-progress", "--config", str(own)).returncode == 0
    inside = hostile / "ci.toml"
    inside.write_text('fail-on = "never"\n')
    assert cli("scan", str(hostile), "--no-progress", "--config", str(inside)).returncode == 1
    user = tmp_path / "user.toml"
    user.write_text('fail-on = "never"\n')
    proc = cli("scan", str(hostile), "--no-progress", env={"CREDSCOPE_USER_CONFIG": str(user)})
    assert proc.returncode == 0


def test_repository_baseline_must_stay_inside_it(hostile: Path, tmp_path: Path) -> None:
    outside = tmp_path / "elsewhere.json"
    outside.write_text('{"version": 1, "entries": []}')
    (hostile / ".credscope.toml").write_text(f'baseline = "{outside}"\n')
    config = load_config(hostile)
    assert config.baseline is None
    assert any(e.setting == "baseline" and not e.applied for e in config.config_effects)


def test_catch_all_patterns() -> None:
    for pattern in ("**", "*", "/**", "**/*", "?*", "**/", "*/", "[a-z.]*"):
        assert is_catch_all(pattern), pattern
    for pattern in ("vendor/**", "*.min.js", "tests/fixtures/", ".env", "*.*", "src/"):
        assert not is_catch_all(pattern), pattern


def test_jobs_never_exceed_the_cores() -> None:
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    assert worker_count(400) == cores
    assert worker_count(0) == cores
    assert worker_count(1) == 1


# -- user regexes run in linear time ------------------------------------------------------

RULE = """\
[[rules]]
id = "acme.token"
provider = "Acme"
title = "Acme token"
description = "x"
remediation = "x"
keywords = ["a"]
tier = "READ"
pattern = '{pattern}'
"""


def test_a_catastrophic_user_rule_runs_in_linear_time(tmp_path: Path) -> None:
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "acme.toml").write_text(RULE.format(pattern="(a+)+b"))
    user = tmp_path / "user.toml"
    user.write_text(f'rules-dirs = ["{rules}"]\n')
    tree = tmp_path / "tree"
    tree.mkdir()
    (tree / "a.txt").write_text("a" * 200_000 + "\n")
    started = time.monotonic()
    proc = cli("scan", str(tree), "--no-progress", env={"CREDSCOPE_USER_CONFIG": str(user)})
    # Backtracking `re` takes longer than the age of the universe here; RE2 a moment.
    assert time.monotonic() - started < 60 and proc.returncode == 0, proc.stderr


def test_a_user_rule_needing_backtracking_is_refused_with_the_reason(tmp_path: Path) -> None:
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "acme.toml").write_text(RULE.format(pattern="(?<![a-z])acme_[a-z]{10}"))
    with pytest.raises(RuleError) as err:
        load_rules((rules,))
    assert "acme.token" in str(err.value) and "linear-time" in str(err.value)


def test_a_catastrophic_allowlist_regex_runs_in_linear_time(hostile: Path, tmp_path: Path
                                                            ) -> None:
    user = tmp_path / "user.toml"
    user.write_text('allowlist-values = ["^(a|a)+$", "^(x+x+)+y$"]\n')
    (hostile / "more.py").write_text('PASSWORD = "' + "a" * 60 + '!"\n')
    started = time.monotonic()
    proc = cli("scan", str(hostile), "--no-progress", env={"CREDSCOPE_USER_CONFIG": str(user)})
    assert time.monotonic() - started < 60 and proc.returncode == 1, proc.stderr


def test_an_allowlist_regex_needing_backtracking_is_a_config_error(tmp_path: Path) -> None:
    (tmp_path / ".credscope.toml").write_text('allowlist-values = ["(?<=x)y"]\n')
    with pytest.raises(ConfigError) as err:
        load_config(tmp_path, trust_repo_config=True)
    assert "allowlist-values" in str(err.value) and "linear-time" in str(err.value)
