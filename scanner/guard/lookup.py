"""Where things are: reading the files a tool call names (capped), the repository a path is
in and whether git tracks or ignores it, the variable definitions behind `$NAME`, and the
agent-surface class of a file under the home directory.
"""

from __future__ import annotations

import os
import re
import signal
import stat
import time
from functools import lru_cache
from pathlib import Path

ENV_FILES = (".env", ".env.local", ".env.development", ".env.development.local",
             ".env.production", ".env.production.local", ".env.staging", ".envrc")
_DEFINITION = re.compile(r"^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*?)\s*$")
_CREDENTIAL_NAME = re.compile(
    r"(?i)(?:TOKEN|SECRET|PASSW(?:OR)?D|API_?KEY|ACCESS_?KEY|PRIVATE_?KEY|CREDENTIAL|"
    r"AUTH(?!_SOCK)|(?:^|_)PAT$|DATABASE_URL|DB_URL|(?:^|_)DSN$|CONNECTION_STRING|"
    r"SERVICE_ROLE|(?:^|_)KEY$|_PWD$)")


def read_capped(path: str, cap: int) -> bytes | None:
    """The first `cap` bytes of a regular file; None for anything else (directories,
    devices, FIFOs, missing or unreadable files, binary content)."""
    try:
        file = Path(path)
        if not stat.S_ISREG(file.stat().st_mode):
            return None
        with file.open("rb") as f:
            data = f.read(cap)
    except OSError:
        return None
    return None if b"\0" in data[:8192] else data


def repository(path: str) -> Path | None:
    """The working tree holding `path` (nearest parent with .git), without running git."""
    here = Path(path)
    for candidate in (here, *here.parents):
        if (candidate / ".git").exists():
            return candidate
    return None


def git_status(path: str) -> str:
    """"tracked", "ignored", "untracked" or "none" (no repository, or git unusable)."""
    root = repository(str(Path(path).parent))
    if root is None:
        return "none"
    rel = os.path.relpath(path, root)
    tracked = _git(root, "ls-files", "--error-unmatch", "--", rel)
    if tracked is None:
        return "none"
    if tracked == 0:
        return "tracked"
    return "ignored" if _git(root, "check-ignore", "-q", "--", rel) == 0 else "untracked"


def _git(root: Path, *args: str, timeout: float = 3.0) -> int | None:
    """git's exit status, its output discarded; None when git cannot run or takes too long.
    posix_spawn, not subprocess: the subprocess module (with threading and locale) costs a
    hook call 20 ms to import, for one exit status."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    env["GIT_CONFIG_NOSYSTEM"] = "1"
    argv = ["git", "-C", str(root), *args]
    spawn = getattr(os, "posix_spawnp", None)
    if spawn is None:  # pragma: no cover - Windows
        import subprocess  # noqa: PLC0415

        try:
            return subprocess.run(argv, capture_output=True, timeout=timeout, env=env,
                                  check=False).returncode
        except (OSError, subprocess.SubprocessError):
            return None
    quiet = [(os.POSIX_SPAWN_OPEN, fd, os.devnull, os.O_RDWR, 0) for fd in (0, 1, 2)]
    try:
        pid = spawn("git", argv, env, file_actions=quiet)
    except OSError:
        return None
    deadline = time.monotonic() + timeout
    while True:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            return os.waitstatus_to_exitcode(status)
        if time.monotonic() > deadline:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            return None
        time.sleep(0.002)


def credential_name(name: str) -> bool:
    return bool(_CREDENTIAL_NAME.search(name))


def definition(name: str, files: list[str], cap: int) -> tuple[str, str] | None:
    """(value, file) of the first `NAME=value` among `files`."""
    for path in files:
        value = _definitions(path, cap).get(name)
        if value is not None:
            return value, path
    return None


@lru_cache(maxsize=64)
def _definitions(path: str, cap: int) -> dict[str, str]:
    """Every `NAME=value` of an env file, read once per process."""
    data = read_capped(path, cap)
    found: dict[str, str] = {}
    for line in (data or b"").decode("utf-8", "replace").splitlines():
        m = _DEFINITION.match(line)
        if m and m.group(1) not in found:
            found[m.group(1)] = _unquote(m.group(2))
    return found


def _unquote(value: str) -> str:
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
        return value[1:-1]
    return value.split(" #", 1)[0]


def env_file_candidates(cwd: str, explicit: list[str]) -> list[str]:
    """The files sourced on the line first, then the usual env files of the working
    directory and of every parent up to the repository root."""
    found = list(explicit)
    root = repository(cwd)
    here = Path(cwd)
    for directory in (here, *here.parents):
        found += [str(directory / name) for name in ENV_FILES if (directory / name).is_file()]
        if root is None or directory == root:
            break
    return found


def home_location(path: str, surface: list[list[str]]) -> str | None:
    """The agent-surface class of a file under the home directory (`~/.aws/credentials` is
    a CLI credential store, `~/.claude.json` agent config, `~/.bash_history` shell
    history), or None; `surface` is the index's [glob, class] list."""
    home = str(Path.home())
    if not path.startswith(home + os.sep):
        return None
    from scanner.paths import matches_any  # noqa: PLC0415 - only for files under the home

    rel = os.path.relpath(path, home).replace(os.sep, "/")
    return next((cls for glob, cls in surface if matches_any(rel, (glob,))), None)


def display(path: str, cwd: str) -> str:
    """How to name a file in a message: relative to the working directory when inside it,
    else with ~ for the home directory."""
    rel = os.path.relpath(path, cwd)
    if not rel.startswith(".."):
        return rel
    home = str(Path.home())
    return "~" + path[len(home):] if path.startswith(home + os.sep) else path


def scan_path(path: str, cwd: str) -> str:
    """The path a scan would report the file under, which is what the classifier reads the
    location class and environment from: relative to the working directory when inside it,
    else to its own repository, else `~/...` under the home directory, else absolute."""
    rel = os.path.relpath(path, cwd)
    if not rel.startswith(".."):
        return rel
    root = repository(str(Path(path).parent))
    if root is not None:
        return os.path.relpath(path, root)
    return display(path, cwd)


def mcp_server_config(server: str, cwd: str, cap: int) -> tuple[str, str] | None:
    """(JSON text, file) of the named MCP server's configuration, from the project's
    .mcp.json or .cursor/mcp.json, or the user's ~/.claude.json or ~/.cursor/mcp.json: the
    credentials a server is started with are what its tools wield."""
    import json  # noqa: PLC0415

    home = Path.home()
    root = repository(cwd) or Path(cwd)
    for path in (root / ".mcp.json", root / ".cursor/mcp.json", home / ".claude.json",
                 home / ".cursor/mcp.json"):
        data = read_capped(str(path), cap)
        try:
            config = json.loads(data) if data else None
        except ValueError:
            continue
        if not isinstance(config, dict):
            continue
        tables = [config.get("mcpServers")]
        projects = config.get("projects")
        if isinstance(projects, dict) and isinstance(projects.get(str(root)), dict):
            tables.append(projects[str(root)].get("mcpServers"))
        for table in tables:
            if isinstance(table, dict) and isinstance(table.get(server), dict):
                return json.dumps(table[server], indent=1), display(str(path), cwd)
    return None
