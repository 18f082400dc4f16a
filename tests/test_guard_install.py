"""`credscope guard install|uninstall`: merged into real settings files beside other hooks,
idempotently, and removed exactly."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from scanner.errors import ConfigError
from scanner.guard import install as ops

BIN = Path(sys.executable).parent

CLAUDE_SETTINGS: dict[str, Any] = {
    "permissions": {"allow": ["Bash(npm test)"], "deny": ["Read(./secrets/**)"]},
    "env": {"NODE_ENV": "development"},
    "hooks": {
        "PreToolUse": [{"matcher": "Bash", "hooks": [
            {"type": "command", "command": "~/.claude/hooks/log-bash.sh", "timeout": 5}]}],
        "PostToolUse": [{"matcher": "Edit|Write", "hooks": [
            {"type": "command", "command": "npx prettier --write \"$CLAUDE_PROJECT_DIR\""}]}],
        "Notification": [{"hooks": [{"type": "command", "command": "notify-send Claude"}]}],
    },
    "model": "opus",
}
CURSOR_HOOKS: dict[str, Any] = {
    "version": 1,
    "hooks": {"afterFileEdit": [{"command": "./hooks/format.sh"}],
              "beforeShellExecution": [{"command": "./hooks/audit.sh", "timeout": 5}]},
}


def write(path: Path, data: dict[str, Any], indent: int = 2) -> str:
    path.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(data, indent=indent) + "\n"
    path.write_text(text)
    return text


@pytest.mark.parametrize(("agent", "original", "indent"), [
    ("claude-code", CLAUDE_SETTINGS, 2), ("claude-code", CLAUDE_SETTINGS, 4),
    ("cursor", CURSOR_HOOKS, 2),
])
def test_round_trip_keeps_everything_else(tmp_path: Path, agent: str,
                                          original: dict[str, Any], indent: int) -> None:
    path = ops.settings_path(agent, False, tmp_path, tmp_path / "home")
    text = write(path, original, indent)
    command = ops.hook_command(agent, project=False)
    assert ops.install(agent, path, command).action == "updated"
    installed = path.read_text()
    assert ops.install(agent, path, command).action == "unchanged"
    assert path.read_text() == installed
    data = json.loads(installed)
    if agent == "claude-code":
        assert data["permissions"] == original["permissions"] and data["model"] == "opus"
        assert data["hooks"]["PreToolUse"][0] == original["hooks"]["PreToolUse"][0]
        assert data["hooks"]["Notification"] == original["hooks"]["Notification"]
        ours = data["hooks"]["PreToolUse"][1]
        assert ours["matcher"].startswith("^(Bash|") and "mcp__.*" in ours["matcher"]
        assert ours["hooks"] == [{"type": "command", "command": command, "timeout": 30}]
        assert "matcher" not in data["hooks"]["UserPromptSubmit"][0]
        assert installed.startswith("{\n" + " " * indent + '"')
    else:
        assert data["version"] == 1 and data["hooks"]["afterFileEdit"] == [
            {"command": "./hooks/format.sh"}]
        assert data["hooks"]["beforeShellExecution"][0] == {"command": "./hooks/audit.sh",
                                                            "timeout": 5}
        assert set(data["hooks"]) == {"afterFileEdit", *ops.CURSOR_EVENTS}
    assert ops.uninstall(agent, path).action == "updated"
    assert path.read_text() == text
    assert ops.uninstall(agent, path).action == "unchanged"


@pytest.mark.parametrize("agent", ["claude-code", "cursor"])
def test_a_file_the_guard_created_is_removed_again(tmp_path: Path, agent: str) -> None:
    path = ops.settings_path(agent, True, tmp_path, tmp_path / "home")
    assert ops.install(agent, path, ops.hook_command(agent, project=True)).action == "created"
    assert "credscope guard " + agent in path.read_text()
    assert ops.uninstall(agent, path).action == "removed" and not path.exists()
    assert ops.uninstall(agent, path).action == "absent"


def test_a_shared_group_keeps_the_users_handler(tmp_path: Path) -> None:
    path = tmp_path / "settings.json"
    ours = {"type": "command", "command": "credscope guard claude-code"}
    mine = {"type": "command", "command": "./audit.sh"}
    original = {"hooks": {"PreToolUse": [{"matcher": "Bash", "hooks": [mine, ours]}]}}
    write(path, original)
    ops.uninstall("claude-code", path)
    assert json.loads(path.read_text()) == {
        "hooks": {"PreToolUse": [{"matcher": "Bash", "hooks": [mine]}]}}


def test_reinstalling_with_another_command_replaces_the_old_one(tmp_path: Path) -> None:
    path = tmp_path / "settings.json"
    ops.install("claude-code", path, "/old/venv/bin/credscope guard claude-code")
    ops.install("claude-code", path, "credscope guard claude-code --fail-closed")
    commands = [h["command"] for groups in json.loads(path.read_text())["hooks"].values()
                for g in groups for h in g["hooks"]]
    assert commands == ["credscope guard claude-code --fail-closed"] * 3


def test_cursor_fail_closed(tmp_path: Path) -> None:
    path = tmp_path / "hooks.json"
    ops.install("cursor", path, ops.hook_command("cursor", True, fail_closed=True),
                fail_closed=True)
    entries = json.loads(path.read_text())["hooks"]["beforeReadFile"]
    assert entries == [{"command": "credscope guard cursor --fail-closed", "timeout": 30,
                        "failClosed": True}]


@pytest.mark.parametrize("content", ["{not json", "[]", '{"hooks": []}'])
def test_a_settings_file_it_cannot_merge_is_left_alone(tmp_path: Path, content: str) -> None:
    path = tmp_path / "settings.json"
    path.write_text(content)
    with pytest.raises(ConfigError, match="nothing was changed"):
        ops.install("claude-code", path, "credscope guard claude-code")
    assert path.read_text() == content


def test_the_cli_installs_for_the_user_and_the_project(tmp_path: Path) -> None:
    home, proj = tmp_path / "home", tmp_path / "proj"
    home.mkdir()
    proj.mkdir()
    env = {**os.environ, "HOME": str(home)}

    def cli(*args: str) -> str:
        proc = subprocess.run([str(BIN / "credscope"), "guard", *args], cwd=proj, env=env,
                              capture_output=True, text=True, timeout=120)
        assert proc.returncode == 0, proc.stderr
        return proc.stdout

    assert "created" in cli("install", "--agent", "claude-code")
    user = json.loads((home / ".claude/settings.json").read_text())
    command = user["hooks"]["PreToolUse"][0]["hooks"][0]["command"]
    assert command.endswith(" claude-code")
    answer = subprocess.run(command, shell=True, input=json.dumps({
        "hook_event_name": "PreToolUse", "cwd": str(proj), "tool_name": "Bash",
        "tool_input": {"command": "terraform destroy"}}), capture_output=True, text=True,
        env=env, timeout=60)
    assert json.loads(answer.stdout)["hookSpecificOutput"]["permissionDecision"] == "ask"
    assert "created" in cli("install", "--agent", "cursor", "--project")
    assert (proj / ".cursor/hooks.json").is_file()
    assert "removed" in cli("uninstall", "--agent", "claude-code")
    assert "removed" in cli("uninstall", "--agent", "cursor", "--project")
    assert not (home / ".claude/settings.json").exists()
    bad = subprocess.run([str(BIN / "credscope"), "guard", "install", "--agent", "vim"],
                         cwd=proj, env=env, capture_output=True, text=True, timeout=60)
    assert bad.returncode == 2 and "claude-code or cursor" in bad.stderr
