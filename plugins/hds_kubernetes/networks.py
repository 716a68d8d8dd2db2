"""What a NetworkPolicy `ipBlock` admits, computed on addresses (`ipaddress`), not on its text.

An ipBlock admits its `cidr` minus each `except` range. Whether it also admits other pods of
the cluster is left to the network plugin by the NetworkPolicy API ("ipBlock ... should be
cluster-external IPs, since Pod IPs are ephemeral"): Calico and Cilium match the source
address of pod-to-pod traffic against ipBlocks, so a block covering the pod network (or the
nodes' addresses, the source of host-network pods and of node-level SNAT) admits other
tenants' pods. The verdict assumes that behaviour and says so in its evidence.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Sequence

Network = ipaddress.IPv4Network | ipaddress.IPv6Network

PRIVATE_RANGES = ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "fc00::/7")
"""Where a pod network lies when the cluster publishes none (RFC 1918, RFC 4193). Pod
addresses observed on running pods are judged too, so a pod network elsewhere (100.64.0.0/10)
is still caught through the pods that use it."""
CNI_ASSUMPTION = (
    "the network plugin matches the source address of traffic from other pods against ipBlocks "
    "(Calico and Cilium do; the NetworkPolicy API leaves it to the plugin): a block covering pod or "
    "node addresses then admits other tenants' pods"
)


def admitted(cidr: str, excepts: Iterable[str]) -> list[Network]:
    """The networks an ipBlock admits: `cidr` with every `except` range carved out."""
    nets: list[Network] = [ipaddress.ip_network(cidr, strict=False)]
    for raw in excepts:
        hole = ipaddress.ip_network(raw, strict=False)
        out: list[Network] = []
        for net in nets:
            if net.version != hole.version or not net.overlaps(hole):
                out.append(net)
            elif not hole.supernet_of(net):  # type: ignore[arg-type]
                out.extend(net.address_exclude(hole))  # type: ignore[arg-type]
        nets = out
    return nets


def overlapping(nets: Sequence[Network], ranges: Iterable[str]) -> list[str]:
    """The ranges (CIDRs) that share addresses with any of `nets`."""
    out = []
    for raw in ranges:
        r = ipaddress.ip_network(raw, strict=False)
        if any(n.version == r.version and n.overlaps(r) for n in nets):  # type: ignore[arg-type]
            out.append(str(r))
    return out


def inside(nets: Sequence[Network], addresses: Iterable[str]) -> list[str]:
    """The addresses that fall in any of `nets`."""
    out = []
    for raw in addresses:
        ip = ipaddress.ip_address(raw)
        if any(n.version == ip.version and ip in n for n in nets):
            out.append(raw)
    return out
