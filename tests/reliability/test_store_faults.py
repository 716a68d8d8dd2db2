"""Issue 20 case 8 and issue 18 item 5: store faults. "database or disk is full" ended in a
traceback with exit 1 (read as "controls failed"); a store file with a corrupted page passed
`evidence verify` and `run` wrote into it; a foreign file given as --store printed ~100 lines of
SQLAlchemy traceback. Now: a foreign file is bad input (exit 2, one line, untouched); a full,
read-only or corrupted store is a store fault (exit 3, one line, no traceback); `evidence verify`
runs SQLite's integrity_check first and `run` its quick_check, refusing a corrupted store; a store
on a read-only filesystem can still be read.

Disk full is real: SQLite's own limit (`PRAGMA max_page_count`, set on every connection of the
in-process CLI) and, where the kernel lets us, a 1 MiB tmpfs in a private mount namespace."""

from __future__ import annotations

import hashlib
import shutil
import sqlite3
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import event
from sqlalchemy.engine import Engine

from tests.reliability.evidence_runs import TENANTS, Runs, hdsctl
from tests.reliability.harness import HDSCTL

ALPHA = TENANTS[0]


def one_line(out, code: int, *needles: str) -> None:
    """The exit code, one line on stderr containing every needle, no traceback anywhere."""
    if out.exception is not None and not isinstance(out.exception, SystemExit):
        raise AssertionError(f"uncaught {type(out.exception).__name__}: {out.exception}") from out.exception
    assert out.exit_code == code, (out.exit_code, out.output)
    lines = out.stderr.splitlines()
    assert len(lines) == 1, out.stderr
    assert lines[0].startswith("hdsctl: error: ")
    for needle in needles:
        assert needle in lines[0], lines[0]
    assert "Traceback" not in out.output


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def read_commands(store: Path, workdir: Path) -> dict[str, list[str]]:
    return {
        "runs list": ["runs", "list", "--store", str(store)],
        "evidence verify": ["evidence", "verify", "--store", str(store)],
        "report": ["report", "--store", str(store), "--tenant", ALPHA, "--format", "json", "-o", "-"],
        "run": ["run", "-c", str(workdir / "hds.yaml"), "--store", str(store)],
    }


@pytest.fixture
def runs(tmp_path: Path) -> Runs:
    r = Runs(tmp_path)
    r.run()
    return r


@pytest.mark.parametrize("command", ["runs list", "evidence verify", "report", "run"])
def test_a_file_that_is_not_sqlite_is_bad_input_and_left_untouched(runs: Runs, tmp_path: Path, command: str) -> None:
    foreign = tmp_path / "corrupt.sqlite"
    foreign.write_bytes(b"PK\x03\x04 not a database " * 400)
    before = digest(foreign)
    out = hdsctl(*read_commands(foreign, tmp_path)[command])
    one_line(out, 2, str(foreign), "is not an SQLite evidence store")
    assert digest(foreign) == before


@pytest.mark.parametrize("command", ["runs list", "evidence verify", "run"])
def test_another_applications_sqlite_database_is_never_written_into(runs: Runs, tmp_path: Path, command: str) -> None:
    foreign = tmp_path / "app.db"
    conn = sqlite3.connect(foreign)
    conn.execute("CREATE TABLE users (name TEXT)")
    conn.commit()
    conn.close()
    out = hdsctl(*read_commands(foreign, tmp_path)[command])
    one_line(out, 2, "is not an evidence store (it holds other tables: users)")
    names = {r[0] for r in sqlite3.connect(foreign).execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert names == {"users"}


@pytest.fixture
def page_limit() -> Iterator[dict[str, int]]:
    """`PRAGMA max_page_count` on every new SQLite connection of this process while set."""
    limit: dict[str, int] = {}

    def apply(dbapi_conn, _record) -> None:
        if "pages" in limit:
            dbapi_conn.execute(f"PRAGMA max_page_count = {limit['pages']}")

    event.listen(Engine, "connect", apply)
    yield limit
    event.remove(Engine, "connect", apply)


def page_count(store: Path) -> int:
    conn = sqlite3.connect(store)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    count = conn.execute("PRAGMA page_count").fetchone()[0]
    conn.close()
    return int(count)


@pytest.mark.parametrize("spare_pages", [0, 2])
def test_a_full_disk_is_a_store_fault_not_failed_controls(runs: Runs, page_limit, spare_pages: int) -> None:
    page_limit["pages"] = page_count(runs.store) + spare_pages
    out = hdsctl("run", "-c", str(runs.fleet), "--store", str(runs.store), "--signing-key", str(runs.key))
    one_line(out, 3, str(runs.store), "the disk is full", "database or disk is full")
    page_limit.clear()
    verified = runs.verify("--format", "json")  # what was written before the disk filled up is intact
    assert verified.exit_code == 0, verified.output
    import json

    listed = json.loads(hdsctl("runs", "list", "--store", str(runs.store), "--format", "json").stdout)
    assert [r["run_id"] for r in listed if r["status"] == "completed"] == runs.run_ids  # the cut run is not


def corrupt_an_index_page(store: Path) -> None:
    """Overwrite the end of one index page: SQLite reads it only when that index is used, so a
    plain read of the evidence does not notice (what issue 20 saw)."""
    conn = sqlite3.connect(store)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    size = conn.execute("PRAGMA page_size").fetchone()[0]
    (root,) = conn.execute("SELECT rootpage FROM sqlite_master WHERE name = 'sqlite_autoindex_results_1'").fetchone()
    conn.close()
    with store.open("r+b") as f:
        f.seek(root * size - 64)
        f.write(b"\xff" * 64)


def test_a_corrupted_page_fails_verify_and_run_refuses_the_store(runs: Runs) -> None:
    corrupt_an_index_page(runs.store)
    before = digest(runs.store)
    out = runs.verify()
    one_line(out, 3, "the store is corrupted")
    refused = hdsctl("run", "-c", str(runs.fleet), "--store", str(runs.store))
    one_line(refused, 3, "the store is corrupted")
    assert digest(runs.store) == before


# -- real filesystems, in a private mount namespace (root and unshare needed) -------------------


def namespace_available(tmp_path: Path) -> bool:
    if shutil.which("unshare") is None:
        return False
    probe = tmp_path / "probe"
    probe.mkdir()
    done = subprocess.run(
        ["unshare", "-m", "sh", "-c", f"mount -t tmpfs -o size=64k tmpfs {probe}"], capture_output=True, timeout=60
    )
    return done.returncode == 0


def in_namespace(setup: str, *args: str) -> subprocess.CompletedProcess[str]:
    command = " ".join(f"'{a}'" for a in (HDSCTL, *args))
    return subprocess.run(
        ["unshare", "-m", "sh", "-c", f"{setup} && exec {command}"], capture_output=True, text=True, timeout=300
    )


def clean_fault(done: subprocess.CompletedProcess[str], code: int, *needles: str) -> None:
    assert done.returncode == code, (done.returncode, done.stdout, done.stderr)
    lines = done.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("hdsctl: error: "), done.stderr
    assert all(n in lines[0] for n in needles), lines[0]


def test_a_really_full_filesystem_is_a_store_fault(runs: Runs, tmp_path: Path) -> None:
    if not namespace_available(tmp_path):
        pytest.skip("no private mount namespace here (unshare -m and mount need root)")
    disk = tmp_path / "disk"
    disk.mkdir()
    size_kib = runs.store.stat().st_size // 1024 + 24  # the store fits, a second run does not
    setup = f"mount -t tmpfs -o size={size_kib}k tmpfs {disk} && cp {runs.store} {disk}/evidence.sqlite"
    done = in_namespace(setup, "run", "-c", str(runs.fleet), "--store", f"{disk}/evidence.sqlite")
    clean_fault(done, 3, "the disk is full")


def test_a_store_on_a_read_only_filesystem_is_read_but_never_written(runs: Runs, tmp_path: Path) -> None:
    if not namespace_available(tmp_path):
        pytest.skip("no private mount namespace here (unshare -m and mount need root)")
    archive = tmp_path / "archive"
    archive.mkdir()
    shutil.copyfile(runs.store, archive / "evidence.sqlite")
    setup = f"mount --bind {archive} {archive} && mount -o remount,ro,bind {archive}"
    store = str(archive / "evidence.sqlite")
    listed = in_namespace(setup, "runs", "list", "--store", store, "--format", "json")
    assert listed.returncode == 0 and runs.run_ids[0] in listed.stdout, listed.stderr
    verified = in_namespace(setup, "evidence", "verify", "--store", store, "--public-key", str(runs.public_key))
    assert verified.returncode == 0 and f"{ALPHA}: SEALED" in verified.stdout, verified.stdout + verified.stderr
    report = in_namespace(setup, "report", "--store", store, "--tenant", ALPHA, "--format", "json", "-o", "-")
    assert report.returncode == 0, report.stderr
    written = in_namespace(setup, "run", "-c", str(runs.fleet), "--store", store)
    clean_fault(written, 3, "read-only filesystem")


@pytest.mark.parametrize("command", ["runs list", "evidence verify", "report"])
def test_a_full_disk_does_not_stop_reading_the_store(runs: Runs, page_limit, command: str) -> None:
    page_limit["pages"] = page_count(runs.store)  # not one page more can be written
    out = hdsctl(*read_commands(runs.store, runs.workdir)[command])
    assert out.exit_code == 0, out.output
    assert "hdsctl: error" not in out.output
