"""What an agent's tool call does, in terms every adapter shares."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Shell:
    command: str


@dataclass(frozen=True, slots=True)
class ReadFile:
    path: str
    content: str | None = None  # when the agent hands it over (Cursor's beforeReadFile)


@dataclass(frozen=True, slots=True)
class Search:
    pattern: str
    path: str
    ignore_case: bool = False
    shows_content: bool = True  # False: only file names or counts are shown


@dataclass(frozen=True, slots=True)
class WriteFile:
    path: str
    text: str  # what the call puts in the file (a whole file, or an edit's new text)
    replaced: str = ""  # what an edit takes out: secrets already there are not new


@dataclass(frozen=True, slots=True)
class McpCall:
    server: str
    tool: str
    arguments: str  # the call's arguments as JSON text


@dataclass(frozen=True, slots=True)
class Fetch:
    url: str


@dataclass(frozen=True, slots=True)
class Prompt:
    text: str


@dataclass(frozen=True, slots=True)
class Output:
    tool: str
    text: str  # what a tool returned (PostToolUse)


Action = Shell | ReadFile | Search | WriteFile | McpCall | Fetch | Prompt | Output
