"""Private keys: is it encrypted at rest? PEM Proc-Type, PKCS#8 ENCRYPTED, the OpenSSH
header (ciphername/kdf inside the base64) and PuTTY's Encryption line."""

from __future__ import annotations

import re
import struct

from scanner.classify.decoders.base import Builder, DecodeResult, Surroundings, b64decode, unknown

_OPENSSH_MAGIC = b"openssh-key-v1\0"
_BEGIN = re.compile(r"-----BEGIN ([A-Z0-9 ]*)PRIVATE KEY(?: BLOCK)?-----")


def _ssh_string(data: bytes, pos: int) -> tuple[bytes, int]:
    if pos + 4 > len(data):
        raise ValueError("truncated")
    (length,) = struct.unpack(">I", data[pos:pos + 4])
    if pos + 4 + length > len(data):
        raise ValueError("truncated")
    return data[pos + 4:pos + 4 + length], pos + 4 + length


def openssh_cipher(body: str) -> tuple[str, str] | None:
    """(ciphername, kdfname) from the base64 body of an OpenSSH private key."""
    cleaned = re.sub(r"[^A-Za-z0-9+/=]", "", body.split("-----END", 1)[0])
    raw = b64decode(cleaned[:min(len(cleaned) // 4 * 4, 400)])  # the header is at the start
    if raw is None or not raw.startswith(_OPENSSH_MAGIC):
        return None
    try:
        cipher, pos = _ssh_string(raw, len(_OPENSSH_MAGIC))
        kdf, _ = _ssh_string(raw, pos)
    except ValueError:
        return None
    return cipher.decode("ascii", "replace"), kdf.decode("ascii", "replace")


def decode_private_key(secret: str, around: Surroundings) -> DecodeResult:
    text = secret if "PRIVATE" in secret or "PuTTY" in secret else around.window
    putty = re.search(r"^Encryption:\s*(\S+)", text, re.M)
    if "PuTTY-User-Key-File" in text and putty:
        return _verdict(putty.group(1) != "none", f"PuTTY Encryption: {putty.group(1)}")
    m = _BEGIN.search(text)
    if m is None:
        return unknown("no BEGIN ... PRIVATE KEY header")
    label = m.group(1).strip() or "PKCS#8"
    b_kind = ("kind", f"{label} private key")
    if label == "ENCRYPTED":
        return _verdict(True, "BEGIN ENCRYPTED PRIVATE KEY (PKCS#8)", b_kind)
    if re.search(r"Proc-Type:\s*4,\s*ENCRYPTED", text):
        return _verdict(True, "Proc-Type: 4,ENCRYPTED (legacy PEM encryption)", b_kind)
    if label == "OPENSSH":
        found = openssh_cipher(text[m.end():])
        if found is None:
            return unknown("OpenSSH key body does not decode")
        cipher, kdf = found
        return _verdict(cipher != "none", f"OpenSSH ciphername {cipher}, kdf {kdf}", b_kind)
    return _verdict(False, "no encryption header", b_kind)


def _verdict(encrypted: bool, why: str, *details: tuple[str, str]) -> DecodeResult:
    b = Builder(valid=True)
    b.details.extend(details)
    b.fact("encrypted", "yes" if encrypted else "no")
    if encrypted:
        b.inert = "the key is encrypted with a passphrase"
        b.say(f"{why}: encrypted, useless without its passphrase")
    else:
        b.say(f"{why}: usable by anyone who reads the file")
    return b.build()
