"""Claude Code's hook protocol (https://code.claude.com/docs/en/hooks).

Input on stdin: `hook_event_name`, `cwd`, `session_id`, `transcript_path`, and per event
`tool_name` + `tool_input` (PreToolUse; PostToolUse adds `tool_response`) or `prompt`
(UserPromptSubmit). Output, exit 0 always: nothing (no objection); for PreToolUse
`hookSpecificOutput.permissionDecision` "ask" or "deny" with `permissionDecisionReason`
(shown to the user for ask, to Claude for deny); for PostToolUse and UserPromptSubmit a
top-level `"decision": "block"` with `reason`. PostToolUse also hands Claude a redacted Bash
output through `hookSpecificOutput.updatedToolOutput`.
"""

from __future__ import annotations

import json
from typing import Any

from scanner.guard.actions import (
    Action,
    Fetch,
    McpCall,
    Output,
    Prompt,
    ReadFile,
    Search,
    Shell,
    WriteFile,
)
from scanner.guard.core import Decision
from scanner.guard.policy import Outcome

# Tools whose content the pre-call check already judged: their output adds nothing.
_JUDGED_BEFORE = frozenset({"Read", "Write", "Edit", "MultiEdit", "NotebookEdit", "Glob"})


def _s(value: object) -> str:
    return value if isinstance(value, str) else ""


def actions(event: dict[str, Any]) -> list[Action]:
    name = event.get("hook_event_name")
    if name == "UserPromptSubmit":
        return [Prompt(_s(event.get("prompt")))]
    tool = _s(event.get("tool_name"))
    tool_input = event.get("tool_input")
    args: dict[str, Any] = tool_input if isinstance(tool_input, dict) else {}
    if name == "PostToolUse":
        if tool in _JUDGED_BEFORE:
            return []
        return [Output(tool, _flatten(event.get("tool_response")))]
    if name != "PreToolUse":
        return []
    return tool_actions(tool, args)


def tool_actions(tool: str, args: dict[str, Any]) -> list[Action]:
    if tool in ("Bash", "PowerShell"):
        return [Shell(_s(args.get("command")))]
    if tool == "Read":
        return [ReadFile(_s(args.get("file_path")))]
    if tool == "NotebookRead":
        return [ReadFile(_s(args.get("notebook_path")))]
    if tool == "Write":
        return [WriteFile(_s(args.get("file_path")), _s(args.get("content")))]
    if tool == "Edit":
        return [WriteFile(_s(args.get("file_path")), _s(args.get("new_string")),
                          _s(args.get("old_string")))]
    if tool == "MultiEdit":
        raw = args.get("edits")
        edits: list[Any] = raw if isinstance(raw, list) else []
        return [WriteFile(_s(args.get("file_path")), _s(e.get("new_string")),
                          _s(e.get("old_string"))) for e in edits if isinstance(e, dict)]
    if tool == "NotebookEdit":
        return [WriteFile(_s(args.get("notebook_path")), _s(args.get("new_source")))]
    if tool == "Grep":
        return [Search(_s(args.get("pattern")), _s(args.get("path")),
                       ignore_case=bool(args.get("-i")),
                       shows_content=args.get("output_mode") == "content")]
    if tool == "WebFetch":
        return [Fetch(_s(args.get("url")))]
    if tool.startswith("mcp__"):
        server, _, name = tool[len("mcp__"):].partition("__")
        return [McpCall(server, name, json.dumps(args))]
    return []


def _flatten(value: object, limit: int = 4 * 1024 * 1024) -> str:
    """Every string in a tool response, one per line (the response's shape varies by tool)."""
    parts: list[str] = []
    stack = [value]
    size = 0
    while stack and size < limit:
        item = stack.pop()
        if isinstance(item, str):
            parts.append(item)
            size += len(item)
        elif isinstance(item, dict):
            stack.extend(reversed(list(item.values())))
        elif isinstance(item, list):
            stack.extend(reversed(item))
    return "\n".join(parts)


def render(decision: Decision, event: dict[str, Any]) -> dict[str, Any] | None:
    """The JSON to print, or None for no objection."""
    if decision.outcome is Outcome.NONE:
        return None
    name = event.get("hook_event_name")
    if name == "PreToolUse":
        return {"hookSpecificOutput": {
            "hookEventName": "PreToolUse",
            "permissionDecision": "deny" if decision.outcome is Outcome.DENY else "ask",
            "permissionDecisionReason": decision.reason}}
    if name == "UserPromptSubmit":
        if decision.outcome is Outcome.ASK:  # a prompt cannot be asked about: warn the user
            return {"systemMessage": decision.reason}
        return {"decision": "block", "reason": decision.reason}
    if name == "PostToolUse":
        specific: dict[str, Any] = {"hookEventName": "PostToolUse",
                                    "additionalContext": decision.reason}
        redacted = _redacted_bash(event, decision.redact)
        if redacted is not None:
            specific["updatedToolOutput"] = redacted
        return {"decision": "block", "reason": decision.reason, "hookSpecificOutput": specific}
    return None


def _redacted_bash(event: dict[str, Any], secrets: tuple[str, ...]) -> dict[str, Any] | None:
    response = event.get("tool_response")
    if event.get("tool_name") != "Bash" or not isinstance(response, dict) or not secrets:
        return None
    from scanner.findings import redact  # noqa: PLC0415

    out = dict(response)
    for key in ("stdout", "stderr"):
        text = out.get(key)
        if isinstance(text, str):
            for secret in sorted(set(secrets), key=len, reverse=True):
                text = text.replace(secret, redact(secret))
            out[key] = text
    return out


def failure(event: dict[str, Any], message: str) -> dict[str, Any] | None:
    """What fail-closed answers when the guard itself failed."""
    return render(Decision(Outcome.DENY, "guard-error", message), event)


def cwd(event: dict[str, Any]) -> str:
    return _s(event.get("cwd"))
