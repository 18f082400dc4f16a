"""The on-disk cache of compiled hyperscan databases, which nobody else can plant.

Compiling a few hundred patterns takes a moment, and a hook must not pay it every commit, so
the serialised database is cached. But a database decides which rules run at all: a file
planted under the expected name (another user of a shared cache directory, a poisoned CI
cache restored from a pull request's run) would silently drop every finding. So:

- the cache directory must be a real directory of ours that no one else may write to
  (created 0700); otherwise nothing is cached or read;
- each file holds an HMAC-SHA256 of its name (which is keyed to the rules' content) and its
  contents, under a random key kept in credscope's private state directory, not beside the
  cache: restoring or copying a cache directory does not bring a key that verifies it;
- a file that fails verification is deleted and the database rebuilt.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import os
import stat
from pathlib import Path

_MAGIC = b"credscope-hs-cache 2\n"
_MAC_BYTES = 32


def cache_dir() -> Path:
    base = os.environ.get("CREDSCOPE_CACHE_DIR") or os.environ.get("XDG_CACHE_HOME")
    root = Path(base) if base else Path.home() / ".cache"
    return root if os.environ.get("CREDSCOPE_CACHE_DIR") else root / "credscope"


def state_dir() -> Path:
    base = os.environ.get("XDG_STATE_HOME")
    return (Path(base) if base else Path.home() / ".local" / "state") / "credscope"


def private_dir(directory: Path) -> bool:
    """Create `directory` (0700), or accept it only if it is a real directory of ours that
    no one else may write to."""
    try:
        directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        st = os.lstat(directory)
    except (OSError, RuntimeError):
        return False
    mine = not hasattr(os, "getuid") or st.st_uid == os.getuid()
    return stat.S_ISDIR(st.st_mode) and mine and not st.st_mode & 0o022


def _key() -> bytes | None:
    """The MAC key: 32 random bytes, created once, readable by the user alone."""
    directory = state_dir()
    if not private_dir(directory):
        return None
    path = directory / "cache.key"
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0)
    for _ in range(2):
        try:
            fd = os.open(path, flags)
        except FileNotFoundError:
            with contextlib.suppress(FileExistsError, OSError):
                new = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | flags, 0o600)
                with os.fdopen(new, "wb") as fh:
                    fh.write(os.urandom(32))
            continue
        except OSError:
            return None
        with os.fdopen(fd, "rb") as fh:
            key = fh.read(64)
        return key if len(key) == 32 else None
    return None


def _mac(key: bytes, name: str, payload: bytes) -> bytes:
    return hmac.new(key, name.encode() + b"\0" + payload, hashlib.sha256).digest()


def load(name: str) -> bytes | None:
    """The verified payload cached under `name`, or None (absent, unsafe, or tampered with:
    a tampered file is deleted so the rebuild replaces it)."""
    directory = cache_dir()
    key = _key()
    if key is None or not private_dir(directory):
        return None
    path = directory / name
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
    except OSError:
        return None
    with os.fdopen(fd, "rb") as fh:
        data = fh.read()
    head = len(_MAGIC) + _MAC_BYTES
    payload = data[head:]
    if data[:len(_MAGIC)] != _MAGIC or not hmac.compare_digest(
            data[len(_MAGIC):head], _mac(key, name, payload)):
        with contextlib.suppress(OSError):
            path.unlink()
        return None
    return payload


def store(name: str, payload: bytes) -> None:
    """Write `payload` under `name` atomically; a cache we cannot write costs only time."""
    directory = cache_dir()
    key = _key()
    if key is None or not private_dir(directory):
        return
    tmp = directory / f".{name}.{os.getpid()}.tmp"
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0),
                     0o600)
        with os.fdopen(fd, "wb") as fh:
            fh.write(_MAGIC + _mac(key, name, payload) + payload)
        tmp.replace(directory / name)
    except OSError:
        with contextlib.suppress(OSError):
            tmp.unlink()
