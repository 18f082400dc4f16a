"""The pre-commit entry point: exactly the files given, a one-screen message, fast start."""

from __future__ import annotations

import string
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from typer.testing import CliRunner

from scanner import hook
from scanner.cli import app
from scanner.config import Config
from scanner.matching import db_cache, engine
from scanner.pipeline import scan
from scanner.sources.worktree import WorktreeSource
from tests.helpers import init_repo, needs_hyperscan, rand, stripe_key

KEY = stripe_key(seed="hook")
SCREEN_LINES = 24


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = init_repo(tmp_path / "repo")
    (root / "app").mkdir()
    (root / "app" / "settings.py").write_text(f"import os\n\nSTRIPE_KEY = '{KEY}'\n")
    (root / "app" / "clean.py").write_text("KEY = os.environ['STRIPE_KEY']\n")
    monkeypatch.chdir(root)
    return root


def test_blocks_an_admin_key_with_a_one_screen_message(
        repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert hook.main(["app/settings.py", "app/clean.py"]) == 1
    out = capsys.readouterr().out
    config = Config(root=repo, engine="re", use_default_baseline=False)
    [finding] = scan(config, WorktreeSource(config)).findings
    c = finding.classification
    assert "app/settings.py:3" in out
    for fact in ("Stripe", str(c.tier), str(c.verdict), str(c.severity), finding.redacted,
                 "# credscope: allow=stripe.secret-key", "credscope baseline update"):
        assert fact in out, fact
    flat = " ".join(out.split())
    assert "why: an ADMIN or destructive credential must not be committed" in flat
    assert " ".join(c.remediation.split()) in flat  # the whole fix, never cut
    assert " …" not in out  # no cut (a redacted secret holds "…" itself)
    assert KEY not in out and KEY[8:20] not in out
    lines = out.splitlines()
    assert len(lines) <= SCREEN_LINES
    assert all(len(line) <= 200 for line in lines)


def test_many_findings_still_fit_one_screen(repo: Path,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    files = []
    for i in range(12):
        path = repo / "app" / f"m{i}.js"
        path.write_text(f"const k = '{stripe_key(seed=i)}';\n")
        files.append(str(path.relative_to(repo)))
    assert hook.main(files) == 1
    out = capsys.readouterr().out
    assert len(out.splitlines()) <= SCREEN_LINES
    assert "12 credentials" in out and "and 9 more" in out
    assert out.count("fix (stripe.secret-key)") == 1  # said once for the three shown
    assert " …" not in out  # no cut (a redacted secret holds "…" itself)
    assert "// credscope: allow=stripe.secret-key" in out  # comment syntax of the file


def test_clean_files_pass_silently(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert hook.main(["app/clean.py"]) == 0
    assert hook.main([]) == 0
    assert capsys.readouterr().out == ""


def test_scans_only_the_files_it_is_given(repo: Path) -> None:
    # settings.py holds an ADMIN key, but pre-commit did not pass it: not this commit's business.
    assert hook.main(["app/clean.py"]) == 0


def test_pragma_baseline_fail_on_and_excludes(repo: Path) -> None:
    settings = repo / "app" / "settings.py"
    settings.write_text(f"STRIPE_KEY = '{KEY}'  # credscope: allow=stripe.secret-key\n")
    assert hook.main(["app/settings.py"]) == 0
    settings.write_text(f"STRIPE_KEY = '{KEY}'\n")
    assert hook.main(["app/settings.py", "--fail-on", "never"]) == 0

    runner_result = CliRunner().invoke(app, ["baseline", "create", str(repo)])
    assert runner_result.exit_code == 0, runner_result.output
    assert hook.main(["app/settings.py"]) == 0  # the default baseline at the root applies
    assert hook.main(["app/settings.py", "--no-baseline"]) == 1

    (repo / ".credscope.toml").write_text('exclude = ["app/settings.py"]\n')
    assert hook.main(["app/settings.py", "--no-baseline"]) == 0


def test_publishable_key_fails_only_at_fail_on_note(repo: Path) -> None:
    (repo / "app" / "pk.py").write_text(f"PK = '{stripe_key('pk', seed='hook')}'\n")
    assert hook.main(["app/pk.py"]) == 0
    assert hook.main(["app/pk.py", "--fail-on", "note"]) == 1


def test_credscope_hook_subcommand_is_the_same_entry(repo: Path) -> None:
    runner = CliRunner()
    blocked = runner.invoke(app, ["hook", "app/settings.py"])
    assert blocked.exit_code == 1
    assert "commit blocked" in blocked.output
    assert runner.invoke(app, ["hook", "app/clean.py"]).exit_code == 0
    assert runner.invoke(app, ["hook", "--fail-on", "bogus", "app/clean.py"]).exit_code == 2


@needs_hyperscan
def test_second_run_loads_the_compiled_database_from_the_cache(
        repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert hook.main(["app/settings.py"]) == 1  # compiles (or finds) the database
    assert list(db_cache.cache_dir().glob("hs-*.db"))

    def no_compile(*_args: object) -> None:
        raise AssertionError("the hook recompiled the pattern database")

    monkeypatch.setattr(engine, "compile_database", no_compile)
    assert hook.main(["app/settings.py"]) == 1


def test_imports_neither_typer_nor_rich(repo: Path) -> None:
    probe = textwrap.dedent("""
        import sys
        from scanner.hook import main
        codes = (main(["app/clean.py"]), main(["app/settings.py"]))
        heavy = sorted(m for m in ("typer", "rich", "click", "jinja2") if m in sys.modules)
        print(codes, heavy, file=sys.stderr)
        """)
    proc = subprocess.run([sys.executable, "-c", probe], cwd=repo, capture_output=True,
                          text=True, check=True)
    assert proc.stderr.strip().splitlines()[-1] == "(0, 1) []"


def test_the_hook_blocks_a_secret_of_unknown_power_by_default(repo: Path) -> None:
    """`scan` fails on errors by default; a commit is the cheapest moment to stop a live
    secret, so the hook also blocks warnings (a password whose power nothing tells)."""
    password = rand(string.ascii_letters + string.digits + "#!", 14, "unknown-power")
    (repo / "app" / "db.py").write_text(f'import os\nDB_PASSWORD = "{password}"\n')
    assert hook.main(["app/db.py"]) == 1
    assert hook.main(["app/db.py", "--fail-on", "error"]) == 0
    # The repository's config may not weaken it; the user's own config may.
    (repo / ".credscope.toml").write_text('fail-on = "error"\n')
    assert hook.main(["app/db.py"]) == 1
    assert hook.main(["app/db.py", "--trust-repo-config"]) == 0
