"""Commands that run another command: which one, and what they hand it.

`sudo rm x` runs `rm x`; `bash -c 'a; b'` runs a script; `railway run psql ...` runs psql
with the project's secrets in its environment; `ssh host 'cmd'` runs cmd elsewhere. Each
wrapper is data: its name, the options that take a value (so the wrapped command is found
after them), and what kind of wrapper it is.
"""

from __future__ import annotations

import re
from typing import NamedTuple

from scanner.guard.shell import SimpleCommand

_ASSIGNMENT = re.compile(r"^([A-Za-z_][A-Za-z0-9_]*)=(.*)$", re.DOTALL)


class Inner(NamedTuple):
    argv: tuple[str, ...] = ()
    script: str | None = None  # shell text to parse again
    assignments: tuple[tuple[str, str], ...] = ()
    remote: bool = False
    injected: str = ""  # the wrapper that puts secrets into the inner command's environment


class Wrapper(NamedTuple):
    takes_value: frozenset[str] = frozenset()  # options followed by a separate value
    positional: int = 0  # leading operands that are not the command (timeout's duration)
    kind: str = "plain"  # plain | env | shell | remote | injects | runner
    subcommand: str = ""  # only as `name SUBCOMMAND ...` (`railway run`, `uv run`)


def _w(values: str = "", *, positional: int = 0, kind: str = "plain", subcommand: str = ""
       ) -> Wrapper:
    return Wrapper(frozenset(values.split()), positional, kind, subcommand)


WRAPPERS: dict[str, Wrapper] = {
    "sudo": _w("-u -g -p -C -D -r -t -U -T -h"),
    "doas": _w("-u -C"),
    "env": _w("-u -C -S --unset --chdir", kind="env"),
    "nohup": _w(), "time": _w(), "exec": _w("-a"), "command": _w(), "builtin": _w(),
    "nice": _w("-n"), "ionice": _w("-c -n -p"), "stdbuf": _w("-i -o -e"),
    "unbuffer": _w(), "chronic": _w(), "caffeinate": _w("-t -w"),
    "timeout": _w("-s -k --signal --kill-after", positional=1),
    "xargs": _w("-I -i -n -P -L -l -d -E -e -s -a --max-args --max-procs --delimiter"),
    "watch": _w("-n -d --interval", kind="shell"),
    "npx": _w("-p --package -c --call", kind="runner"),
    "bunx": _w("-p --package", kind="runner"),
    "uvx": _w("--from --with -p --python", kind="runner"),
    "pnpm": _w("--filter -C --dir", kind="runner", subcommand="dlx|exec"),
    "yarn": _w(kind="runner", subcommand="dlx|exec"),
    "npm": _w("-w --workspace", kind="runner", subcommand="exec"),
    "pipx": _w("--spec --python", kind="runner", subcommand="run"),
    "uv": _w("--with --python -p --env-file --project --directory", subcommand="run"),
    "poetry": _w(subcommand="run"), "pdm": _w(subcommand="run"), "pipenv": _w(subcommand="run"),
    "hatch": _w(subcommand="run"), "bundle": _w(subcommand="exec"),
    "railway": _w("-s --service -e --environment", kind="injects", subcommand="run"),
    "doppler": _w("-p --project -c --config --token --command", kind="injects",
                  subcommand="run"),
    "op": _w("--env-file --account", kind="injects", subcommand="run"),
    "infisical": _w("--env --projectId --token --path", kind="injects", subcommand="run"),
    "dotenv": _w("-e -v -c", kind="injects"),
    "env-cmd": _w("-f -e --file --environments", kind="injects"),
    "aws-vault": _w("-d --duration -r --region", kind="injects", subcommand="exec",
                    positional=1),
    "chamber": _w(kind="injects", subcommand="exec", positional=1),
    "teller": _w(kind="injects", subcommand="run"),
    "heroku": _w("-a --app -r --remote -s --size", kind="remote", subcommand="run"),
    "ssh": _w("-p -i -l -o -F -J -L -R -D -b -c -E -e -m -O -Q -S -W -w -B", kind="remote",
              positional=1),
    "docker": _w("-e -u -w --env --user --workdir --env-file", kind="remote",
                 subcommand="exec", positional=1),
    "kubectl": _w("-n --namespace -c --container --context", kind="remote",
                  subcommand="exec", positional=1),
}
SHELLS = frozenset({"bash", "sh", "zsh", "dash", "ksh", "fish", "ash", "busybox"})


def inner_command(cmd: SimpleCommand) -> Inner | None:
    """What `cmd` runs in turn, or None when it runs nothing else."""
    program, args = cmd.program, list(cmd.args)
    if program in SHELLS:
        return _shell(args)
    if program == "eval":
        return Inner(script=" ".join(args))
    if program == "su" and "-c" in args[:-1]:
        return Inner(script=args[args.index("-c") + 1])
    wrapper = WRAPPERS.get(program)
    if wrapper is None:
        return None
    if wrapper.subcommand:
        if not args or args[0] not in wrapper.subcommand.split("|"):
            return None
        args = args[1:]
    rest, assignments = _after_options(args, wrapper)
    if not rest:
        return None
    remote = wrapper.kind == "remote"
    injected = f"{program} {cmd.args[0]}" if wrapper.kind == "injects" and wrapper.subcommand \
        else (program if wrapper.kind == "injects" else "")
    if wrapper.kind == "shell" or (remote and program in ("ssh",)):
        return Inner(script=" ".join(rest), remote=remote)
    if wrapper.kind == "runner":
        rest = [re.sub(r"(?<=.)@[^/@]*$", "", rest[0]), *rest[1:]]  # wrangler@3 -> wrangler
    return Inner(argv=tuple(rest), assignments=assignments, remote=remote, injected=injected)


def _shell(args: list[str]) -> Inner | None:
    for i, arg in enumerate(args):
        if arg.startswith("-") and not arg.startswith("--") and "c" in arg[1:]:
            return Inner(script=args[i + 1]) if i + 1 < len(args) else None
        if not arg.startswith("-"):
            return None  # `bash script.sh`: a file the guard does not open
    return None


def _after_options(args: list[str], wrapper: Wrapper
                   ) -> tuple[list[str], tuple[tuple[str, str], ...]]:
    """The wrapped command line: skip options (and their values), `--`, leading NAME=VALUE
    words of `env`, and the wrapper's own operands (timeout's duration, ssh's host)."""
    assignments: list[tuple[str, str]] = []
    i, skip = 0, wrapper.positional
    while i < len(args):
        arg = args[i]
        if arg == "--":
            i += 1
            break
        if arg.startswith("-") and len(arg) > 1:
            i += 2 if arg in wrapper.takes_value else 1
            continue
        if wrapper.kind == "env" and (m := _ASSIGNMENT.match(arg)):
            assignments.append((m.group(1), m.group(2)))
            i += 1
            continue
        if skip:
            skip -= 1
            i += 1
            continue
        break
    return args[i:], tuple(assignments)
