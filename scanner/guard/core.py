"""The guard's core: one tool call, in agent-neutral terms -> one decision.

An adapter (claude_code.py, cursor.py) turns an agent's hook event into `Action`s; `decide`
collects the facts each action establishes (what it would show, carry, write or paste, and
which catalogued operations it performs), lets the policy judge each fact, and keeps the
strictest outcome with its reason. Nothing here prints; a Decision never holds a secret
except in `redact`, which only the adapter's redaction of tool output reads.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from pathlib import Path
from typing import NamedTuple

from scanner.guard import lookup, reasons, search
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
from scanner.guard.catalogue import Catalogue, Operation
from scanner.guard.commands import FileUse, LineFacts, interpret
from scanner.guard.index import Index, load
from scanner.guard.inspect import Inspector, Sighting
from scanner.guard.policy import Facts, GuardRule, Outcome, judge, rules
from scanner.guard.settings import GuardConfig
from scanner.guard.shell import SimpleCommand, parse


class Decision(NamedTuple):
    outcome: Outcome
    rule: str = ""
    reason: str = ""
    redact: tuple[str, ...] = ()  # secrets to mask in output (never printed: see __repr__)
    notes: tuple[str, ...] = ()  # what the guard could not look at

    def __repr__(self) -> str:
        return f"Decision({self.outcome.name}, {self.rule!r}, {self.reason!r})"


NO_OBJECTION = Decision(Outcome.NONE)
_SHAPES = frozenset({"HTTP", "GraphQL", "MCP", "Shell", "SQL"})
_PROC_ENVIRON = re.compile(r"^/proc/(?:self|\d+)/environ$")


def decide(actions: list[Action], cwd: str, config: GuardConfig) -> Decision:
    judge_ = _Judge(cwd, config)
    for action in actions:
        judge_.take(action)
    return judge_.decision()


class _Judge:
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
    def inspector(self) -> Inspector:
        if self._inspector is None:
            self._inspector = Inspector(self.index, self.config.policy, self.config.source)
        return self._inspector

    def sightings(self, data: bytes, *, path: str, where: str, committed: bool = False,
                  location: object | None = None, command: bool = False) -> list[Sighting]:
        found = self.inspector.sightings(data, path=path, where=where, committed=committed,
                                         location=location,  # type: ignore[arg-type]
                                         display=where if where.startswith("~") else None,
                                         command=command)
        self.secrets += [s.secret for s in found]
        return found

    # -- facts -----------------------------------------------------------------------------
    def add(self, facts: Facts, **fields: str) -> None:
        rule = judge(facts, self.table)
        if rule is not None and rule.outcome > Outcome.NONE:
            self.found.append((rule, facts, fields))

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
                self.shell(command)
            case ReadFile(path=path, content=content):
                self.read(self._abs(path), content)
            case Search():
                self.search(action)
            case WriteFile(path=path, text=text, replaced=replaced):
                self.write(self._abs(path), text, replaced)
            case McpCall():
                self.mcp(action)
            case Fetch(url=url):
                self.carry_literals(url.encode(), "the URL", ())
            case Prompt(text=text):
                for s in self.sightings(text.encode(), path="prompt", where="the prompt"):
                    self.add(Facts("prompt", s, concern=self.config.concern))
            case Output(tool=tool, text=text):
                for s in self.sightings(text.encode(), path="output", where="the output"):
                    self.add(Facts("output", s, concern=self.config.concern), tool=tool)

    def _abs(self, path: str) -> str:
        return os.path.normpath(Path(self.cwd) / Path(path).expanduser())

    def read(self, path: str, content: str | None = None) -> None:
        if _PROC_ENVIRON.match(path):  # a process's environment, NUL-separated
            self.environment_file(path)
            return
        data = content.encode()[:self.config.max_file_size] if content is not None else \
            lookup.read_capped(path, self.config.max_file_size)
        if data:
            self.shown(path, data, "read")

    def environment_file(self, path: str) -> None:
        try:
            data = Path(path).read_bytes()[:self.config.max_file_size]
        except OSError:
            return
        for s in self.sightings(data.replace(b"\0", b"\n"), path="environment", where=path):
            self.add(Facts("print", s, concern=self.config.concern))

    def shown(self, path: str, data: bytes, action: str,
              shows: Callable[[bytes], bool] | None = None) -> None:
        """The credentials in a file whose content (or, for a search, whose lines that
        `shows`) the agent would see."""
        if not self.inspector.candidates(data):
            return
        where = lookup.display(path, self.cwd)
        status = lookup.git_status(path)
        location = lookup.home_location(path)
        lines = data.split(b"\n") if shows is not None else []
        for s in self.sightings(data, path=where, where=where, committed=status == "tracked",
                                location=location):
            if shows is None or shows(lines[s.line - 1] if s.line <= len(lines) else b""):
                self.add(Facts(action, s, concern=self.config.concern))

    def search(self, action: Search) -> None:
        use = FileUse(self._abs(action.path or "."), printed=action.shows_content,
                      pattern=action.pattern, ignore_case=action.ignore_case,
                      recursive=True, respects_ignores=False)
        if use.printed:
            self.searched(use)

    def searched(self, use: FileUse) -> None:
        shows = search.line_filter(use)
        for path in search.files(use, self.config.search_files):
            data = lookup.read_capped(path, self.config.max_file_size)
            if data:
                self.shown(path, data, "read", shows)

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
        for s in self.sightings(data, path=where, where=where, committed=committed):
            if s.secret and s.secret in replaced:
                continue  # already in the file: this edit does not add it
            self.add(Facts("write", s, concern=self.config.concern, committed=committed),
                     alternative=reasons.alternative(s, where))

    # -- shell commands --------------------------------------------------------------------
    def shell(self, command: str) -> None:
        parsed = parse(command)
        line = interpret(parsed, self.cwd)
        catalogue = Catalogue(self.index.catalogue)
        operations = self.operations(parsed.commands, catalogue)
        destructive = tuple(op for op in operations if op.destructive)
        for op in operations:
            if not op.destructive:
                self.add(Facts("print", operations=(op,)), operation=op.title, effect=op.effect)
        self.carry(command, line, destructive,
                   [c.injected for c in parsed.commands if c.injected])
        for use in line.files:
            if not use.printed:
                continue
            if use.pattern is not None or Path(use.path).is_dir():
                self.searched(use)
            else:
                self.read(use.path)
        self.printed_environment(line)

    def operations(self, commands: list[SimpleCommand], catalogue: Catalogue
                   ) -> list[Operation]:
        from scanner.guard import clients  # noqa: PLC0415

        found: list[Operation] = []
        for cmd in commands:
            found += catalogue.command(cmd)
            family = clients.family(cmd)
            if family is None:
                continue
            text = clients.payload(cmd, self._read_text)
            found += catalogue.text(family, text)
            req = clients.request(cmd)
            if req is not None:
                found += catalogue.request(req)
        # A provider's own entry names the operation better than a shape (any DELETE, any
        # delete mutation): it goes first, and the reason quotes the first.
        return sorted(dict.fromkeys(found), key=lambda op: op.provider in _SHAPES)

    def _read_text(self, word: str) -> str:
        data = lookup.read_capped(self._abs(word), self.config.max_file_size)
        return data.decode("utf-8", "replace") if data else ""

    def carry(self, command: str, line: LineFacts, destructive: tuple[Operation, ...],
              injected: list[str]) -> None:
        """The credentials a command line carries, literally, through variables, through
        files read into it, or handed to it by a secret-injecting wrapper. Passing a
        credential through a variable is the right way to use it: that matters only to a
        destructive call, so only there are variables and files followed."""
        self.carry_literals(command.encode(), "the command", destructive)
        if not destructive:
            return
        files = lookup.env_file_candidates(self.cwd, line.env_files)
        for name in sorted(line.used_vars):
            value, source = self.resolve(name, line, files)
            if value is None:
                if lookup.credential_name(name):
                    self.add(Facts("carry", operations=destructive, named=f"${name}"),
                             **_op_fields(destructive), credential=f"${name} (a variable "
                             "named for a credential, not set where the guard can see it)")
                continue
            text = f"{name}={value}".encode()
            for s in self.sightings(text, path=source, where=f"${name} from {source}"):
                self.add(Facts("carry", s, destructive, self.config.concern, literal=False),
                         **_op_fields(destructive))
        for use in line.files:
            data = None if use.printed else lookup.read_capped(use.path,
                                                                self.config.max_file_size)
            if data:
                where = lookup.display(use.path, self.cwd)
                for s in self.sightings(data, path=where, where=where):
                    self.add(Facts("carry", s, destructive, self.config.concern, literal=False),
                             **_op_fields(destructive))
        for wrapper in injected:
            self.add(Facts("carry", operations=destructive, named=wrapper),
                     **_op_fields(destructive),
                     credential=f"the secrets `{wrapper}` puts in its environment")
        self.add(Facts("carry", operations=destructive), **_op_fields(destructive))

    def carry_literals(self, data: bytes, where: str, destructive: tuple[Operation, ...]
                       ) -> None:
        for s in self.sightings(data, path="command", where=where, command=bool(destructive)):
            self.add(Facts("carry", s, destructive, self.config.concern),
                     **_op_fields(destructive), alternative="$" + reasons.variable_name(s))

    def resolve(self, name: str, line: LineFacts, files: list[str]
                ) -> tuple[str | None, str]:
        if name in line.assigned and "__credscope_" not in line.assigned[name]:
            return line.assigned[name], "the command"
        found = lookup.definition(name, files, self.config.max_file_size)
        if found is not None:
            return found[0], lookup.display(found[1], self.cwd)
        if name in os.environ:
            return os.environ[name], "the environment"
        return None, ""

    def printed_environment(self, line: LineFacts) -> None:
        files = lookup.env_file_candidates(self.cwd, line.env_files)
        if line.prints_env:
            pattern = re.compile(line.env_filter, re.IGNORECASE) if line.env_filter else None
            text = "\n".join(f"{k}={v}" for k, v in sorted(os.environ.items())
                             if pattern is None or pattern.search(f"{k}={v}"))
            for s in self.sightings(text.encode(), path="environment", where="the environment"):
                self.add(Facts("print", s, concern=self.config.concern))
        for name in sorted(line.printed_vars):
            value, source = self.resolve(name, line, files)
            if value is None:
                continue
            for s in self.sightings(f"{name}={value}".encode(), path=source,
                                    where=f"${name} from {source}"):
                self.add(Facts("print", s, concern=self.config.concern))

    # -- MCP -------------------------------------------------------------------------------
    def mcp(self, call: McpCall) -> None:
        catalogue = Catalogue(self.index.catalogue)
        operations = catalogue.mcp_tool(call.tool) + catalogue.text("mcp", call.arguments)
        destructive = tuple(sorted(dict.fromkeys(op for op in operations if op.destructive),
                                   key=lambda op: op.provider in _SHAPES))
        self.carry_literals(call.arguments.encode(), f"the {call.server} MCP call", destructive)
        if destructive:
            self.add(Facts("carry", operations=destructive), **_op_fields(destructive))
            self.mcp_server(call, destructive)

    def mcp_server(self, call: McpCall, destructive: tuple[Operation, ...]) -> None:
        """The credentials the server is started with (its configuration's literals and the
        variables it expands). Every server holds some: only one known to be ADMIN or able
        to delete makes a destructive call a deny; the rest leave it an ask."""
        server = lookup.mcp_server_config(call.server, self.cwd, 8 * self.config.max_file_size)
        if server is None:
            return
        text, source = server
        where = f"the {call.server} MCP server's configuration ({source})"
        found = self.sightings(text.encode(), path=source, where=where)
        for name in sorted(set(re.findall(r"\$\{?([A-Za-z_][A-Za-z0-9_]*)", text))):
            value = os.environ.get(name)
            if value is not None and lookup.credential_name(name):
                found += self.sightings(f"{name}={value}".encode(), path="environment",
                                        where=f"${name} ({where})")
        for s in found:
            facts = Facts("carry", s, destructive, self.config.concern, literal=False)
            if facts.proven_powerful:
                self.add(facts, **_op_fields(destructive))


def _op_fields(operations: tuple[Operation, ...]) -> dict[str, str]:
    if not operations:
        return {}
    op = operations[0]
    return {"operation": f"{op.title} [{op.provider}]", "effect": op.effect}


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
