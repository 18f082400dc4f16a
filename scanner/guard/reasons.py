"""The words of a decision: which credential (described, never shown: the redacted form is
the first characters, the length and a hash), where, what it can do, and what to do
instead. Shown to the user (ask) or to the agent (deny), so both read the same facts.
"""

from __future__ import annotations

import re
from pathlib import PurePath

from scanner.guard.inspect import Sighting

_CAPS = {"delete-data": "delete data", "delete-backups": "delete backups",
         "manage-credentials": "manage credentials", "deploy": "deploy",
         "write-data": "write data", "spend": "spend money", "impersonate": "impersonate users"}
_BY_SUFFIX = {
    ".py": 'os.environ["{name}"]', ".js": "process.env.{name}", ".ts": "process.env.{name}",
    ".jsx": "process.env.{name}", ".tsx": "process.env.{name}", ".mjs": "process.env.{name}",
    ".cjs": "process.env.{name}", ".go": 'os.Getenv("{name}")', ".rb": 'ENV.fetch("{name}")',
    ".java": 'System.getenv("{name}")', ".kt": 'System.getenv("{name}")',
    ".scala": 'sys.env("{name}")', ".rs": 'std::env::var("{name}")',
    ".php": "getenv('{name}')", ".cs": 'Environment.GetEnvironmentVariable("{name}")',
    ".sh": '"${name}"', ".bash": '"${name}"', ".zsh": '"${name}"', ".tf": "var.{lower}",
    ".swift": 'ProcessInfo.processInfo.environment["{name}"]',
}


def describe(s: Sighting) -> str:
    tier = str(s.tier)
    if tier == "UNKNOWN":
        tier = f"up to {s.effective_tier}"
    scope = f", {s.scope}-wide" if str(s.scope) in ("account", "org", "workspace") else ""
    caps = [_CAPS[str(c)] for c in s.capabilities if str(c) in _CAPS][:3]
    can = f", can {', '.join(caps)}" if caps else ""
    env = f", {s.environment}" if str(s.environment) != "unknown" else ""
    return f"a {s.title} ({tier}{scope}{can}{env}; {s.redacted})"


def variable_name(s: Sighting) -> str:
    if s.variable and re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", s.variable):
        return s.variable.upper()
    base = re.sub(r"[^A-Za-z0-9]+", "_", s.provider).strip("_").upper() or "SERVICE"
    kind = "API_KEY" if "key" in s.title.lower() else "TOKEN"
    return f"{base}_{kind}"


def alternative(s: Sighting, path: str = "") -> str:
    name = variable_name(s)
    if "/.github/workflows/" in f"/{path}":
        return "${{ secrets." + name + " }}"
    template = _BY_SUFFIX.get(PurePath(path).suffix.lower())
    if template is None:
        return f"the {name} environment variable"
    return template.format(name=name, lower=name.lower())
