"""Commands that print files: which operand is a file, which option takes a value, which
flags mean nothing is printed. Data the command interpreter (commands.py) reads.
"""

from __future__ import annotations

from typing import NamedTuple

from scanner.guard.shell import SimpleCommand


class Reader(NamedTuple):
    values: frozenset[str] = frozenset()  # options followed by a separate value
    script_first: bool = False  # the first operand is a program or pattern, not a file
    search: bool = False  # grep family: prints the lines matching a pattern
    recursive: bool = False  # searches directories by default (rg, ag, ack)


def _r(values: str = "", *, script_first: bool = False, search: bool = False,
       recursive: bool = False) -> Reader:
    return Reader(frozenset(values.split()), script_first, search, recursive)


_GREP = "-e -f -m -A -B -C -d -D -g -t -T -M -j -E --include --exclude --exclude-dir " \
        "--max-count --context --after-context --before-context --glob --iglob --type " \
        "--type-not --max-columns --threads --ignore-file --sort --pre --encoding " \
        "--replace --max-depth --label --regexp --file"
# Options that take a separate value, per program (so `head -n 5 .env` reads .env, and
# `cat -n .env` does too).
_VALUES = {
    "head tail": "-n -c --lines --bytes", "cut": "-d -f -c -b --delimiter --fields",
    "sort": "-k -t -o -S -T --key --field-separator --output", "uniq": "-f -s -w",
    "fold fmt base64 base32": "-w", "column": "-s -c -o -N -R -H -W", "pr": "-w -l -h -o",
    "iconv": "-f -t -o", "nl": "-b -n -w -s -v -i -d", "od": "-A -t -j -N -w",
    "xxd": "-l -s -c -g -o", "hexdump": "-n -s -e -f", "strings": "-n -t -e",
    "diff": "-U -C -D -I -L -x -X --label", "bat batcat": "-l --language -r --line-range "
    "--style --theme -H -m", "paste": "-d", "join": "-1 -2 -t -o -e -j", "tac": "-s",
    "expand unexpand": "-t", "cat more less most view rev comm ccat highlight pygmentize "
    "type Get-Content gc": "-Path -Encoding -TotalCount -Tail",
}
READERS: dict[str, Reader] = {
    **{name: _r(values) for names, values in _VALUES.items() for name in names.split()},
    "sed": _r("-e -f -l --expression --file", script_first=True),
    **dict.fromkeys(["awk", "gawk", "mawk", "nawk"], _r("-F -v -f", script_first=True)),
    **dict.fromkeys(["jq", "gojq", "yq"], _r("-f --from-file --indent -o -p -I",
                                                script_first=True)),
    **dict.fromkeys(["grep", "egrep", "fgrep", "zgrep"], _r(_GREP, search=True)),
    **dict.fromkeys(["rg", "ag", "ack"], _r(_GREP, search=True, recursive=True)),
}
TWO_VALUES = frozenset({"--arg", "--argjson", "--slurpfile", "--rawfile"})  # jq
NO_CONTENT = frozenset({"-l", "-L", "-c", "-q", "--quiet", "--silent", "--files-with-matches",
                         "--files-without-match", "--count", "--files", "--files-with-match"})


def split_operands(cmd: SimpleCommand, reader: Reader) -> tuple[list[str], list[str]]:
    """(patterns given with -e, remaining operands) after skipping options and values."""
    patterns: list[str] = []
    operands: list[str] = []
    args = list(cmd.args)
    i = 0
    while i < len(args):
        arg = args[i]
        if arg == "--":
            operands.extend(args[i + 1:])
            break
        if arg in TWO_VALUES:
            i += 3
            continue
        if arg in reader.values:
            if arg in ("-e", "--regexp") and i + 1 < len(args):
                patterns.append(args[i + 1])
            i += 2
            continue
        if not arg.startswith("-") or arg == "-":
            operands.append(arg)
        i += 1
    return patterns, operands


def has_file_option(cmd: SimpleCommand) -> bool:
    return any(a in ("-f", "--file", "--from-file") for a in cmd.args)
