#!/usr/bin/env python3
"""Build the working-tree benchmark input: >= 500 MiB of real text in many small files.

Pinned releases of large Python projects are downloaded from PyPI (wheels are zip files of
source; sdists are tarballs) into bench/.work/dl and unpacked into bench/.work/tree. Binary
files are dropped, so every byte in the tree is text all scanners read. Re-running reuses the
downloads; the tree is the same every time for the same pins.

    python bench/build_worktree.py [--target-mib 500]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
WORK = HERE / ".work"
PINS = [
    "botocore==1.35.99", "google-api-python-client==2.160.0", "sympy==1.13.3",
    "azure-mgmt-network==28.1.0", "Django==5.1.5", "kubernetes==31.0.0",
    "transformers==4.48.1", "pandas==2.2.3", "scipy==1.15.1", "matplotlib==3.10.0",
    "numpy==2.2.2", "boto3==1.35.99", "networkx==3.4.2", "sqlalchemy==2.0.37",
    "ansible==10.7.0", "plotly==5.24.1", "azure-mgmt-compute==33.0.0",
]


def download(pin: str, dest: Path) -> list[Path]:
    dest.mkdir(parents=True, exist_ok=True)
    marker = dest / (pin.replace("==", "-") + ".done")
    if not marker.exists():
        subprocess.run([sys.executable, "-m", "pip", "download", "-q", "--no-deps", "-d",
                        str(dest / pin), pin], check=True)
        marker.write_text("ok")
    return sorted((dest / pin).iterdir())


def is_text(data: bytes) -> bool:
    return b"\0" not in data[:8192]


def unpack(archive: Path, out: Path) -> int:
    total = 0
    if archive.suffix in (".whl", ".zip"):
        with zipfile.ZipFile(archive) as zf:
            for info in zf.infolist():
                if info.is_dir() or info.file_size > 20 * 1024 * 1024:
                    continue
                data = zf.read(info)
                total += _write(out / info.filename, data)
    else:
        with tarfile.open(archive) as tf:
            for member in tf.getmembers():
                if not member.isfile() or member.size > 20 * 1024 * 1024:
                    continue
                fh = tf.extractfile(member)
                if fh is not None:
                    total += _write(out / member.name, fh.read())
    return total


def _write(path: Path, data: bytes) -> int:
    if not is_text(data) or ".." in path.parts:
        return 0
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return len(data)


def _size(tree: Path) -> int:
    if not tree.exists():
        return 0
    return sum(p.stat().st_size for p in tree.rglob("*") if p.is_file())


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--target-mib", type=int, default=500)
    args = ap.parse_args()
    tree = WORK / "tree"
    target = args.target_mib * 1024 * 1024
    for pin in PINS:
        total = _size(tree)
        if total >= target:
            break
        name = pin.replace("==", "-")
        if (tree / name).exists():
            continue
        for archive in download(pin, WORK / "dl"):
            unpack(archive, tree / name)
        print(f"{pin}: tree now {_size(tree) / 2**20:.0f} MiB", flush=True)
    total = _size(tree)
    files = sum(1 for p in tree.rglob("*") if p.is_file())
    print(f"{tree}: {files} files, {total / 2**20:.0f} MiB of text")


if __name__ == "__main__":
    main()
