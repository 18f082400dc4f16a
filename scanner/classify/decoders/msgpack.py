"""A minimal, bounded MessagePack reader for Fly.io macaroons (no dependency). Raises
ValueError on anything malformed; callers turn that into an UNKNOWN result."""

from __future__ import annotations

import struct

_MAX_DEPTH = 16


class _Reader:
    def __init__(self, data: bytes) -> None:
        self.data, self.pos = data, 0

    def take(self, n: int) -> bytes:
        if n < 0 or self.pos + n > len(self.data):
            raise ValueError("truncated msgpack")
        chunk = self.data[self.pos:self.pos + n]
        self.pos += n
        return chunk

    def uint(self, n: int) -> int:
        return int.from_bytes(self.take(n), "big")


def unpack(data: bytes) -> object:
    """Decode one value; trailing bytes are an error."""
    reader = _Reader(data)
    value = _value(reader, 0)
    if reader.pos != len(data):
        raise ValueError("trailing bytes after msgpack value")
    return value


def _value(r: _Reader, depth: int) -> object:
    if depth > _MAX_DEPTH:
        raise ValueError("msgpack nested too deeply")
    tag = r.uint(1)
    if tag <= 0x7F or tag >= 0xE0:
        return tag if tag <= 0x7F else tag - 0x100
    if 0x80 <= tag <= 0x8F:
        return _map(r, tag & 0x0F, depth)
    if 0x90 <= tag <= 0x9F:
        return [_value(r, depth + 1) for _ in range(tag & 0x0F)]
    if 0xA0 <= tag <= 0xBF:
        return r.take(tag & 0x1F).decode("utf-8", "replace")
    simple = {0xC0: None, 0xC2: False, 0xC3: True}
    if tag in simple:
        return simple[tag]
    if tag in (0xC4, 0xC5, 0xC6):  # bin 8/16/32
        return r.take(r.uint(1 << (tag - 0xC4)))
    if tag in (0xD9, 0xDA, 0xDB):  # str 8/16/32
        return r.take(r.uint(1 << (tag - 0xD9))).decode("utf-8", "replace")
    if tag in (0xCC, 0xCD, 0xCE, 0xCF):  # uint 8..64
        return r.uint(1 << (tag - 0xCC))
    if tag in (0xD0, 0xD1, 0xD2, 0xD3):  # int 8..64
        n = 1 << (tag - 0xD0)
        return int.from_bytes(r.take(n), "big", signed=True)
    if tag in (0xCA, 0xCB):
        return struct.unpack(">f" if tag == 0xCA else ">d", r.take(4 if tag == 0xCA else 8))[0]
    if tag in (0xDC, 0xDD):
        return [_value(r, depth + 1) for _ in range(r.uint(2 if tag == 0xDC else 4))]
    if tag in (0xDE, 0xDF):
        return _map(r, r.uint(2 if tag == 0xDE else 4), depth)
    if tag in (0xD4, 0xD5, 0xD6, 0xD7, 0xD8):  # fixext
        return r.take(1 + (1 << (tag - 0xD4)))
    if tag in (0xC7, 0xC8, 0xC9):  # ext 8/16/32
        return r.take(1 + r.uint(1 << (tag - 0xC7)))
    raise ValueError(f"unknown msgpack tag {tag:#x}")


def _map(r: _Reader, count: int, depth: int) -> dict[object, object]:
    if count > len(r.data):
        raise ValueError("msgpack map longer than its input")
    out: dict[object, object] = {}
    for _ in range(count):
        key = _value(r, depth + 1)
        out[key if isinstance(key, (str, int, bytes)) else repr(key)] = _value(r, depth + 1)
    return out
