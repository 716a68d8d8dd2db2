"""Build a mockup tree to serve: a base tree, overlays (trees holding only the resources that
differ) copied over it, and text substitutions (a server's name, serial, firmware dates)."""

from __future__ import annotations

import shutil
from collections.abc import Iterable, Mapping
from pathlib import Path

SHIPPED = Path(__file__).with_name("mockups") / "server"
"""A compliant rack server: 2 PSUs N+1, RAID1 on two SEDs, Secure Boot, hardened BMC (France)."""


def compose(
    dest: Path, base: Path = SHIPPED, overlays: Iterable[Path] = (), replace: Mapping[str, str] | None = None
) -> Path:
    shutil.copytree(base, dest)
    for overlay in overlays:
        shutil.copytree(overlay, dest, dirs_exist_ok=True)
    for old, new in (replace or {}).items():
        for path in dest.rglob("index.json"):
            text = path.read_text(encoding="utf-8")
            if old in text:
                path.write_text(text.replace(old, new), encoding="utf-8")
    return dest
