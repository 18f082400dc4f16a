"""Cursor's hook protocol (https://cursor.com/docs/agent/hooks).

Input on stdin: `hook_event_name`, `conversation_id`, `generation_id`, `workspace_roots`, and
per event `command` + `cwd` (beforeShellExecution), `file_path` + `content`
(beforeReadFile), `tool_name` + `tool_input` (+ `url` or `command` of the server;
beforeMCPExecution), `prompt` (beforeSubmitPrompt). Output, exit 0: `{"permission": "allow" |
"ask" | "deny", "user_message", "agent_message"}` for shell and MCP calls; beforeReadFile
knows only allow and deny, so a read the policy would ask about is denied with the reason;
`{"continue": false, "user_message"}` blocks a prompt. With no objection it answers `{}`
(valid JSON, no decision: Cursor's own approval settings decide, which an explicit "allow"
might bypass) and `{"continue": true}` for a prompt; it always answers something, since a
hook with `failClosed` that prints nothing counts as failed.
"""

from __future__ import annotations

import json
from typing import Any

from scanner.guard.actions import Action, McpCall, Prompt, ReadFile, Shell
from scanner.guard.core import Decision
from scanner.guard.policy import Outcome

EVENTS = ("beforeShellExecution", "beforeReadFile", "beforeMCPExecution", "beforeSubmitPrompt")


def _s(value: object) -> str:
    return value if isinstance(value, str) else ""


def actions(event: dict[str, Any]) -> list[Action]:
    name = event.get("hook_event_name")
    if name == "beforeShellExecution":
        return [Shell(_s(event.get("command")))]
    if name == "beforeReadFile":
        content = event.get("content")
        return [ReadFile(_s(event.get("file_path")),
                         content if isinstance(content, str) else None)]
    if name == "beforeMCPExecution":
        raw = event.get("tool_input")
        arguments = raw if isinstance(raw, str) else json.dumps(raw)
        server = _s(event.get("url")) or _s(event.get("command")) or "MCP"
        return [McpCall(server, _s(event.get("tool_name")), arguments)]
    if name == "beforeSubmitPrompt":
        return [Prompt(_s(event.get("prompt")))]
    return []


def render(decision: Decision, event: dict[str, Any]) -> dict[str, Any] | None:
    name = event.get("hook_event_name")
    if name == "beforeSubmitPrompt":
        if decision.outcome is Outcome.NONE:
            return {"continue": True}
        return {"continue": False, "user_message": decision.reason}
    if name not in EVENTS:
        return None
    if decision.outcome is Outcome.NONE:
        return {}  # no decision: Cursor's own permission flow applies ("allow" could skip it)
    permission = "deny" if decision.outcome is Outcome.DENY or name == "beforeReadFile" \
        else "ask"
    return {"permission": permission, "user_message": decision.reason,
            "agent_message": decision.reason}


def failure(event: dict[str, Any], message: str) -> dict[str, Any] | None:
    return render(Decision(Outcome.DENY, "guard-error", message), event)


def cwd(event: dict[str, Any]) -> str:
    roots = event.get("workspace_roots")
    root = roots[0] if isinstance(roots, list) and roots and isinstance(roots[0], str) else ""
    return _s(event.get("cwd")) or root
