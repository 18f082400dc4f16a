"""`credscope guard cursor` on Cursor's documented hook events."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests import guard_events as ge
from tests.test_guard_claude_code import assert_no_secret, run


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    return ge.make_project(tmp_path_factory.mktemp("cursor"))


def cursor(event: dict[str, Any], proj: Path, home: Path) -> dict[str, Any]:
    base = {"conversation_id": "c-1", "generation_id": "g-1",
            "workspace_roots": [str(proj)]}
    proc = run({**base, **event}, proj, home, agent="cursor")
    assert proc.returncode == 0, proc.stderr
    assert_no_secret(proc)
    answer: dict[str, Any] = json.loads(proc.stdout)
    return answer


@pytest.mark.parametrize(("command", "permission"), [
    ("npm test", "allow"),
    ("git status && git diff", "allow"),
    ("cat .env", "deny"),
    ("grep -rn RAILWAY .", "deny"),
    ("terraform destroy", "ask"),
    ("gh auth token", "ask"),
])
def test_shell(project: tuple[Path, Path], command: str, permission: str) -> None:
    proj, home = project
    answer = cursor({"hook_event_name": "beforeShellExecution", "command": command,
                     "cwd": str(proj)}, proj, home)
    assert answer.get("permission", "allow") == permission
    if permission == "allow":
        assert answer == {}  # no decision: Cursor's own approval settings still apply
    else:
        assert answer["user_message"].startswith("credscope guard: ")
        assert answer["agent_message"] == answer["user_message"]


@pytest.mark.parametrize(("rel", "permission"), [
    ("README.md", "allow"),
    (".env.example", "allow"),
    ("notes/infra.md", "deny"),
])
def test_read_file_uses_the_content_cursor_hands_over(project: tuple[Path, Path], rel: str,
                                                      permission: str) -> None:
    proj, home = project
    path = proj / rel
    answer = cursor({"hook_event_name": "beforeReadFile", "file_path": str(path),
                     "content": path.read_text(), "attachments": []}, proj, home)
    assert answer.get("permission", "allow") == permission


def test_a_read_the_policy_would_ask_about_is_denied(project: tuple[Path, Path]) -> None:
    """beforeReadFile knows allow and deny only."""
    proj, home = project
    creds = home / ".aws/credentials"
    answer = cursor({"hook_event_name": "beforeReadFile", "file_path": str(creds),
                     "content": creds.read_text()}, proj, home)
    assert answer["permission"] == "deny" and "AWS" in answer["user_message"]


@pytest.mark.parametrize(("tool", "arguments", "permission"), [
    ("list_issues", {"repo": "acme/billing"}, "allow"),
    ("volume_delete", {"volumeId": "vol_9f2"}, "ask"),
    ("query", json.dumps({"sql": "DROP TABLE users"}), "ask"),
    ("query", {"sql": "DROP TABLE users", "url": ge.DB_URL}, "deny"),
])
def test_mcp(project: tuple[Path, Path], tool: str, arguments: object,
             permission: str) -> None:
    proj, home = project
    answer = cursor({"hook_event_name": "beforeMCPExecution", "tool_name": tool,
                     "tool_input": arguments, "url": "https://mcp.example.invalid"}, proj, home)
    assert answer.get("permission", "allow") == permission
    assert answer or permission == "allow"


def test_prompt(project: tuple[Path, Path]) -> None:
    proj, home = project
    event = {"hook_event_name": "beforeSubmitPrompt", "attachments": []}
    assert cursor({**event, "prompt": "add a retry to the billing job"}, proj, home) == {
        "continue": True}
    blocked = cursor({**event, "prompt": f"use {ge.STRIPE_LIVE} for now"}, proj, home)
    assert blocked["continue"] is False and "Stripe" in blocked["user_message"]
