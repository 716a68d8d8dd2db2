"""A 1,000-BMC Redfish sweep against local sushy-static servers: the `redfish` collector reading
every server's BMC (about 30 GETs each: systems, storage, drives, volumes, chassis, power,
managers, network protocols, accounts, event subscriptions, firmware inventory), then the ten
RF checks on the snapshot.

The BMCs are `--servers` sushy-static processes serving the shipped demo mockup; the pool's
1,000 endpoints are spread over them (a fleet file refuses the same BMC twice, so the bench
builds the target without that validation). sushy-static answers HTTP/1.0, one connection per
request and one request at a time: with `--tls` every GET is a TLS handshake, and the servers,
not the client, are the bottleneck on a 2-core machine — read the client's CPU beside the wall
time. Prints one JSON line: BMCs, requests, requests per system, errors, wall time, client CPU,
peak RSS of this process.

Usage: python bench/redfish_sweep.py [--bmcs 1000] [--servers 4] [--tls]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from controlplane.catalog import load_catalog
from controlplane.plugin_types import CheckContext, CollectContext, TenantView
from controlplane.plugins import build_registry
from controlplane.secrets import SecretRef
from hds_redfish.collect import collect_redfish
from hds_redfish.demo.certs import BmcCA
from hds_redfish.demo.mockup_tree import compose
from hds_redfish.demo.server import LocalRedfishServer
from hds_redfish.target import FirmwarePolicy, RedfishTarget


def measure(bmcs: int = 1000, servers_n: int = 4, tls: bool = False, timeout_s: float = 1800) -> dict[str, Any]:
    os.environ.update(HDS_BENCH_BMC_USER="hds-audit", HDS_BENCH_BMC_PASSWORD="bench-password")
    with tempfile.TemporaryDirectory(prefix="hds-redfish-bench-") as tmp:
        work = Path(tmp)
        ca = BmcCA(work / "tls")
        servers = []
        try:
            for n in range(servers_n):
                tree = compose(work / f"srv-{n}")
                cert, key = ca.issue(f"srv-{n}") if tls else (None, None)
                servers.append(LocalRedfishServer(tree, cert, key).start())
            for server in servers:
                server.wait_ready()
            endpoints = tuple(servers[i % len(servers)].url for i in range(bmcs))
            target = RedfishTarget.model_construct(
                name="bench-pool",
                endpoints=endpoints,
                username=SecretRef(env="HDS_BENCH_BMC_USER"),
                password=SecretRef(env="HDS_BENCH_BMC_PASSWORD"),
                ca_bundle=str(ca.ca_path) if tls else None,
                firmware=FirmwarePolicy(),
                expected_accounts=("hds-audit", "ops-admin"),
            )
            tenant = TenantView("bench", "Bench", (1, 2), {})
            cpu0, started = time.process_time(), time.monotonic()
            snap = collect_redfish(target, CollectContext(tenant, target.name, timeout_s, 8 * 1024 * 1024))
            collected = time.monotonic() - started
            registry = build_registry()
            catalog = load_catalog(registry.catalog_files)
            findings = 0
            for control in (c for c in catalog.controls.values() if c.id.startswith("RF-")):
                ctx = CheckContext(tenant, target, target.name, control.id, dict(control.parameters))
                findings += len(list(registry.checks[control.check or ""].func(snap, ctx)))
            wall, cpu = time.monotonic() - started, time.process_time() - cpu0
        finally:
            for server in servers:
                server.stop()
    requests = sum(b.requests for b in snap.bmcs)
    systems = sum(len(b.systems) for b in snap.bmcs)
    errors = [b.error for b in snap.bmcs if b.error]
    return {
        "bmcs": bmcs,
        "servers": servers_n,
        "tls": tls,
        "requests": requests,
        "requests_per_system": round(requests / max(1, systems), 1),
        "errors": len(errors),
        "first_error": errors[0] if errors else None,
        "findings": findings,
        "collect_s": round(collected, 2),
        "wall_s": round(wall, 2),
        "client_cpu_s": round(cpu, 2),
        "bmcs_per_s": round(bmcs / wall, 1),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--bmcs", type=int, default=1000)
    parser.add_argument("--servers", type=int, default=4)
    parser.add_argument("--tls", action="store_true")
    parser.add_argument("--timeout-s", type=float, default=1800)
    args = parser.parse_args()
    line = measure(args.bmcs, args.servers, args.tls, args.timeout_s)
    print(json.dumps(line))
    return 1 if line["errors"] else 0


if __name__ == "__main__":
    sys.exit(main())
