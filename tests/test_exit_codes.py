"""Exit codes: only --fail-on with the policy gives 1; config errors 2, internal 3, ^C 130.

Each is checked through both front ends: `credscope scan` and the pre-commit hook.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from typer.testing import CliRunner

from scanner import hook, pipeline
from scanner.cli import app
from scanner.matching import engine
from scanner.matching.engine import ReEngine
from tests.helpers import stripe_key

SEVERITIES = ("error", "warning", "note")
RANK = {"never": 99, "error": 3, "warning": 2, "note": 1}


@pytest.fixture(autouse=True)
def _re_engine(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pipeline, "make_engine", lambda rules, prefer="auto": ReEngine(rules))


@pytest.fixture
def root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "settings.py").write_text(f"KEY = '{stripe_key(seed='exit')}'\n")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def scan_code(root: Path, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, ["scan", str(root), "--no-progress", *args])
    return result.exit_code, result.output


def set_severity(root: Path, severity: str) -> None:
    """Make the ADMIN key's policy rule report at `severity` (a real policy override, in the
    user's own config: the repository's may not lower a severity)."""
    user = root.parent / "user-config.toml"
    user.write_text(f'[policy]\nadmin-committed = "{severity}"\n')
    os.environ["CREDSCOPE_USER_CONFIG"] = str(user)  # conftest restores it after the test


@pytest.mark.parametrize("severity", SEVERITIES)
@pytest.mark.parametrize("fail_on", ["error", "warning", "note", "never"])
def test_fail_on_decides_exit_1(root: Path, severity: str, fail_on: str) -> None:
    set_severity(root, severity)
    expected = 1 if RANK[severity] >= RANK[fail_on] else 0
    assert scan_code(root, "--fail-on", fail_on)[0] == expected
    assert hook.main(["settings.py", "--fail-on", fail_on]) == expected


def test_fail_on_from_the_config_file(root: Path) -> None:
    (root / ".credscope.toml").write_text('fail-on = "never"\n')
    # The repository's own file cannot switch the gate off: refused, and said so.
    code, output = scan_code(root)
    assert code == 1 and "fail-on = never refused" in output
    assert hook.main(["settings.py"]) == 1
    # Trusted, it can; the command line still wins.
    assert scan_code(root, "--trust-repo-config")[0] == 0
    assert hook.main(["settings.py", "--trust-repo-config"]) == 0
    assert scan_code(root, "--trust-repo-config", "--fail-on", "error")[0] == 1


def test_clean_is_0(root: Path) -> None:
    (root / "settings.py").write_text("KEY = os.environ['KEY']\n")
    assert scan_code(root, "--fail-on", "note")[0] == 0
    assert hook.main(["settings.py", "--fail-on", "note"]) == 0


@pytest.mark.parametrize(("setup", "args"), [
    ("", ("--fail-on", "sometimes")),
    ("unknown-key = 1\n", ()),
    ("fail-on = [\n", ()),
    ("", ("--baseline", "missing.json")),
])
def test_usage_and_config_errors_are_2(root: Path, setup: str, args: tuple[str, ...]) -> None:
    if setup:
        (root / ".credscope.toml").write_text(setup)
    code, output = scan_code(root, *args)
    assert code == 2, output
    # A value outside an option's choices is refused by the option parser, naming them.
    said = "Invalid value for '--fail-on'" if "sometimes" in args else "credscope: error:"
    assert said in output and "Traceback" not in output
    assert hook.main(["settings.py", *args]) == 2


def test_hook_usage_error_is_2(root: Path) -> None:
    assert hook.main(["--no-such-option"]) == 2


def test_internal_error_is_3_never_1(root: Path, monkeypatch: pytest.MonkeyPatch,
                                     capsys: pytest.CaptureFixture[str]) -> None:
    def broken(*_args: object) -> list[object]:
        raise RuntimeError("simulated bug in extraction")

    monkeypatch.setattr(engine, "extract", broken)
    code, output = scan_code(root, "--fail-on", "note")  # a finding would have failed
    assert code == 3
    assert "internal error" in output and "not a finding" in output
    assert hook.main(["settings.py", "--fail-on", "note"]) == 3
    err = capsys.readouterr().err
    assert "internal error: RuntimeError: simulated bug" in err
    assert "Traceback" not in err


def test_interrupted_is_130(root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def interrupted(*_args: object) -> list[object]:
        raise KeyboardInterrupt

    monkeypatch.setattr(engine, "extract", interrupted)
    assert scan_code(root)[0] == 130
    assert hook.main(["settings.py"]) == 130
