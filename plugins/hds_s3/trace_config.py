"""`trace_logs:` on an S3 target: where accesses to the tenant's buckets are logged.

    trace_logs:
      access_logs:                 # S3 server access logs (AWS format; OVHcloud, Scaleway... write it too)
        - {bucket: hds-logs, prefix: "s3/clinique-a/"}
      cloudtrail:                  # CloudTrail data-event files (JSON or JSON.gz), where the provider has them
        - {bucket: hds-trail, prefix: "AWSLogs/123456789012/CloudTrail/"}

Without `access_logs`, each tenant bucket's own logging configuration (TargetBucket/TargetPrefix)
says where to read. A log location may be shared by several tenants: only lines about this
tenant's buckets are kept.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class LogLocation(_Strict):
    bucket: str = Field(pattern=r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", description="Bucket holding the log objects")
    prefix: str = Field(default="", max_length=1024, description="Key prefix of the log objects")


class TraceLogs(_Strict):
    access_logs: tuple[LogLocation, ...] | None = Field(
        default=None, description="Server access log locations (default: each bucket's logging configuration)"
    )
    cloudtrail: tuple[LogLocation, ...] = Field(default=(), description="CloudTrail data-event file locations")
    max_line_bytes: int = Field(default=16384, ge=512, le=1024 * 1024, description="Longer log lines are skipped")
    max_object_mb: float = Field(default=512, gt=0, le=64 * 1024, description="Largest log object read (MB)")
