"""Restore verification throughput: the backup plugin's restore test of a file archive (download,
hash, extract into scratch space, compare every file with the manifest) against the plain floor
of the same object (download + SHA-256), both streaming from the local S3 endpoint.

Builds a tar archive of `--size-mib` MiB (default 1024) in `--files` files, writes its manifest
with `hds_backup.manifest_build`, uploads it to the S3 endpoint (its own process, `s3_server.py`),
then runs the floor and the restore test alternately, each in a child process (its peak RSS from
wait4), `--repeat` times, keeping the best of each. Prints a line (and the runs, with the CPU
seconds of the best ones: the restore hashes every byte twice and writes it, on a 2-core machine
shared with the S3 server, so its wall time follows the CPU it gets); exits 1 when the restore test
does not verify, runs below 80 % of the floor's throughput, or its memory grows with the artefact
(peak RSS above 256 MB for a 1 GiB artefact: streaming, not buffering).

Usage: python bench/restore.py [--size-mib 1024] [--files 64] [--repeat 2] [--workdir DIR]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import resource
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from fleet_gen import CREDENTIALS, REGION, RemoteS3Endpoint
from s3_server import S3ServerProcess

TARGET_RATIO = 0.8
TARGET_RSS_MB = 256.0
BUCKET, KEY = "hds-bench-sauvegardes", "fichiers/archive.tar"
CHUNK = 1024 * 1024


def build_archive(path: Path, size_mib: int, files: int) -> None:
    """`files` files of pseudo-random content, `size_mib` MiB in all (content is irrelevant to
    the throughput; distinct blocks keep every file distinct)."""
    block = os.urandom(CHUNK)
    per_file = max(1, size_mib // files)
    with tarfile.open(path, "w", format=tarfile.PAX_FORMAT) as tar:
        for n in range(files):
            data_path = path.with_suffix(".part")
            with data_path.open("wb") as f:
                for i in range(per_file):
                    f.write(n.to_bytes(4, "big") + i.to_bytes(4, "big") + block[8:])
            tar.add(data_path, arcname=f"dossiers/patient-{n:04d}.bin")
            data_path.unlink()


def upload(url: str, archive: Path) -> None:
    s3 = RemoteS3Endpoint(url).client("s3", CREDENTIALS, REGION)
    s3.create_bucket(Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": REGION})
    s3.upload_file(str(archive), BUCKET, KEY)


# -- the two measured sides, each run in a child process ----------------------------------------
def floor_child(url: str) -> dict[str, object]:
    """Plain boto3: GetObject, read the stream in 1 MiB chunks, SHA-256."""
    s3 = RemoteS3Endpoint(url).client("s3", CREDENTIALS, REGION)
    cpu, start = _cpu(), time.perf_counter()
    body = s3.get_object(Bucket=BUCKET, Key=KEY)["Body"]
    digest, size = hashlib.sha256(), 0
    while chunk := body.read(CHUNK):
        digest.update(chunk)
        size += len(chunk)
    seconds = time.perf_counter() - start
    return {"seconds": seconds, "cpu_s": _cpu() - cpu, "bytes": size, "sha256": digest.hexdigest(), "status": "read"}


def _cpu() -> float:
    """CPU seconds (user + system, all threads) of this process so far."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def restore_child(url: str, manifest_path: Path, scratch: Path) -> dict[str, object]:
    """The plugin's restore test, with its S3 client built as its collector builds it."""
    from hds_backup.manifest import BackupManifest
    from hds_backup.restore import restore_test
    from hds_backup.snapshot import StoredObject
    from hds_backup.storage import get_body
    from hds_backup.target import BackupSet, RestoreSpec, StorageSpec
    from hds_s3.client import TargetClients

    os.environ.update({"HDS_BENCH_KEY": CREDENTIALS.access_key_id, "HDS_BENCH_SECRET": CREDENTIALS.secret_access_key})
    storage = StorageSpec.model_validate(
        {
            "provider": "ceph",
            "endpoint_url": url,
            "region": REGION,
            "addressing_style": "path",
            "bucket": BUCKET,
            "credentials": {
                "access_key_id": {"env": "HDS_BENCH_KEY"},
                "secret_access_key": {"env": "HDS_BENCH_SECRET"},
            },
        }
    )
    s3 = TargetClients(storage.s3_target("sauvegardes"), 3600)("s3")
    manifest = BackupManifest.loads(manifest_path.read_bytes(), str(manifest_path))
    spec = BackupSet(name="fichiers", prefix="fichiers/", format="tar", restore=RestoreSpec(scratch_dir=str(scratch)))
    stored = StoredObject(KEY, manifest.artefact.size, manifest.created_at)
    cpu, start = _cpu(), time.perf_counter()
    outcome = restore_test(lambda: get_body(s3, BUCKET, stored), spec, manifest, time.monotonic() + 3600)
    seconds = time.perf_counter() - start
    return {
        "seconds": seconds,
        "cpu_s": _cpu() - cpu,
        "bytes": manifest.artefact.size,
        "status": outcome.status,
        "message": outcome.message,
    }


def run_child(args: list[str]) -> tuple[dict[str, object], float]:
    """A child's JSON answer and its peak RSS in MB."""
    proc = subprocess.Popen([sys.executable, str(Path(__file__).resolve()), "--child", *args], stdout=subprocess.PIPE)
    assert proc.stdout is not None
    out = proc.stdout.read()
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise RuntimeError(f"child {args[0]} exited {proc.returncode}")
    return json.loads(out), usage.ru_maxrss / 1024


def measure(size_mib: int, files: int, repeat: int, workdir: Path) -> dict[str, float | str]:
    from hds_backup.manifest_build import build_manifest

    workdir.mkdir(parents=True, exist_ok=True)
    archive, manifest_path, scratch = (
        workdir / "archive.tar",
        workdir / "archive.tar.manifest.json",
        workdir / "scratch",
    )
    scratch.mkdir(exist_ok=True)
    build_archive(archive, size_mib, files)
    manifest = build_manifest(archive, "tar", compression="none")
    manifest_path.write_text(manifest.model_dump_json(), encoding="utf-8")
    m: dict[str, float | str] = {"bytes": archive.stat().st_size, "files": files}
    with S3ServerProcess() as server:
        upload(server.url, archive)
        archive.unlink()  # the restore must not find it on disk
        floors, restores = [], []
        for _ in range(repeat):
            floors.append(run_child(["floor", server.url]))
            restores.append(run_child(["restore", server.url, str(manifest_path), str(scratch)]))
    (floor, floor_rss), (restore, _) = (
        min(floors, key=lambda r: r[0]["seconds"]),
        min(restores, key=lambda r: r[0]["seconds"]),
    )
    m.update(
        floor_s=float(floor["seconds"]),
        restore_s=float(restore["seconds"]),
        floor_rss_mb=floor_rss,
        restore_rss_mb=max(rss for _, rss in restores),
        status=str(restore["status"]),
        message=str(restore.get("message", "")),
        floor_sha_ok=str(floor["sha256"] == manifest.artefact.sha256),
        runs=" ".join(
            f"{float(f['seconds']):.2f}/{float(r['seconds']):.2f}"
            for (f, _), (r, _) in zip(floors, restores, strict=True)
        ),
        cpu=f"{float(floor['cpu_s']):.2f}/{float(restore['cpu_s']):.2f}",
    )
    m["ratio"] = float(m["floor_s"]) / float(m["restore_s"])
    return m


def main() -> int:
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        kind, rest = sys.argv[2], sys.argv[3:]
        answer = floor_child(rest[0]) if kind == "floor" else restore_child(rest[0], Path(rest[1]), Path(rest[2]))
        print(json.dumps(answer))
        return 0
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size-mib", type=int, default=1024)
    parser.add_argument("--files", type=int, default=64)
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--workdir", type=Path)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as d:
        m = measure(args.size_mib, args.files, args.repeat, args.workdir or Path(d))
    mib = float(m["bytes"]) / 2**20
    rss_limit = TARGET_RSS_MB * max(1.0, mib / 1024)  # scaled down never: flat means independent of size
    ok = m["status"] == "verified" and float(m["ratio"]) >= TARGET_RATIO and float(m["restore_rss_mb"]) <= rss_limit
    print(
        f"restore: {mib:.0f} MiB tar, {m['files']} files: restore test {m['status']} in {float(m['restore_s']):.2f}s "
        f"({mib / float(m['restore_s']):.0f} MiB/s) vs download+sha256 {float(m['floor_s']):.2f}s "
        f"({mib / float(m['floor_s']):.0f} MiB/s, digest matches manifest: {m['floor_sha_ok']}) -> "
        f"{100 * float(m['ratio']):.0f}% of the floor (target >= {100 * TARGET_RATIO:.0f}%); peak RSS restore "
        f"{float(m['restore_rss_mb']):.0f} MB, floor {float(m['floor_rss_mb']):.0f} MB (target <= {TARGET_RSS_MB:g}) "
        f"-> {'OK' if ok else 'MISSED'}"
    )
    print(f"  runs (floor/restore, s): {m['runs']}; CPU of the best runs (floor/restore, s): {m['cpu']}")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
