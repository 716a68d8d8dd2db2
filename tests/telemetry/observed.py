"""What a telemetry test reads: the observed run, and data points of a metric by name."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from opentelemetry.sdk.trace import ReadableSpan

from controlplane.runner import RunOutcome
from hds_tls.demo.local_server import LocalCA, LocalTlsServer

SECRET = "s3cr3t-probe-token-value"


@dataclass
class ObservedRun:
    outcome: RunOutcome
    spans: list[ReadableSpan]
    metrics: Any
    results: list[dict[str, Any]]
    planned_units: set[tuple[str, str]]


def tls_entry(server: LocalTlsServer, ca: LocalCA, name: str) -> dict[str, Any]:
    return {
        "name": "portail",
        "host": "127.0.0.1",
        "port": server.port,
        "server_name": name,
        "ca_bundle": str(ca.ca_path),
    }


def data_points(metrics_data: Any, name: str) -> list[Any]:
    points = []
    for rm in metrics_data.resource_metrics:
        for sm in rm.scope_metrics:
            for metric in sm.metrics:
                if metric.name == name:
                    points.extend(metric.data.data_points)
    return points
