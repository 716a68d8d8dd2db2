"""`hdsctl demo`: access logs for the demo tenants' buckets, so `hdsctl traces` has something to
show and TRC-02/03 something to judge. Each tenant gets its own log bucket for traces, readable
over the demo's plain-HTTP endpoint, with one log object every 40 hours over 370 days (keys carry
the delivery time, as AWS names them) and a few real access lines in the last days: host staff
from France, one staff access from outside the EEA, the clinic's application, the log delivery.
The partial tenant's logs stopped three days ago."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Any

from controlplane.demo_context import DemoContext
from hds_s3.access_log import format_line
from hds_s3.demo.local_endpoint import LocalCredentials, LocalS3Endpoint
from hds_s3.demo.local_fleet import BucketPlan, provision_buckets

STAFF = [
    {
        "principals": ["arn:aws:iam::*:user/admin.dupont", "admin.dupont"],
        "name": "Claire Dupont",
        "team": "exploitation",
    },
    {"principals": ["arn:aws:iam::*:user/support.n2", "support.n2"], "name": "Karim Benali", "team": "support N2"},
]
NETWORKS = [{"cidr": "192.0.2.0/24", "country": "FR"}, {"cidr": "198.51.100.0/24", "country": "MA"}]
SERVICES = ["svc:*"]


def _lines(bucket: str, account: str, when: datetime) -> list[str]:
    return [
        format_line(bucket, when, f"arn:aws:iam::{account}:user/admin.dupont", "REST.GET.OBJECT", "patients/0042.pdf"),
        format_line(bucket, when + timedelta(minutes=3), f"arn:aws:iam::{account}:user/app-dossiers",
                    "REST.PUT.OBJECT", "patients/0043.pdf", "192.0.2.40"),
        format_line(bucket, when + timedelta(minutes=9), f"arn:aws:iam::{account}:user/support.n2",
                    "REST.GET.OBJECT", "patients/0042.pdf", "198.51.100.7"),
        format_line(bucket, when + timedelta(minutes=11), "svc:logging.s3.amazonaws.com", "REST.HEAD.BUCKET"),
    ]  # fmt: skip


def seed_access_logs(
    ctx: DemoContext, endpoint: LocalS3Endpoint, creds: LocalCredentials, prefix: str, data_bucket: str, stopped: bool
) -> dict[str, Any]:
    """Create the tenant's trace log bucket and its log objects; return the `trace_logs` entry."""
    logs = f"{prefix}journaux-acces"
    provision_buckets(endpoint, creds, [BucketPlan(logs, receives_logs=True, tls_only=False, expire_days=400)])
    s3 = endpoint.client("s3", creds)
    now = datetime.now(UTC).replace(microsecond=0)
    end = now - timedelta(days=3) if stopped else now - timedelta(hours=1)
    stamps = [end - timedelta(hours=40 * i) for i in range(370 * 24 // 40)]
    stamps.reverse()

    def put(stamp: datetime) -> None:
        recent = end - stamp < timedelta(days=2)
        body = "\n".join(_lines(data_bucket, creds.account_id, stamp - timedelta(minutes=30))[: 4 if recent else 1])
        key = f"{data_bucket}/{stamp:%Y-%m-%d-%H-%M-%S}-{stamp.microsecond:04X}DEMO"
        s3.put_object(Bucket=logs, Key=key, Body=body.encode())

    with ThreadPoolExecutor(8) as pool:
        list(pool.map(put, stamps))
    if not ctx.staff_directory:
        ctx.staff_directory.update({"staff": STAFF, "services": SERVICES, "networks": NETWORKS})
    return {"access_logs": [{"bucket": logs, "prefix": f"{data_bucket}/"}]}
