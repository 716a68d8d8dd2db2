"""The control catalog: HDS activities, ISO 27001:2022 Annex A and our controls, as data."""

from controlplane.catalog.loader import Catalog, builtin_catalog_dir, load_catalog
from controlplane.catalog.models import Control, ControlKind, HdsActivity, HdsRequirement, IsoControl, Severity

__all__ = [
    "Catalog",
    "Control",
    "ControlKind",
    "HdsActivity",
    "HdsRequirement",
    "IsoControl",
    "Severity",
    "builtin_catalog_dir",
    "load_catalog",
]
