"""`trace_logs:` on a Kubernetes target: the API server's audit log files (JSON lines, one
`audit.k8s.io/v1` Event per line, as `--audit-log-path` writes them; rotated `.gz` files too).

    trace_logs:
      audit_files: ["/var/log/kubernetes/audit/audit*.log*"]

Only events in the tenant's namespaces (`namespaces.names`; namespaces found by a selector are
only known to a live collection, so list them by name for traces) are kept.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class KubernetesTraceLogs(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    audit_files: tuple[str, ...] = Field(
        min_length=1, description="Glob patterns of audit log files (JSON lines, .gz read too)"
    )
    max_line_bytes: int = Field(default=65536, ge=512, le=4 * 1024 * 1024, description="Longer lines are skipped")
    max_file_mb: float = Field(default=4096, gt=0, le=1024 * 1024, description="Largest file read (MB)")
