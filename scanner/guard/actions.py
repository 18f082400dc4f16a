"""What an agent's tool call does, in terms every adapter shares.

NamedTuples, not dataclasses, throughout the guard's fast path: a hook is a new process per
tool call, and building a frozen dataclass costs its class a millisecond or more at import
(twenty of them were a fifth of a benign call's time); a NamedTuple costs a tenth of that.
"""

from __future__ import annotations

from typing import NamedTuple


class Shell(NamedTuple):
    command: str


class ReadFile(NamedTuple):
    path: str
    content: str | None = None  # when the agent hands it over (Cursor's beforeReadFile)


class Search(NamedTuple):
    pattern: str
    path: str
    ignore_case: bool = False
    shows_content: bool = True  # False: only file names or counts are shown


class WriteFile(NamedTuple):
    path: str
    text: str  # what the call puts in the file (a whole file, or an edit's new text)
    replaced: str = ""  # what an edit takes out: secrets already there are not new


class McpCall(NamedTuple):
    server: str
    tool: str
    arguments: str  # the call's arguments as JSON text


class Fetch(NamedTuple):
    url: str


class Prompt(NamedTuple):
    text: str


class Output(NamedTuple):
    tool: str
    text: str  # what a tool returned (PostToolUse)


Action = Shell | ReadFile | Search | WriteFile | McpCall | Fetch | Prompt | Output
