"""Clients that send something to a service: HTTP clients (curl, wget, httpie, `gh api`),
database shells (psql, mysql, sqlite3...), mongosh and redis-cli. For each, what it sends:
the request (method, URLs, body) or the statements, including here-documents, here-strings
and the files it reads them from (`psql -f drop.sql`, `curl -d @body.json`).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import NamedTuple

from scanner.guard.shell import SimpleCommand

FAMILIES: dict[str, frozenset[str]] = {
    "http": frozenset({"curl", "wget", "http", "https", "xh", "xhs", "curlie", "httpie"}),
    "sql": frozenset({"psql", "pgcli", "mysql", "mariadb", "mycli", "sqlite3", "litecli",
                      "duckdb", "sqlcmd", "mssql-cli", "usql", "cockroach", "clickhouse-client",
                      "clickhouse", "snowsql", "turso", "trino", "presto"}),
    "mongo": frozenset({"mongosh", "mongo"}),
    "redis": frozenset({"redis-cli", "valkey-cli", "keydb-cli"}),
}
# Subcommands of other tools that run SQL: `wrangler d1 execute --command`, `heroku pg:psql`.
_SQL_SUBCOMMANDS = {("wrangler", "d1"), ("heroku", "pg:psql"), ("supabase", "db"),
                    ("railway", "connect"), ("fly", "postgres"), ("flyctl", "postgres")}
_DATA = frozenset({"-d", "--data", "--data-raw", "--data-binary", "--data-urlencode", "--json",
                   "--data-ascii", "-F", "--form", "--body-data", "--post-data", "--input",
                   "-f", "--raw-field", "--field"})
_FILE_OPTIONS = frozenset({"-f", "--file", "--input"})  # statements read from a file
_METHODS = frozenset({"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"})
_LOCAL = re.compile(r"^(?:localhost|127(?:\.\d+){3}|0\.0\.0\.0|::1|host\.docker\.internal|"
                    r"[\w.-]+\.localhost)$", re.IGNORECASE)
ReadFile = Callable[[str], str]  # path as written -> its text ("" when unreadable)


class Request(NamedTuple):
    method: str
    urls: tuple[str, ...]
    body: str


def family(cmd: SimpleCommand) -> str | None:
    program = cmd.program
    if program == "gh" and cmd.args[:1] == ("api",):
        return "http"
    if (program, cmd.args[0] if cmd.args else "") in _SQL_SUBCOMMANDS:
        return "sql"
    return next((name for name, programs in FAMILIES.items() if program in programs), None)


def payload(cmd: SimpleCommand, read_file: ReadFile) -> str:
    """Everything the client sends, as text: its arguments, its here-documents and
    here-strings, and the files it sends (`-f`, `--input`, `-d @file`, `< file`)."""
    parts = list(cmd.args)
    parts += [r.target for r in cmd.redirects if r.op in ("<<", "<<<")]
    parts += [read_file(r.target) for r in cmd.redirects if r.op == "<"]
    for option, value in zip(cmd.args, cmd.args[1:], strict=False):
        if option in _FILE_OPTIONS and family(cmd) != "http":
            parts.append(read_file(value))
        elif option in _DATA and value.startswith("@"):
            parts.append(read_file(value[1:]))
    return "\n".join(parts)


def request(cmd: SimpleCommand) -> Request | None:
    if family(cmd) != "http":
        return None
    if cmd.program == "gh":
        return _gh_api(cmd)
    if cmd.program in ("http", "https", "xh", "xhs", "httpie"):
        return _httpie(cmd)
    method, urls, body = "", [], []
    args = list(cmd.args)
    for i, arg in enumerate(args):
        value = args[i + 1] if i + 1 < len(args) else ""
        if arg in ("-X", "--request", "--method"):
            method = value.upper()
        elif arg.startswith("-X") and len(arg) > 2:
            method = arg[2:].upper()
        elif arg.startswith(("--request=", "--method=")):
            method = arg.split("=", 1)[1].upper()
        elif arg in _DATA:
            body.append(value)
        elif arg.startswith(("--data=", "--body-data=", "--post-data=", "--json=")):
            body.append(arg.split("=", 1)[1])
        elif arg == "--url":
            urls.append(value)
        elif re.match(r"^[a-z][a-z0-9+.-]*://", arg, re.IGNORECASE):
            urls.append(arg)
    if not method:
        method = "POST" if body else ("HEAD" if "-I" in args or "--head" in args else "GET")
    return Request(method, tuple(urls), "\n".join(body))


def _httpie(cmd: SimpleCommand) -> Request:
    words = [a for a in cmd.args if not a.startswith("-")]
    method = ""
    if words and words[0].upper() in _METHODS:
        method, words = words[0].upper(), words[1:]
    url = words[0] if words else ""
    if url.startswith(":"):
        url = "http://localhost" + url
    elif url and "://" not in url:
        url = "https://" + url
    items = words[1:]
    if not method:
        method = "POST" if any("=" in i for i in items) else "GET"
    return Request(method, (url,) if url else (), "\n".join(items))


def _gh_api(cmd: SimpleCommand) -> Request:
    args = list(cmd.args[1:])
    method, endpoint, fields = "", "", []
    i = 0
    while i < len(args):
        arg = args[i]
        if arg in ("-X", "--method") and i + 1 < len(args):
            method, i = args[i + 1].upper(), i + 2
            continue
        if arg in ("-f", "-F", "--field", "--raw-field", "-H", "--header", "--input") \
                and i + 1 < len(args):
            fields.append(args[i + 1])
            i += 2
            continue
        if not arg.startswith("-") and not endpoint:
            endpoint = arg
        i += 1
    host = "https://api.github.com/"
    url = endpoint if "://" in endpoint else host + endpoint.lstrip("/")
    return Request(method or ("POST" if fields else "GET"), (url,), "\n".join(fields))


_HOST = re.compile(r"^(?:[a-z][a-z0-9+.-]*://)?(?:[^@/?#]*@)?(\[[^\]]*\]|[^:/?#]*)",
                   re.IGNORECASE)


def is_local(url: str) -> bool:
    m = _HOST.match(url)
    host = m.group(1).strip("[]") if m else ""
    return bool(_LOCAL.match(host))
