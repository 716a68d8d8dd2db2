"""The fleet file (hds.yaml): tenants, contracts and per-plugin targets."""

from controlplane.config.loader import Fleet, SharedGroup, Tenant, fleet_json_schema, load_fleet
from controlplane.config.models import Contract, RuntimeSettings

__all__ = ["Contract", "Fleet", "RuntimeSettings", "SharedGroup", "Tenant", "fleet_json_schema", "load_fleet"]
