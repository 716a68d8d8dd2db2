"""Trace export throughput: `hdsctl traces`' whole export path (parse, tenant filter, scope check,
classification with a staff directory, CSV writer, SHA-256 and seal) on S3 server access-log
lines, with resident memory sampled all along: it must stay flat (streaming, never the export in
memory).

The lines go through the same parser as log objects read from S3 (`hds_s3.traces.access_records`
over `controlplane.traces.files.file_lines`), but from files on disk: moto serves ~270 requests/s on
these machines, so 10 million lines through it would measure moto. Generates `--files` log files of
`--lines-per-file` AWS-format lines (two tenants' buckets interleaved, as in a shared log bucket,
so half the lines are another tenant's), then exports one tenant's traces `--passes` times over
them (each pass reads every file again) — 10 files x 100,000 lines x 10 passes = 10 million lines.
Prints one line; exits 1 below `--min-rate` lines per CPU second (the wall rate is printed too) or
when RSS grew by more than 64 MB between the first tenth of the run and its end.

Usage: python bench/traces.py [--files 10] [--lines-per-file 100000] [--passes 10] [--workdir DIR]
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from controlplane.config.loader import Fleet, Tenant
from controlplane.config.models import RuntimeSettings
from controlplane.traces.export import BoundSource, export_traces
from controlplane.traces.files import file_lines
from controlplane.traces.record import ReadStats, TraceRecord, TraceWindow
from controlplane.traces.staff import StaffDirectory
from hds_s3.access_log import format_line
from hds_s3.traces import access_records

MINE, OTHER = "hds-bench-dossiers-a", "hds-bench-dossiers-b"
MAX_GROWTH_MB = 64.0


def generate(workdir: Path, files: int, per_file: int) -> list[Path]:
    start = datetime(2026, 1, 1, tzinfo=UTC)
    users = [f"arn:aws:iam::111111111111:user/{u}" for u in ("admin.dupont", "app", "support", "robot")]
    paths = []
    for f in range(files):
        path = workdir / f"access-{f:03d}.log"
        paths.append(path)
        if path.exists() and path.stat().st_size > 0:
            continue
        with path.open("w", encoding="utf-8") as fh:
            for i in range(per_file):
                n = f * per_file + i
                bucket = MINE if n % 2 else OTHER
                fh.write(
                    format_line(bucket, start + timedelta(seconds=n), users[n % 4], "REST.GET.OBJECT", f"p/{n}.pdf")
                    + "\n"
                )
    return paths


class FileAccessLogs:
    """The S3 access-log parsing path, over files on disk."""

    def __init__(self, paths: list[Path], passes: int) -> None:
        self.paths, self.passes = paths, passes
        self.name = "bench access logs"
        self.scopes = (f"s3://{MINE}/",)

    def read(self, window: TraceWindow, stats: ReadStats) -> Iterator[TraceRecord]:
        for _ in range(self.passes):
            for path in self.paths:
                # access_records counts lines itself (as for an S3 object): the file reader's own
                # counts go to a scratch ReadStats, so each line is counted once
                lines = (line for _n, line in file_lines(path, 16384, 1 << 34, ReadStats()))
                yield from access_records(lines, (MINE,), str(path), stats)


def rss_mb() -> float:
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 1e6


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--files", type=int, default=10)
    parser.add_argument("--lines-per-file", type=int, default=100_000)
    parser.add_argument("--passes", type=int, default=10)
    parser.add_argument("--min-rate", type=float, default=50_000, help="lines per CPU second below which the run fails")
    parser.add_argument("--workdir", type=Path)
    args = parser.parse_args()
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="hds-bench-traces-"))
    workdir.mkdir(parents=True, exist_ok=True)
    paths = generate(workdir, args.files, args.lines_per_file)
    staff = StaffDirectory.model_validate(
        {"staff": [{"principals": ["arn:aws:iam::111111111111:user/admin.dupont"], "name": "Claire Dupont"}]}
    )
    tenant = Tenant("bench", "Bench", (5,), {}, {}, {})
    fleet = Fleet("bench", RuntimeSettings(), (tenant,), "", staff)
    source = FileAccessLogs(paths, args.passes)
    samples: list[float] = []
    done = threading.Event()

    def sample() -> None:
        while not done.wait(0.25):
            samples.append(rss_mb())

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    started, cpu = time.perf_counter(), time.process_time()
    outcome = export_traces(
        fleet, tenant, [BoundSource("s3", "bench", source)], workdir / "export.csv", "csv", Ed25519PrivateKey.generate()
    )
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    done.set()
    sampler.join()
    lines = outcome.sources[0].stats.lines
    rate, cpu_rate = lines / elapsed, lines / max(cpu, 1e-9)
    tenth = samples[len(samples) // 10] if samples else rss_mb()
    growth = (samples[-1] if samples else rss_mb()) - tenth
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 / 1e6  # KiB on Linux
    print(
        f"traces export: {lines:,} lines ({outcome.records:,} of the tenant) in {elapsed:.1f} s "
        f"({cpu:.1f} s CPU): {rate:,.0f} lines/s ({cpu_rate:,.0f} per CPU second); "
        f"RSS {tenth:.0f} MB at 10 % -> {samples[-1] if samples else 0:.0f} MB "
        f"at the end (peak {peak:.0f} MB); export {outcome.path.stat().st_size / 1e6:.0f} MB"
    )
    # Judged per CPU second: on a machine shared with other jobs the wall time says more about the
    # neighbours than about the export (both are printed).
    ok = cpu_rate >= args.min_rate and growth <= MAX_GROWTH_MB and outcome.records * 2 == lines
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
