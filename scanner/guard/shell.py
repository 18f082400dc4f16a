"""Shell command lines -> the simple commands they run, as a shell would split them.

Handles what agents write: pipes, `&&`, `||`, `;`, newlines, subshells and braces, leading
`VAR=value` assignments, redirections, here-strings and here-documents, `$( )` and backtick
substitutions (parsed as commands of their own whose output is captured), `bash -c '...'`,
`eval`, and wrappers that run another command (`sudo`, `env`, `xargs`, `timeout`, `npx`,
`railway run`...). It never executes anything and never raises: a line it cannot tokenize
is split on whitespace, so a decision is still made on its words.
"""

from __future__ import annotations

import re
import shlex
from typing import NamedTuple

from scanner.guard.shelltext import cut_heredocs, scan_quotes

MAX_DEPTH = 8  # nested bash -c / substitutions followed; deeper text is still scanned whole

_SEPARATORS = frozenset({";", "&&", "||", "&", ";;", "(", ")", "{", "}"})
_PIPES = frozenset({"|", "|&"})
_REDIRECTS = frozenset({"<", ">", ">>", "<<", "<<<", "&>", "&>>", ">&", "<&", ">|", "<>"})
_KEYWORDS = frozenset({"if", "then", "else", "elif", "fi", "do", "done", "while", "until",
                       "!", "time", "esac", "in"})
_ASSIGNMENT = re.compile(r"^([A-Za-z_][A-Za-z0-9_]*)\+?=(.*)$", re.DOTALL)
_SUBST_WORD = re.compile(r"__credscope_sub_(\d+)__")


class Redirect(NamedTuple):
    op: str  # "<", ">", ">>", "<<" (here-document), "<<<" (here-string), "&>", ">&"...
    target: str  # a file name, or the text of a here-string or here-document


class SimpleCommand(NamedTuple):
    """One command the line runs. `argv` has wrappers and assignments removed."""

    argv: tuple[str, ...]
    assignments: tuple[tuple[str, str], ...] = ()
    redirects: tuple[Redirect, ...] = ()
    captured: bool = False  # its output feeds another command ($( ), backticks, <( ))
    piped: bool = False  # its stdout goes into a pipe
    remote: bool = False  # runs on another machine or container (ssh, docker exec)
    injected: str = ""  # a wrapper that hands it secrets (railway run, doppler run...)
    text: str = ""  # the command's own words, for scanning

    @property
    def program(self) -> str:
        return self.argv[0].rsplit("/", 1)[-1] if self.argv else ""

    @property
    def args(self) -> tuple[str, ...]:
        return self.argv[1:]


class Parsed:
    """Everything a command line does, flattened."""

    def __init__(self) -> None:
        self.commands: list[SimpleCommand] = []
        self.variables: set[str] = set()  # $NAME expanded somewhere


def parse(line: str) -> Parsed:
    out = Parsed()
    _parse_into(out, line, captured=False, depth=0)
    return out


def _parse_into(out: Parsed, line: str, *, captured: bool, depth: int,
                remote: bool = False, injected: str = "") -> None:
    if depth > MAX_DEPTH or not line.strip():
        return
    text, heredocs = cut_heredocs(line)
    text, substitutions, variables = scan_quotes(text)
    out.variables |= variables
    for body in substitutions:
        _parse_into(out, body, captured=True, depth=depth + 1, remote=remote)
    for cmd in _split(_tokens(text), heredocs):
        cmd = cmd._replace(captured=captured or cmd.captured, remote=remote or cmd.remote,
                           injected=injected or cmd.injected)
        _unwrap_into(out, cmd, depth)


def _unwrap_into(out: Parsed, cmd: SimpleCommand, depth: int) -> None:
    """Record the command, then whatever command it runs in turn (bash -c, wrappers)."""
    from scanner.guard.wrappers import inner_command  # noqa: PLC0415 - keeps this file small

    inner = inner_command(cmd)
    if inner is None:
        out.commands.append(cmd)
        return
    if inner.script is not None:
        out.commands.append(cmd)
        _parse_into(out, inner.script, captured=cmd.captured, depth=depth + 1,
                    remote=cmd.remote or inner.remote, injected=cmd.injected or inner.injected)
        return
    if inner.argv:
        nested = cmd._replace(argv=inner.argv,
                              assignments=cmd.assignments + inner.assignments,
                              remote=cmd.remote or inner.remote,
                              injected=cmd.injected or inner.injected)
        _unwrap_into(out, nested, depth + 1)


def _tokens(text: str) -> list[str]:
    lexer = shlex.shlex(text, posix=True, punctuation_chars=";&|()<>")
    lexer.whitespace_split = True
    lexer.commenters = ""
    try:
        raw = list(lexer)
    except ValueError:  # unbalanced quotes: the words are still worth judging
        raw = text.replace(";", " ; ").split()
    out: list[str] = []
    for tok in raw:
        out.extend(_operators(tok) if tok and set(tok) <= _PUNCTUATION else [tok])
    return out


_PUNCTUATION = frozenset(";&|()<>")
_OPERATORS = sorted(_SEPARATORS | _PIPES | _REDIRECTS, key=len, reverse=True)


def _operators(run: str) -> list[str]:
    """shlex returns a run of punctuation as one token (`);`, `2>&1`'s `>&`): split it into
    the operators a shell reads, longest first."""
    ops: list[str] = []
    while run:
        op = next((o for o in _OPERATORS if run.startswith(o)), run[0])
        ops.append(op)
        run = run[len(op):]
    return ops


def _split(tokens: list[str], heredocs: dict[str, str]) -> list[SimpleCommand]:
    commands: list[SimpleCommand] = []
    words: list[str] = []
    redirects: list[Redirect] = []
    i = 0

    def flush(piped: bool) -> None:
        cmd = _command(words, redirects, piped)
        if cmd.argv or cmd.redirects:
            commands.append(cmd)
        words.clear()
        redirects.clear()

    while i < len(tokens):
        tok = tokens[i]
        if tok in _SEPARATORS or tok in _PIPES:
            flush(piped=tok in _PIPES)
        elif tok in _REDIRECTS:
            target = tokens[i + 1] if i + 1 < len(tokens) else ""
            if words and words[-1].isdigit():  # `2>`: the number is a file descriptor
                words.pop()
            redirects.append(Redirect(tok, heredocs.get(target, target) if tok == "<<"
                                      else target))
            i += 1
        else:
            words.append(tok)
        i += 1
    flush(piped=False)
    return commands


def _command(words: list[str], redirects: list[Redirect], piped: bool) -> SimpleCommand:
    assignments: list[tuple[str, str]] = []
    rest = list(words)
    while rest and rest[0] in _KEYWORDS:
        rest.pop(0)
    while rest and (m := _ASSIGNMENT.match(rest[0])):
        assignments.append((m.group(1), m.group(2)))
        rest.pop(0)
    if rest and rest[0] in ("for", "case", "function", "select"):
        rest = []  # the loop header itself runs nothing
    return SimpleCommand(tuple(rest), tuple(assignments), tuple(redirects), piped=piped,
                         text=" ".join(words))


def substitution_index(word: str) -> int | None:
    """The index of the substitution a placeholder word stands for, if it is one."""
    m = _SUBST_WORD.search(word)
    return int(m.group(1)) if m else None
