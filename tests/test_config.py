"""Config files: found, validated, and wrong ones rejected with file, key and reason."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from scanner.config import load_config, parse_size
from scanner.errors import ConfigError
from scanner.model import Severity


def test_pyproject_table_and_dedicated_file(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(
        '[tool.credscope]\nexclude = ["vendor/**"]\nfail-on = "warning"\n'
        'max-file-size = "100MiB"\n')
    config = load_config(tmp_path)
    assert config.exclude == ("vendor/**",)
    assert config.fail_on is Severity.WARNING
    assert config.max_file_size == 100 * 1024 * 1024
    (tmp_path / ".credscope.toml").write_text('fail-on = "never"\n')
    # The repository's own file may not lower the gate; its owner may let it.
    assert load_config(tmp_path).fail_on is Severity.ERROR
    assert load_config(tmp_path, trust_repo_config=True).fail_on is Severity.NONE


@pytest.mark.parametrize(("body", "needle"), [
    ('fail-on = "sometimes"\n', "fail-on"),
    ('exclude = "notalist"\n', "exclude"),
    ('max-file-size = "huge"\n', "max-file-size"),
    ('surprise = 1\n', "surprise"),
    ('allowlist-values = ["(unclosed"]\n', "allowlist-values"),
    ("this is [not toml\n", "invalid TOML"),
    ("tool = 5\n", "tool"),
    ("[tool]\ncredscope = 5\n", "[tool.credscope]"),
    ("[policy]\nadmin-committed = 5\n", "policy.admin-committed"),
])
def test_bad_config_names_file_and_key(tmp_path: Path, body: str, needle: str) -> None:
    """In the repository's file and in the user's own (where allowlist-values applies)."""
    name = "pyproject.toml" if body.startswith(("tool", "[tool]")) else ".credscope.toml"
    (tmp_path / name).write_text(body)
    with pytest.raises(ConfigError) as err:
        load_config(tmp_path, trust_repo_config=True)
    assert needle in str(err.value) and name in str(err.value)


def test_a_malformed_tool_table_exits_2_not_3(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text("tool = 5\n")
    proc = subprocess.run([sys.executable, "-m", "scanner", "scan", str(tmp_path)],
                          capture_output=True, text=True, check=False)
    assert proc.returncode == 2, proc.stderr
    assert "pyproject.toml" in proc.stderr and "Traceback" not in proc.stderr


def test_bad_config_exits_2_through_the_cli(tmp_path: Path) -> None:
    (tmp_path / ".credscope.toml").write_text('fail-on = "sometimes"\n')
    proc = subprocess.run([sys.executable, "-m", "scanner", "scan", str(tmp_path)],
                          capture_output=True, text=True, check=False)
    assert proc.returncode == 2
    assert "fail-on" in proc.stderr and "Traceback" not in proc.stderr


def test_sizes() -> None:
    assert parse_size("25MiB", source="x") == 25 * 1024 * 1024
    assert parse_size("512k", source="x") == 512 * 1024
    assert parse_size(100, source="x") == 100
    with pytest.raises(ConfigError):
        parse_size(0, source="x")
