"""The European Economic Area, as ISO 3166 alpha-2 codes: HDS v2 EXI 28-29 draw the line here
(the 27 EU member states plus Iceland, Liechtenstein and Norway)."""

from __future__ import annotations

_EU_CODES = "AT BE BG HR CY CZ DK EE FI FR DE GR IE IT LV LT LU MT NL PL PT RO SK SI ES SE HU"
EU = frozenset(_EU_CODES.split())
EEA = EU | {"IS", "LI", "NO"}


def outside_eea(country: str) -> bool:
    """True only for a known country outside the EEA: an unknown country is not flagged here (the
    control on staff access reports it as unknown)."""
    return bool(country) and country.upper() not in EEA
