"""docs/guard.md's snippets work as written."""

from __future__ import annotations

import json
import os
import re
import subprocess
from pathlib import Path

from scanner.guard import install, settings
from scanner.guard.policy import Outcome, rules
from tests.test_guard_claude_code import guard_command

DOC = (Path(__file__).resolve().parents[1] / "docs/guard.md").read_text()


def blocks(language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", DOC, re.DOTALL)


def test_the_config_example_loads(tmp_path: Path) -> None:
    (toml,) = blocks("toml")
    path = tmp_path / "guard.toml"
    path.write_text(toml)
    config = settings.load(str(path))
    assert config.max_file_size == 1024 * 1024 and config.search_files == 2000
    table = {r.name: r for r in rules(config.decisions)}
    assert table["read-credential"].outcome is Outcome.DENY


def test_the_settings_shown_are_what_install_writes(tmp_path: Path) -> None:
    claude, cursor = (json.loads(b) for b in blocks("json"))
    path = tmp_path / "settings.json"
    install.install("claude-code", path, "credscope guard claude-code")
    assert json.loads(path.read_text()) == claude
    path = tmp_path / "hooks.json"
    install.install("cursor", path, "credscope guard cursor")
    assert json.loads(path.read_text()) == cursor


def test_the_try_it_command(tmp_path: Path) -> None:
    snippet = next(b for b in blocks("sh") if "credscope guard claude-code" in b)
    command = snippet.replace("credscope guard claude-code", " ".join(guard_command()))
    proc = subprocess.run(["sh", "-c", command], capture_output=True, text=True, cwd=tmp_path,
                          env=os.environ, timeout=60)
    answer = json.loads(proc.stdout)["hookSpecificOutput"]
    assert answer["permissionDecision"] == "ask" and "Terraform" in answer[
        "permissionDecisionReason"]
