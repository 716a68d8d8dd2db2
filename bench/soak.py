"""Crash-safety soak: many more kill points than the test suite, on SQLite and PostgreSQL.

`hdsctl run` (then `hdsctl run --resume`) is killed again and again at random numbers of stored
results — SIGKILL, and SIGTERM for a share of them — over a fleet of slow-ish targets of the
reliability test plugin; after each kill only whole checks may be stored and the run must show
as interrupted; in the end every run holds every planned check exactly once and `hdsctl evidence
verify` passes. The same harness as tests/reliability/test_crash_resume.py, for longer.

Usage: python bench/soak.py [--kills 100] [--store sqlite|postgresql|both] [--seed N]
Prints one line per store; exits 1 on the first broken guarantee (with the seed to replay it).
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.reliability.harness import install_plugins, kill_and_resume, plugin_env
from tests.support.postgres import PostgresServer, find_bindir


def soak(store: str, kills: int, seed: int, tenants: int, targets: int) -> str:
    with tempfile.TemporaryDirectory(prefix="hds-soak-") as d:
        work = Path(d)
        env = plugin_env(install_plugins(work / "site"))
        started = time.monotonic()
        if store == "postgresql":
            bindir = find_bindir()
            if bindir is None:
                return "postgresql: skipped (no server binaries)"
            with PostgresServer(bindir) as server:
                location = server.url(server.create_database())
                summary = kill_and_resume(work, env, location, seed, kills, tenants, targets, sigterm_share=0.2)
        else:
            location = str(work / "evidence.sqlite")
            summary = kill_and_resume(work, env, location, seed, kills, tenants, targets, sigterm_share=0.2)
        killed = [k for k in summary.kills if not k.exited_by_itself]
        return (
            f"{store}: {len(killed)} kills over {len(summary.runs)} runs, {summary.results} results, every "
            f"planned check stored once, chains verified ({time.monotonic() - started:.0f} s, seed {seed})"
        )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kills", type=int, default=100)
    parser.add_argument("--store", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--seed", type=int, default=random.randrange(1_000_000))
    parser.add_argument("--tenants", type=int, default=10)
    parser.add_argument("--targets", type=int, default=3)
    args = parser.parse_args()
    stores = ["sqlite", "postgresql"] if args.store == "both" else [args.store]
    for store in stores:
        try:
            print(soak(store, args.kills, args.seed, args.tenants, args.targets), flush=True)
        except AssertionError as exc:
            print(f"{store}: FAILED (seed {args.seed}): {exc}", flush=True)
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
