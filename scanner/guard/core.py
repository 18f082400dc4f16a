"""The guard's core: one tool call, in agent-neutral terms -> one decision.

An adapter (claude_code.py, cursor.py) turns an agent's hook event into `Action`s; `decide`
collects the facts each action establishes (what it would show, carry, write or paste, and
which catalogued operations it performs), lets the policy judge each fact, and keeps the
strictest outcome with its reason. Nothing here prints; a Decision never holds a secret
except in `redact`, which only the adapter's redaction of tool output reads.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable
from pathlib import Path
from typing import NamedTuple

from scanner.guard import calls, lookup, reasons, search, seen
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
from scanner.guard.commands import FileUse
from scanner.guard.index import Index, load
from scanner.guard.inspect import Inspector, Sighting
from scanner.guard.policy import Facts, GuardRule, Outcome, judge, rules
from scanner.guard.seen import Seen
from scanner.guard.settings import GuardConfig


class Decision(NamedTuple):
    outcome: Outcome
    rule: str = ""
    reason: str = ""
    redact: tuple[str, ...] = ()  # secrets to mask in output (never printed: see __repr__)
    notes: tuple[str, ...] = ()  # what the guard could not look at

    def __repr__(self) -> str:
        return f"Decision({self.outcome.name}, {self.rule!r}, {self.reason!r})"


_PROC_ENVIRON = re.compile(r"^/proc/(?:self|\d+)/environ$")


def decide(actions: list[Action], cwd: str, config: GuardConfig) -> Decision:
    judge_ = Judge(cwd, config)
    for action in actions:
        judge_.take(action)
    return judge_.decision()


class Judge:
    """Collects the facts of one tool call and the policy's judgement of each."""

    def __init__(self, cwd: str, config: GuardConfig) -> None:
        self.cwd = str(Path(cwd or ".").absolute())
        self.config = config
        self.table = rules(config.decisions)
        self.found: list[tuple[GuardRule, Facts, dict[str, str]]] = []
        self.notes: list[str] = []
        self.secrets: list[str] = []
        self._index: Index | None = None
        self._inspector: Inspector | None = None

    # -- lazily loaded stages ------------------------------------------------------------
    @property
    def index(self) -> Index:
        if self._index is None:
            self._index = load()
        return self._index

    @property
    def seen(self) -> Seen:
        return Seen(self.index.directory / "seen")

    @property
    def inspector(self) -> Inspector:
        if self._inspector is None:
            self._inspector = Inspector(self.index, self.config.policy, self.config.source)
        return self._inspector

    def sightings(self, data: bytes, *, path: str, where: str,
                  committed: bool | Callable[[], bool] = False,
                  location: str | None = None, command: bool = False,
                  keep: Callable[[int], bool] | None = None) -> list[Sighting]:
        found = self.inspector.sightings(data, path=path, where=where, committed=committed,
                                         location=location,
                                         display=where if where.startswith("~") else None,
                                         command=command, keep=keep)
        self.secrets += [s.secret for s in found]
        return found

    # -- facts -----------------------------------------------------------------------------
    def add(self, facts: Facts, **fields: str) -> None:
        rule = judge(facts, self.table)
        if rule is not None and rule.outcome > Outcome.NONE:
            self.found.append((rule, facts, fields))

    def strictest(self) -> Outcome:
        return max((rule.outcome for rule, _, _ in self.found), default=Outcome.NONE)

    def decision(self) -> Decision:
        if not self.found:
            return Decision(Outcome.NONE, notes=tuple(self.notes))
        rule, facts, fields = max(self.found, key=lambda f: f[0].outcome)
        return Decision(rule.outcome, rule.name, "credscope guard: " + _render(rule, facts,
                                                                                fields),
                        tuple(self.secrets), tuple(self.notes))

    # -- actions ---------------------------------------------------------------------------
    def take(self, action: Action) -> None:
        match action:
            case Shell(command=command):
                calls.shell(self, command)
            case ReadFile(path=path, content=content):
                self.read(self.abs_path(path), content)
            case Search():
                self.search(action)
            case WriteFile(path=path, text=text, replaced=replaced):
                self.write(self.abs_path(path), text, replaced)
            case McpCall():
                calls.mcp(self, action)
            case Fetch(url=url):
                calls.carry_literals(self, url.encode(), "the URL", ())
            case Prompt(text=text):
                for s in self.sightings(text.encode(), path="prompt", where="the prompt"):
                    self.add(Facts("prompt", s, concern=self.config.concern))
            case Output(tool=tool, text=text):
                for s in self.sightings(text.encode(), path="output", where="the output"):
                    self.add(Facts("output", s, concern=self.config.concern), tool=tool)

    def abs_path(self, path: str) -> str:
        return os.path.normpath(Path(self.cwd) / Path(path).expanduser())

    def read(self, path: str, content: str | None = None) -> None:
        if _PROC_ENVIRON.match(path):  # a process's environment, NUL-separated
            self.environment_file(path)
            return
        cap = self.config.max_file_size
        key = seen.context(path, json.dumps(dict(self.config.policy), sort_keys=True)) \
            if content is None else None
        cached = self.seen.get(key) if key is not None else None
        if cached is not None:
            for s in cached:
                self.add(Facts("read", s, concern=self.config.concern))
            return
        data = content.encode()[:cap] if content is not None else lookup.read_capped(path, cap)
        if data:
            if len(data) == cap:
                self.notes.append(f"judged the first {cap} bytes of {path} only")
            found = self.shown(path, data, "read")
            if key is not None:
                self.seen.put(key, found)

    def environment_file(self, path: str) -> None:
        try:
            data = Path(path).read_bytes()[:self.config.max_file_size]
        except OSError:
            return
        for s in self.sightings(data.replace(b"\0", b"\n"), path="environment", where=path):
            self.add(Facts("print", s, concern=self.config.concern))

    def shown(self, path: str, data: bytes, action: str,
              shows: Callable[[bytes], bool] | None = None) -> list[Sighting]:
        """The credentials in a file whose content (or, for a search, whose lines that
        `shows`) the agent would see."""
        if not self.inspector.candidates(data):
            return []
        where = lookup.display(path, self.cwd)
        location = lookup.home_location(path, self.index.home_surface)
        scanned = lookup.scan_path(path, self.cwd)
        keep = None
        if shows is not None:
            lines = data.split(b"\n")
            keep = lambda n: shows(lines[n - 1] if n <= len(lines) else b"")  # noqa: E731
        found = self.sightings(data, path=scanned, where=where, location=location, keep=keep,
                               committed=lambda: lookup.git_status(path) == "tracked")
        for s in found:
            self.add(Facts(action, s, concern=self.config.concern))
        return found

    def search(self, action: Search) -> None:
        use = FileUse(self.abs_path(action.path or "."), printed=action.shows_content,
                      pattern=action.pattern, ignore_case=action.ignore_case,
                      recursive=True, respects_ignores=False)
        if use.printed:
            self.searched(use)

    def searched(self, use: FileUse) -> None:
        shows = search.line_filter(use)
        opened = 0
        for path in search.files(use, self.config.search_files):
            if self.strictest() is Outcome.DENY:
                return  # nothing the rest of the walk finds can change the decision
            opened += 1
            data = lookup.read_capped(path, self.config.max_file_size)
            if data:
                self.shown(path, data, "read", shows)
        if opened >= self.config.search_files:
            self.notes.append(f"a search under {use.path} opened the first "
                              f"{self.config.search_files} files only (search-files)")

    def write(self, path: str, text: str, replaced: str) -> None:
        data = text.encode()[:self.config.max_file_size]
        if not self.inspector.candidates(data):
            return
        status = lookup.git_status(path)
        inside = lookup.repository(str(Path(path).parent)) is not None or path.startswith(
            self.cwd + os.sep)
        committed = inside and status != "ignored" and not (
            status == "none" and Path(path).name.startswith(".env"))
        where = lookup.display(path, self.cwd)
        for s in self.sightings(data, path=lookup.scan_path(path, self.cwd), where=where,
                                committed=committed):
            if s.secret and s.secret in replaced:
                continue  # already in the file: this edit does not add it
            self.add(Facts("write", s, concern=self.config.concern, committed=committed),
                     alternative=reasons.alternative(s, where))


def _render(rule: GuardRule, facts: Facts, fields: dict[str, str]) -> str:
    s = facts.sighting
    values = {"operation": "", "effect": "", "tool": "the tool", "where": "", "verdict": "",
              "alternative": "an environment variable", "remediation": "",
              "credential": facts.named or "a credential"}
    if s is not None:
        values.update(credential=reasons.describe(s), where=s.where, verdict=s.verdict,
                      remediation=s.remediation)
        if facts.action == "output":
            values["where"] = ""
    values.update(fields)
    if facts.action == "carry" and s is not None and not facts.literal:
        values["credential"] = f"{values['credential']} from {s.where}"
    try:
        return rule.why.format(**values)
    except (KeyError, IndexError, ValueError):  # a user's `why` naming an unknown field
        return rule.why
