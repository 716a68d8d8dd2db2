"""Certificate name matching (RFC 6125 as browsers apply it): SANs only, no CN fallback,
a wildcard only as the whole left-most label and never matching an IP address."""

from __future__ import annotations

import ipaddress


def _is_ip(name: str) -> bool:
    try:
        ipaddress.ip_address(name)
    except ValueError:
        return False
    return True


def name_matches(expected: str, dns_sans: list[str], ip_sans: list[str]) -> bool:
    if _is_ip(expected):
        want = ipaddress.ip_address(expected)
        return any(ipaddress.ip_address(ip) == want for ip in ip_sans)
    host = expected.rstrip(".").lower()
    for san in dns_sans:
        pattern = san.rstrip(".").lower()
        if pattern == host:
            return True
        if pattern.startswith("*.") and "*" not in pattern[2:]:
            head, _, rest = host.partition(".")
            if head and rest and rest == pattern[2:] and rest.count(".") >= 1:
                return True
    return False
