"""Suite-wide guards: no network, pinned git identity, isolated caches."""

from __future__ import annotations

import socket
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest


class NetworkBlocked(RuntimeError):
    """Raised when code under test tries to open a network connection."""


_ALLOWED_FAMILIES = {getattr(socket, "AF_UNIX", None)}


def _guarded_socket(real: type[socket.socket]) -> type[socket.socket]:
    class GuardedSocket(real):  # type: ignore[misc,valid-type]
        def __init__(self, family: int = -1, *args: object, **kwargs: object) -> None:
            fam = socket.AF_INET if family == -1 else family
            if fam not in _ALLOWED_FAMILIES:
                raise NetworkBlocked(f"test tried to open a network socket (family {fam})")
            super().__init__(family, *args, **kwargs)

    return GuardedSocket


@pytest.fixture(autouse=True)
def _no_network(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """credscope never makes a network call, so no test may. Browser tests talk to Chromium
    over a pipe (Playwright) and are marked `browser`; they keep the guard too. Tests marked
    `allow_loopback` (a Dask cluster's processes talk over TCP) may use 127.0.0.1 and ::1,
    nothing else (tests/loopback.py)."""
    if request.node.get_closest_marker("allow_loopback"):
        from tests import loopback

        loopback.install(monkeypatch.setattr)
        return
    monkeypatch.setattr(socket, "socket", _guarded_socket(socket.socket))

    def refuse(*_a: object, **_k: object) -> None:
        raise NetworkBlocked("test tried to resolve or connect to a network address")

    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)


@pytest.fixture(autouse=True)
def _isolated_env(tmp_path_factory: pytest.TempPathFactory,
                  monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    cache = tmp_path_factory.getbasetemp() / "credscope-cache"
    monkeypatch.setenv("CREDSCOPE_CACHE_DIR", str(cache))
    monkeypatch.setenv("CREDSCOPE_DEBUG_LOG", str(tmp_path_factory.getbasetemp() / "debug.log"))
    # The developer's own ~/.config/credscope/config.toml must not change what tests see,
    # nor tests write into their ~/.local/state (the cache's key, the debug log).
    monkeypatch.setenv("CREDSCOPE_USER_CONFIG", "")
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path_factory.getbasetemp() / "state"))
    for var, value in {
        "GIT_AUTHOR_NAME": "Test Author", "GIT_AUTHOR_EMAIL": "author@example.invalid",
        "GIT_COMMITTER_NAME": "Test Author", "GIT_COMMITTER_EMAIL": "author@example.invalid",
        "GIT_AUTHOR_DATE": "2025-01-02T03:04:05+00:00",
        "GIT_COMMITTER_DATE": "2025-01-02T03:04:05+00:00",
        "GIT_CONFIG_GLOBAL": "/dev/null", "GIT_CONFIG_NOSYSTEM": "1",
    }.items():
        monkeypatch.setenv(var, value)
    yield


@pytest.fixture
def repo_root() -> Path:
    return Path(__file__).resolve().parents[1]


# Hypothesis profiles: "ci" (default) keeps the suite in CI time while still trying well over
# 100,000 generated inputs across the fuzzed boundaries; "long" is for local soak runs:
#   HYPOTHESIS_PROFILE=long pytest tests/test_fuzz.py
from hypothesis import HealthCheck, settings  # noqa: E402

settings.register_profile("ci", deadline=None, print_blob=True, derandomize=True,
                          suppress_health_check=[HealthCheck.too_slow,
                                                 HealthCheck.data_too_large])
settings.register_profile("long", deadline=None, max_examples=200_000,
                          suppress_health_check=[HealthCheck.too_slow,
                                                 HealthCheck.data_too_large])
settings.load_profile(__import__("os").environ.get("HYPOTHESIS_PROFILE", "ci"))


def pytest_terminal_summary(terminalreporter: object) -> None:
    """Say how many generated inputs the fuzz properties tried (the bar is >= 100,000)."""
    fuzz = sys.modules.get("tests.test_fuzz")
    counts: dict[str, int] = getattr(fuzz, "FUZZ_INPUTS", {}) if fuzz else {}
    if counts:
        detail = ", ".join(f"{k} {v:,}" for k, v in sorted(counts.items()))
        terminalreporter.write_line(  # type: ignore[attr-defined]
            f"fuzz: {sum(counts.values()):,} generated inputs ({detail})")
