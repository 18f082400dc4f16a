"""`credscope guard install|uninstall --agent claude-code|cursor [--user|--project]`.

Merges the guard's hooks into the agent's own configuration, idempotently, leaving every
other setting and hook as it was; uninstall removes the guard's hook handlers (recognised by
their command) and whatever they alone filled, and nothing else.

- Claude Code (https://code.claude.com/docs/en/hooks): `hooks` in ~/.claude/settings.json
  (--user) or .claude/settings.json (--project); one matcher group per event:
  PreToolUse and PostToolUse with a tool-name matcher, UserPromptSubmit without one.
- Cursor (https://cursor.com/docs/agent/hooks): ~/.cursor/hooks.json or .cursor/hooks.json,
  `{"version": 1, "hooks": {event: [{"command": ...}]}}` for beforeShellExecution,
  beforeReadFile, beforeMCPExecution and beforeSubmitPrompt (an unknown event name makes
  Cursor ignore the whole file, so only these are written).
"""

from __future__ import annotations

import json
import os
import re
import shlex
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from scanner.errors import ConfigError

TIMEOUT = 30  # seconds; a decision takes a fraction of one, the first after an upgrade ~5
_TOOLS = "Bash|PowerShell|Read|Write|Edit|MultiEdit|NotebookEdit|Grep|WebFetch|mcp__.*"
_OUTPUT_TOOLS = "Bash|PowerShell|Grep|WebFetch|mcp__.*"
CLAUDE_EVENTS: dict[str, str | None] = {
    "PreToolUse": f"^({_TOOLS})$",
    "PostToolUse": f"^({_OUTPUT_TOOLS})$",
    "UserPromptSubmit": None,
}
CURSOR_EVENTS = ("beforeShellExecution", "beforeReadFile", "beforeMCPExecution",
                 "beforeSubmitPrompt")
_OURS = re.compile(r"(?:credscope-guard|credscope\s+guard|-m\s+scanner\.guard)['\"]?\s+"
                   r"(?:claude-code|cursor)\b")


@dataclass(frozen=True, slots=True)
class Change:
    path: Path
    action: str  # created | updated | unchanged | removed | absent


def settings_path(agent: str, project: bool, cwd: Path, home: Path) -> Path:
    base = cwd if project else home
    return base / (".claude/settings.json" if agent == "claude-code" else ".cursor/hooks.json")


def hook_command(agent: str, project: bool, fail_closed: bool = False,
                 config: Path | None = None) -> str:
    """A project's settings are shared, so they name `credscope` on the PATH; a user's name
    the one beside this interpreter (hooks run with the agent's PATH, not the venv's)."""
    local = Path(sys.executable).parent / "credscope"
    words = ["credscope"] if project or not local.is_file() else [str(local)]
    words += ["guard", agent]
    if config is not None:
        words += ["--config", str(config)]
    if fail_closed:
        words.append("--fail-closed")
    return shlex.join(words)


def is_ours(handler: object) -> bool:
    return isinstance(handler, dict) and bool(_OURS.search(str(handler.get("command", ""))))


def install(agent: str, path: Path, command: str, fail_closed: bool = False) -> Change:
    data, indent = _read(path)
    before = json.dumps(data, sort_keys=True)
    if agent == "claude-code":
        hooks = _table(data, "hooks", path)
        for event, matcher in CLAUDE_EVENTS.items():
            groups = _strip(_list(hooks, event, path))
            group: dict[str, Any] = {} if matcher is None else {"matcher": matcher}
            group["hooks"] = [{"type": "command", "command": command, "timeout": TIMEOUT}]
            hooks[event] = [*groups, group]
    else:
        data.setdefault("version", 1)
        hooks = _table(data, "hooks", path)
        for event in CURSOR_EVENTS:
            entry: dict[str, Any] = {"command": command, "timeout": TIMEOUT}
            if fail_closed:
                entry["failClosed"] = True
            hooks[event] = [h for h in _list(hooks, event, path) if not is_ours(h)] + [entry]
    if json.dumps(data, sort_keys=True) == before:
        return Change(path, "unchanged")
    existed = path.exists()
    _write(path, data, indent)
    return Change(path, "updated" if existed else "created")


def uninstall(agent: str, path: Path) -> Change:
    if not path.exists():
        return Change(path, "absent")
    data, indent = _read(path)
    before = json.dumps(data, sort_keys=True)
    hooks = data.get("hooks")
    if isinstance(hooks, dict):
        for event in list(CLAUDE_EVENTS if agent == "claude-code" else CURSOR_EVENTS):
            entries = hooks.get(event)
            if not isinstance(entries, list):
                continue
            kept = _strip(entries) if agent == "claude-code" else \
                [h for h in entries if not is_ours(h)]
            if kept:
                hooks[event] = kept
            elif any(is_ours(h) or _had_ours(h) for h in entries):
                del hooks[event]  # the guard alone filled it
        if not hooks:
            del data["hooks"]
    if json.dumps(data, sort_keys=True) == before:
        return Change(path, "unchanged")
    if not data or (agent == "cursor" and set(data) == {"version"}):
        path.unlink()  # the file held nothing but the guard
        return Change(path, "removed")
    _write(path, data, indent)
    return Change(path, "updated")


def _had_ours(group: object) -> bool:
    return isinstance(group, dict) and isinstance(group.get("hooks"), list) and any(
        is_ours(h) for h in group["hooks"])


def _strip(groups: list[Any]) -> list[Any]:
    """Claude Code matcher groups without the guard's handlers; a group the guard alone
    filled goes, a group it shared keeps its other handlers."""
    out = []
    for group in groups:
        if not _had_ours(group):
            out.append(group)
            continue
        others = [h for h in group["hooks"] if not is_ours(h)]
        if others:
            out.append({**group, "hooks": others})
    return out


def _read(path: Path) -> tuple[dict[str, Any], int]:
    if not path.exists():
        return {}, 2
    try:
        text = path.read_text(encoding="utf-8")
        data = json.loads(text) if text.strip() else {}
    except (OSError, UnicodeDecodeError, ValueError) as err:
        raise ConfigError(f"cannot read the settings to merge into: {err}; nothing was "
                          "changed", path=str(path)) from None
    if not isinstance(data, dict):
        raise ConfigError("settings must be a JSON object; nothing was changed", path=str(path))
    m = re.search(r"\n( +)\S", text)
    return data, len(m.group(1)) if m else 2


def _table(data: dict[str, Any], key: str, path: Path) -> dict[str, Any]:
    value = data.setdefault(key, {})
    if not isinstance(value, dict):
        raise ConfigError(f"{key!r} must be an object; nothing was changed", path=str(path))
    return value


def _list(table: dict[str, Any], key: str, path: Path) -> list[Any]:
    value = table.get(key, [])
    if not isinstance(value, list):
        raise ConfigError(f"hooks.{key} must be an array; nothing was changed", path=str(path))
    return value


def _write(path: Path, data: dict[str, Any], indent: int) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps(data, indent=indent, ensure_ascii=False) + "\n", encoding="utf-8")
    tmp.replace(path)


def warm() -> None:
    """Build the rules index (again: it picks up rule packs) and the bytecode now, so the
    agent's first call is fast."""
    import compileall  # noqa: PLC0415

    from scanner.guard import index  # noqa: PLC0415
    from scanner.guard.cachedir import keep_bytecode  # noqa: PLC0415

    index.load(rebuild=True)
    keep_bytecode()
    compileall.compile_dir(str(Path(__file__).resolve().parents[1]), quiet=1)
