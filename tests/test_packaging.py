"""The built distribution carries every package, the rules and the templates."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from scanner.errors import RuleError
from scanner.matching import loader

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

ROOT = Path(__file__).resolve().parents[1]
SETUPTOOLS = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]


def test_every_code_package_is_listed_for_the_wheel() -> None:
    found = {".".join(p.parent.relative_to(ROOT).parts)
             for p in ROOT.glob("scanner/**/__init__.py")}
    listed = set(SETUPTOOLS["packages"])
    assert found <= listed, f"missing from [tool.setuptools].packages: {sorted(found - listed)}"


def test_data_directories_ship_inside_the_package() -> None:
    assert SETUPTOOLS["package-dir"]["scanner._rules"] == "rules"
    assert SETUPTOOLS["package-dir"]["scanner._templates"] == "reports/templates"
    assert {"scanner._rules", "scanner._templates"} <= set(SETUPTOOLS["packages"])


def test_no_rules_at_all_is_a_clear_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch
                                          ) -> None:
    monkeypatch.setattr(loader, "builtin_rules_dir", lambda: tmp_path)
    with pytest.raises(RuleError, match="no rule files"):
        loader.load_rules()
