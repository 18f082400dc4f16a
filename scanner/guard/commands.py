"""What a parsed command line shows the agent: the files it prints, the environment variables
it prints, the searches whose matching lines it prints, and what it hands other commands.

Only output that reaches the agent counts as shown: `cat .env > copy`, `cat .env | wc -l` and
`grep -q KEY .env` show nothing; `$(cat token)` feeds another command (recorded as captured,
which matters when that command is destructive). Paths resolve against the working
directory the line has at that point (`cd sub && cat .env` reads sub/.env).
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import NamedTuple

from scanner.guard.readers import NO_CONTENT, READERS, Reader, has_file_option, split_operands
from scanner.guard.shell import Parsed, SimpleCommand, substitution_index

_SUMMARIZERS = frozenset({"wc", "md5sum", "sha1sum", "sha224sum", "sha256sum", "sha384sum",
                          "sha512sum", "shasum", "cksum", "b2sum", "true", "false"})
_ENV_PRINTERS = {"env": 0, "printenv": 0, "set": 0, "export": 0, "declare": 0, "typeset": 0}
_ECHOES = frozenset({"echo", "printf", "print"})
_VAR_IN_WORD = re.compile(r"\$\{?([A-Za-z_][A-Za-z0-9_]*)")
_SCRIPT_ENV = re.compile(r"os\.environ\s*\[\s*['\"](\w+)|os\.(?:environ\.get|getenv)\(\s*"
                         r"['\"](\w+)|process\.env\.(\w+)|process\.env\[\s*['\"](\w+)|"
                         r"ENV\[\s*['\"](\w+)|\$ENV\{(\w+)|getenv\(\s*['\"](\w+)")
_SCRIPT_ALL_ENV = re.compile(r"os\.environ(?!\s*[\[.])|process\.env(?!\s*[\[.])|ENV\.to_h")
_INTERPRETERS = frozenset({"python", "python3", "node", "ruby", "perl", "php", "deno", "bun"})
_QUIET_TARGETS = ("/dev/stdout", "/dev/stderr", "/dev/tty", "1", "2")


class FileUse(NamedTuple):
    """A file (or directory, when searched) whose content a command reads."""

    path: str  # absolute
    printed: bool  # shown to the agent; False: fed into another command
    pattern: str | None = None  # search: only lines matching it are shown
    invert: bool = False
    ignore_case: bool = False
    fixed: bool = False
    recursive: bool = False
    respects_ignores: bool = False  # rg/ag skip hidden and gitignored files


class LineFacts:
    """What a command line shows and uses, filled in by `interpret`."""

    def __init__(self, used_vars: set[str]) -> None:
        self.files: list[FileUse] = []
        self.prints_env = False
        self.env_filter: str | None = None  # `env | grep X`: only matching lines are shown
        self.printed_vars: set[str] = set()
        self.used_vars = used_vars  # every $NAME the line expands
        self.assigned: dict[str, str] = {}  # VAR=value set on the line
        self.env_files: list[str] = []  # files sourced or passed as env files


def interpret(parsed: Parsed, cwd: str) -> LineFacts:
    facts = LineFacts(set(parsed.variables))
    home = str(Path.home())
    commands = parsed.commands
    for i, cmd in enumerate(commands):
        for name, value in cmd.assignments:
            facts.assigned[name] = value
        if cmd.remote:
            continue
        if cmd.program in ("cd", "pushd") and not cmd.captured:
            target = cmd.args[0] if cmd.args else home
            cwd = _resolve(target, cwd) or cwd
            continue
        shown = not cmd.captured and _pipeline_shows(commands, i)
        _assignments_from_export(cmd, facts)
        _env_files(cmd, cwd, facts)
        _reads(cmd, cwd, shown, facts)
        if shown:
            _printed_values(cmd, commands, i, facts)
    return facts


def _pipeline_shows(commands: list[SimpleCommand], i: int) -> bool:
    """Whether command i's output reaches the agent: not redirected to a file, and not fed
    into a summarizer at the end of its pipeline."""
    j = i
    while True:
        cmd = commands[j]
        for r in cmd.redirects:
            if r.op in (">", ">>", ">|", "&>", "&>>") and r.target not in _QUIET_TARGETS:
                return False
        if j > i and (cmd.program in _SUMMARIZERS or
                      (cmd.program in READERS and READERS[cmd.program].search and
                       NO_CONTENT & set(cmd.args))):
            return False
        if not cmd.piped or j + 1 >= len(commands):
            return True
        j += 1


def _resolve(word: str, cwd: str) -> str | None:
    """An absolute path for a word, or None when it is not a plain path (a variable, a
    substitution, a flag)."""
    if substitution_index(word) is not None or not word or word.startswith("-"):
        return None
    for prefix in ("$HOME", "${HOME}"):
        if word == prefix or word.startswith(prefix + "/"):
            word = "~" + word[len(prefix):]
    if "$" in word:
        return None
    return os.path.normpath(Path(cwd) / Path(word).expanduser())


def _reads(cmd: SimpleCommand, cwd: str, shown: bool, facts: LineFacts) -> None:
    program = cmd.program
    if program == "git" and cmd.args[:1] == ("grep",):  # tracked files, recursively
        program, cmd = "rg", cmd._replace(argv=("rg", *cmd.args[1:]))
    reader = READERS.get(program)
    inputs = [r.target for r in cmd.redirects if r.op == "<"]
    if reader is None:
        if program in _INTERPRETERS:
            _script_reads(cmd, cwd, shown, facts)
        return
    if program == "sed" and any(a.startswith(("-i", "--in-place")) for a in cmd.args):
        shown = False  # edits in place; prints nothing
    patterns, operands = split_operands(cmd, reader)
    if reader.script_first and not patterns and operands and not has_file_option(cmd):
        operands = operands[1:]
    if reader.search:
        _search(cmd, reader, patterns, operands + inputs, cwd, shown, facts)
        return
    for word in operands + inputs:
        path = _resolve(word, cwd)
        if path is not None:
            facts.files.append(FileUse(path, printed=shown))


def _search(cmd: SimpleCommand, reader: Reader, patterns: list[str], operands: list[str],
            cwd: str, shown: bool, facts: LineFacts) -> None:
    args = set(cmd.args)
    flags = "".join(a[1:] for a in cmd.args if a.startswith("-") and not a.startswith("--"))
    if not patterns and not has_file_option(cmd):
        if not operands:
            return
        patterns, operands = [operands[0]], operands[1:]
    if args & NO_CONTENT or any(c in flags for c in "lLcq"):
        shown = False
    recursive = reader.recursive or bool(args & {"--recursive", "--dereference-recursive"}) \
        or "r" in flags or "R" in flags
    if not operands and not recursive:
        return  # reads its standard input
    pattern = "|".join(f"(?:{p})" for p in patterns) if len(patterns) > 1 else \
        (patterns[0] if patterns else None)
    for word in operands or ["."]:
        path = _resolve(word, cwd)
        if path is not None:
            facts.files.append(FileUse(
                path, printed=shown, pattern=pattern, invert="v" in flags or "--invert-match"
                in args, ignore_case="i" in flags or "--ignore-case" in args,
                fixed="F" in flags or "--fixed-strings" in args or cmd.program == "fgrep",
                recursive=recursive, respects_ignores=reader.recursive and not (
                    args & {"--hidden", "--no-ignore", "-uu", "-uuu", "-u"})))


def _script_reads(cmd: SimpleCommand, cwd: str, shown: bool, facts: LineFacts) -> None:
    """`python -c 'print(open(".env").read())'` and friends: the files a one-line script
    opens, and the variables it reads."""
    script = " ".join(a for a in cmd.args if not a.startswith("-"))
    for m in re.finditer(r"open\(\s*['\"]([^'\"]+)['\"]|readFileSync\(\s*['\"]([^'\"]+)",
                         script):
        path = _resolve(m.group(1) or m.group(2), cwd)
        if path is not None:
            facts.files.append(FileUse(path, printed=shown))


def _printed_values(cmd: SimpleCommand, commands: list[SimpleCommand], i: int,
                    facts: LineFacts) -> None:
    program, args = cmd.program, cmd.args
    if program in _ENV_PRINTERS and not [a for a in args if not a.startswith("-")]:
        if program in ("env", "printenv") or not args or set(args) & {"-p", "-x"}:
            facts.prints_env = True
            facts.env_filter = _next_grep_pattern(commands, i)
        return
    if program == "printenv":
        facts.printed_vars.update(a for a in args if not a.startswith("-"))
        return
    words: list[str] = []
    if program in _ECHOES:
        words.extend(args)
    if program in READERS and not READERS[program].search:
        words.extend(r.target for r in cmd.redirects if r.op in ("<<<", "<<"))
    for word in words:
        facts.printed_vars.update(_VAR_IN_WORD.findall(word))
    if program in _INTERPRETERS and re.search(r"print|console\.log|puts|echo|pp\b|dump",
                                              " ".join(args)):
        script = " ".join(args)
        for m in _SCRIPT_ENV.finditer(script):
            facts.printed_vars.add(next(g for g in m.groups() if g))
        if _SCRIPT_ALL_ENV.search(script):
            facts.prints_env = True


def _next_grep_pattern(commands: list[SimpleCommand], i: int) -> str | None:
    cmd = commands[i]
    if not cmd.piped or i + 1 >= len(commands):
        return None
    nxt = commands[i + 1]
    if nxt.program not in ("grep", "egrep", "rg") or "-v" in nxt.args:
        return None
    patterns, operands = split_operands(nxt, READERS[nxt.program])
    chosen = patterns or operands[:1]
    return chosen[0] if chosen else None


def _assignments_from_export(cmd: SimpleCommand, facts: LineFacts) -> None:
    if cmd.program in ("export", "declare", "typeset", "local", "readonly"):
        for arg in cmd.args:
            name, sep, value = arg.partition("=")
            if sep and re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name):
                facts.assigned[name] = value


def _env_files(cmd: SimpleCommand, cwd: str, facts: LineFacts) -> None:
    """Files that put variables into the environment of this line: `source .env`,
    `--env-file .env.prod`, `dotenv -e .env.local`, `env-cmd -f .env`."""
    if cmd.program in ("source", ".") and cmd.args:
        words = [cmd.args[0]]
    else:
        words = [b for a, b in zip(cmd.argv, cmd.argv[1:], strict=False)
                 if a in ("--env-file", "-e", "-f", "--file")
                 and cmd.program in ("docker", "dotenv", "env-cmd", "uv", "node", "bun", "op")]
        words += [a.split("=", 1)[1] for a in cmd.args if a.startswith("--env-file=")]
    for word in words:
        path = _resolve(word, cwd)
        if path is not None:
            facts.env_files.append(path)
