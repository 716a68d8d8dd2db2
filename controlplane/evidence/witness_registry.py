"""Which witness opens a URL: the schemes offered through the `hds_witnesses` hook.

Apart from `witness.py` (what a witness is and holds) because finding the schemes loads the plugin
manager, and the core's own `file` witness is registered here like any plugin: keeping this out of
`witness.py` lets `witness_file` and the hook specs use the witness types without a circle.
"""

from __future__ import annotations

from controlplane import hookspecs
from controlplane.errors import InputError
from controlplane.evidence import witness_file
from controlplane.evidence.witness import Witness, WitnessScheme
from controlplane.plugins import new_plugin_manager


def witness_schemes() -> dict[str, WitnessScheme]:
    """Every scheme offered through the `hds_witnesses` hook: the core's own `file` (registered
    like any plugin) and the installed plugins' (`s3` from hds_s3)."""
    pm = new_plugin_manager()
    pm.register(witness_file, name="core-witness")
    pm.load_setuptools_entrypoints(hookspecs.ENTRY_POINT_GROUP)
    schemes: dict[str, WitnessScheme] = {}
    for found in pm.hook.hds_witnesses():
        for scheme in found or []:
            schemes.setdefault(scheme.scheme, scheme)
    return schemes


def open_witness(url: str, option: str = "--witness") -> Witness:
    scheme = url.split("://", 1)[0] if "://" in url else ""
    schemes = witness_schemes()
    if scheme not in schemes:
        known = ", ".join(f"{s}://" for s in sorted(schemes)) or "none"
        raise InputError.single(option, "", f"unsupported witness URL (supported: {known})")
    return schemes[scheme].open(url)
