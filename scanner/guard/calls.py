"""Shell commands and MCP calls: the operations of the catalogue they perform, and the
credentials they carry (written out, through variables and files, injected by wrappers, or
held by an MCP server's configuration), the files and variables they would show.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import TYPE_CHECKING

from scanner.guard import clients, lookup, reasons
from scanner.guard.actions import McpCall
from scanner.guard.catalogue import Catalogue, Operation
from scanner.guard.commands import LineFacts, interpret
from scanner.guard.policy import Facts
from scanner.guard.shell import SimpleCommand, parse

if TYPE_CHECKING:
    from scanner.guard.core import Judge

_SHAPES = frozenset({"HTTP", "GraphQL", "MCP", "Shell", "SQL"})
_WRITERS = frozenset({"cat", "echo", "printf", "tee"})
_SECRET_OPTIONS = frozenset({"--password", "--pass", "--token", "--api-key", "--apikey",
                             "--auth-token", "--access-token", "--secret", "--client-secret"})
_PROGRAM_SECRET_OPTIONS = {"redis-cli": frozenset({"-a", "--user"}),
                           "valkey-cli": frozenset({"-a"}), "mongosh": frozenset({"-p"}),
                           "curl": frozenset({"-u", "--user", "--oauth2-bearer"})}
_LOCAL_TARGET = re.compile(r"(?:^|[/@=:])(?:localhost|127\.0\.0\.1|0\.0\.0\.0|\[::1\])\b")
_DEV_DEFAULTS = frozenset({"postgres", "password", "changeme", "secret", "example",
                           "mysecretpassword", "admin123", "testing", "development"})
_SECRET_HEADER = re.compile(r"(?i)\s*(?:authorization|[\w-]*(?:token|api-?key|secret|"
                            r"password|auth)[\w-]*)\s*:\s*\S")


def shell(judge: Judge, command: str) -> None:
    """A command line: its catalogued operations, what it carries, what it shows."""
    parsed = parse(command)
    line = interpret(parsed, judge.cwd)
    catalogue = Catalogue(judge.index.catalogue)
    operations = catalogued(judge, parsed.commands, catalogue)
    destructive = tuple(op for op in operations if op.destructive)
    for op in operations:
        if not op.destructive:
            judge.add(Facts("print", operations=(op,)), operation=op.title, effect=op.effect)
    carry(judge, command, line, destructive,
          [c.injected for c in parsed.commands if c.injected], parsed.commands)
    for path, text in written(parsed.commands, judge.cwd):
        judge.write(path, text, "")
    for use in line.files:
        if not use.printed:
            continue
        if use.pattern is not None or Path(use.path).is_dir():
            judge.searched(use)
        else:
            judge.read(use.path)
    printed_environment(judge, line)


def written(commands: list[SimpleCommand], cwd: str) -> list[tuple[str, str]]:
    """Files a command line writes text into, and the text: `cat > f <<EOF`, `echo ... >>
    f`, `tee f <<< ...` (agents write files this way as often as with their Write tool)."""
    out = []
    for cmd in commands:
        if cmd.remote or cmd.program not in _WRITERS:
            continue
        text = "\n".join([r.target for r in cmd.redirects if r.op in ("<<", "<<<")]
                         + (list(cmd.args) if cmd.program in ("echo", "printf") else []))
        targets = [r.target for r in cmd.redirects if r.op in (">", ">>", ">|")]
        if cmd.program == "tee":
            targets += [a for a in cmd.args if not a.startswith("-")]
        for target in targets:
            if text and not target.startswith("/dev/") and "$" not in target:
                out.append((os.path.normpath(Path(cwd) / Path(target).expanduser()), text))
    return out


def secrets_given(line: LineFacts, commands: list[SimpleCommand]) -> list[str]:
    """Credentials a command line hands over by name, whatever their value looks like: a
    variable named for one set on the line (`PGPASSWORD=... psql`), an option that takes one
    (`redis-cli -a ...`, `--token ...`), a header that carries one (`X-Auth-Token: ...`)."""
    if any(_LOCAL_TARGET.search(w) for cmd in commands for w in cmd.args):
        return []  # a local development server: its passwords are not what the guard is for
    found = [f"the {name} set on the command line" for name, value in line.assigned.items()
             if lookup.credential_name(name) and _secret_like(value)]
    for cmd in commands:
        options = _SECRET_OPTIONS | _PROGRAM_SECRET_OPTIONS.get(cmd.program, frozenset())
        for option, value in zip(cmd.args, cmd.args[1:], strict=False):
            if option in options and _secret_like(value):
                found.append(f"the credential given with {option}")
            elif option in ("-H", "--header") and _SECRET_HEADER.match(value):
                found.append(f"the {value.split(':', 1)[0]} header")
    return found


def _secret_like(value: str) -> bool:
    """A literal, not a variable, a flag or a development default (postgres, changeme)."""
    return len(value) >= 6 and not value.startswith(("-", "$", "__credscope_")) and \
        value.lower() not in _DEV_DEFAULTS


def catalogued(judge: Judge, commands: list[SimpleCommand], catalogue: Catalogue
               ) -> list[Operation]:
    found: list[Operation] = []
    for cmd in commands:
        found += catalogue.command(cmd)
        family = clients.family(cmd)
        if family is None:
            continue
        text = clients.payload(cmd, lambda word: _read_text(judge, word))
        found += catalogue.text(family, text)
        req = clients.request(cmd)
        if req is not None:
            found += catalogue.request(req)
    # A provider's own entry names the operation better than a shape (any DELETE, any
    # delete mutation): it goes first, and the reason quotes the first.
    return sorted(dict.fromkeys(found), key=lambda op: op.provider in _SHAPES)


def _read_text(judge: Judge, word: str) -> str:
    """A file a client sends (`-d @body.json`, `psql -f drop.sql`), as text."""
    data = lookup.read_capped(judge.abs_path(word), judge.config.max_file_size)
    return data.decode("utf-8", "replace") if data else ""


def carry(judge: Judge, command: str, line: LineFacts, destructive: tuple[Operation, ...],
          injected: list[str], commands: list[SimpleCommand]) -> None:
    """The credentials a command line carries, literally, through variables, through
    files read into it, or handed to it by a secret-injecting wrapper. Passing a
    credential through a variable is the right way to use it: that matters only to a
    destructive call, so only there are variables and files followed."""
    carry_literals(judge, command.encode(), "the command", destructive)
    if not destructive:
        return
    files = lookup.env_file_candidates(judge.cwd, line.env_files)
    for name in sorted(line.used_vars):
        value, source = resolve(judge, name, line, files)
        if value is None:
            if lookup.credential_name(name):
                judge.add(Facts("carry", operations=destructive, named=f"${name}"),
                          **_op_fields(destructive), credential=f"${name} (a variable "
                          "named for a credential, not set where the guard can see it)")
            continue
        text = f"{name}={value}".encode()
        for s in judge.sightings(text, path=source, where=f"${name} from {source}"):
            judge.add(Facts("carry", s, destructive, judge.config.concern, literal=False),
                      **_op_fields(destructive))
    for use in line.files:
        data = None if use.printed else lookup.read_capped(use.path,
                                                            judge.config.max_file_size)
        if data:
            where = lookup.display(use.path, judge.cwd)
            for s in judge.sightings(data, path=where, where=where):
                judge.add(Facts("carry", s, destructive, judge.config.concern,
                                literal=False), **_op_fields(destructive))
    for named in secrets_given(line, commands):  # after the variables, which name more
        judge.add(Facts("carry", operations=destructive, named=named), **_op_fields(destructive),
                  credential=named)
    for wrapper in injected:
        judge.add(Facts("carry", operations=destructive, named=wrapper),
                  **_op_fields(destructive),
                  credential=f"the secrets `{wrapper}` puts in its environment")
    judge.add(Facts("carry", operations=destructive), **_op_fields(destructive))


def carry_literals(judge: Judge, data: bytes, where: str, destructive: tuple[Operation, ...]
                   ) -> None:
    for s in judge.sightings(data, path="command", where=where, command=bool(destructive)):
        judge.add(Facts("carry", s, destructive, judge.config.concern),
                  **_op_fields(destructive), alternative="$" + reasons.variable_name(s))


def resolve(judge: Judge, name: str, line: LineFacts, files: list[str]
            ) -> tuple[str | None, str]:
    if name in line.assigned and "__credscope_" not in line.assigned[name]:
        return line.assigned[name], "the command"
    found = lookup.definition(name, files, judge.config.max_file_size)
    if found is not None:
        return found[0], lookup.display(found[1], judge.cwd)
    if name in os.environ:
        return os.environ[name], "the environment"
    return None, ""


def printed_environment(judge: Judge, line: LineFacts) -> None:
    files = lookup.env_file_candidates(judge.cwd, line.env_files)
    if line.prints_env:
        pattern = re.compile(line.env_filter, re.IGNORECASE) if line.env_filter else None
        text = "\n".join(f"{k}={v}" for k, v in sorted(os.environ.items())
                         if pattern is None or pattern.search(f"{k}={v}"))
        for s in judge.sightings(text.encode(), path="environment", where="the environment"):
            judge.add(Facts("print", s, concern=judge.config.concern))
    for name in sorted(line.printed_vars):
        value, source = resolve(judge, name, line, files)
        if value is None:
            continue
        for s in judge.sightings(f"{name}={value}".encode(), path=source,
                                 where=f"${name} from {source}"):
            judge.add(Facts("print", s, concern=judge.config.concern))


def mcp(judge: Judge, call: McpCall) -> None:
    """An MCP tool call: destructive by its tool's name or its arguments (SQL, GraphQL);
    its arguments carry what they hold; its server holds what it was started with."""
    catalogue = Catalogue(judge.index.catalogue)
    operations = catalogue.mcp_tool(call.tool) + catalogue.text("mcp", call.arguments)
    destructive = tuple(sorted(dict.fromkeys(op for op in operations if op.destructive),
                               key=lambda op: op.provider in _SHAPES))
    carry_literals(judge, call.arguments.encode(), f"the {call.server} MCP call", destructive)
    if destructive:
        judge.add(Facts("carry", operations=destructive), **_op_fields(destructive))
        mcp_server(judge, call, destructive)


def mcp_server(judge: Judge, call: McpCall, destructive: tuple[Operation, ...]) -> None:
    """The credentials the server is started with (its configuration's literals and the
    variables it expands). Every server holds some: only one known to be ADMIN or able
    to delete makes a destructive call a deny; the rest leave it an ask."""
    server = lookup.mcp_server_config(call.server, judge.cwd, 8 * judge.config.max_file_size)
    if server is None:
        return
    text, source = server
    where = f"the {call.server} MCP server's configuration ({source})"
    found = judge.sightings(text.encode(), path=source, where=where)
    for name in sorted(set(re.findall(r"\$\{?([A-Za-z_][A-Za-z0-9_]*)", text))):
        value = os.environ.get(name)
        if value is not None and lookup.credential_name(name):
            found += judge.sightings(f"{name}={value}".encode(), path="environment",
                                     where=f"${name} ({where})")
    for s in found:
        facts = Facts("carry", s, destructive, judge.config.concern, literal=False)
        if facts.proven_powerful:
            judge.add(facts, **_op_fields(destructive))


def _op_fields(operations: tuple[Operation, ...]) -> dict[str, str]:
    if not operations:
        return {}
    op = operations[0]
    return {"operation": f"{op.title} [{op.provider}]", "effect": op.effect}
