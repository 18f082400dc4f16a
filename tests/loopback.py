"""A socket guard that allows loopback only: what `allow_loopback` tests run under.

Dask's processes talk over TCP (distributed has no Unix-socket transport), so cluster tests
cannot run under the suite's AF_INET block. They run under this guard instead: sockets of any
family may be created, but binding, connecting or sending to anything but 127.0.0.0/8 or ::1
raises, and so does resolving any name but a loopback one. `dask_setup` installs the same
guard in Dask worker processes when this module is given as a worker preload, so the workers
are held to it too, not only the test process.
"""

from __future__ import annotations

import ipaddress
import socket
from typing import Any

_LOOPBACK_NAMES = frozenset({"localhost", "ip6-localhost", "ip6-loopback"})


class NetworkBlocked(RuntimeError):
    """Raised when code under test reaches for anything but loopback."""


def is_loopback(host: object) -> bool:
    if isinstance(host, bytes):
        host = host.decode("ascii", "replace")
    if not isinstance(host, str):
        return False
    if host.lower() in _LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host.split("%", 1)[0]).is_loopback
    except ValueError:
        return False


def _check(sock: socket.socket, address: Any, action: str) -> None:
    if sock.family not in (socket.AF_INET, socket.AF_INET6):
        return  # Unix sockets and socket pairs: local by construction
    host = address[0] if isinstance(address, tuple) else address
    if not is_loopback(host):
        raise NetworkBlocked(f"test tried to {action} {address!r}: only loopback is allowed")


def _loopback_socket(real: type[socket.socket]) -> type[socket.socket]:
    class LoopbackSocket(real):  # type: ignore[misc,valid-type]
        def bind(self, address: Any) -> None:
            _check(self, address, "bind to")
            super().bind(address)

        def connect(self, address: Any) -> None:
            _check(self, address, "connect to")
            super().connect(address)

        def connect_ex(self, address: Any) -> int:
            _check(self, address, "connect to")
            return int(super().connect_ex(address))

        def sendto(self, data: Any, *args: Any) -> int:
            _check(self, args[-1], "send to")
            return int(super().sendto(data, *args))

    return LoopbackSocket


def _loopback_getaddrinfo(real: Any) -> Any:
    def getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
        if not is_loopback(host):
            raise NetworkBlocked(f"test tried to resolve {host!r}: only loopback is allowed")
        return real(host, *args, **kwargs)

    return getaddrinfo


def install(setattr_: Any = setattr) -> None:
    """Hold this process to loopback. `setattr_` is monkeypatch.setattr in tests (undone after
    the test) and plain setattr in a worker process (for the process's life)."""
    setattr_(socket, "socket", _loopback_socket(socket.socket))
    setattr_(socket, "getaddrinfo", _loopback_getaddrinfo(socket.getaddrinfo))

    real_create = socket.create_connection

    def create_connection(address: Any, *args: Any, **kwargs: Any) -> Any:
        if not is_loopback(address[0]):
            raise NetworkBlocked(f"test tried to connect to {address!r}: only loopback is "
                                 "allowed")
        return real_create(address, *args, **kwargs)

    setattr_(socket, "create_connection", create_connection)


def dask_setup(worker: object) -> None:
    """Dask worker preload hook: the guard for the worker process's whole life."""
    del worker
    install()
