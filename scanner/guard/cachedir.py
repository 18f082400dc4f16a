"""Where the guard keeps what makes a hook call start fast."""

from __future__ import annotations

import os
import sys
from pathlib import Path


def cache_root() -> Path:
    """Beside the engine's cache (CREDSCOPE_CACHE_DIR, else XDG_CACHE_HOME/credscope, else
    ~/.cache/credscope), under guard/."""
    own = os.environ.get("CREDSCOPE_CACHE_DIR")
    if own:
        return Path(own) / "guard"
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "credscope" / "guard"


def keep_bytecode() -> None:
    """A hook is a new interpreter per tool call: without cached bytecode it compiles every
    module it imports, every time (a third of its run). Where the environment turns bytecode
    writing off (PYTHONDONTWRITEBYTECODE), the guard keeps its bytecode in its own cache
    directory instead (PYTHONPYCACHEPREFIX's mechanism), never beside the sources."""
    if sys.dont_write_bytecode and sys.pycache_prefix is None:
        sys.pycache_prefix = str(cache_root() / "pycache")
        sys.dont_write_bytecode = False
