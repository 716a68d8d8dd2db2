"""A restore test in a child process, driven by the test: it announces each scratch resource on
stdout, and once the scratch database exists it waits for a line on stdin before restoring, so
the test can make the restore block mid-way and then kill or interrupt this process.

    python restore_child.py '{"set": {...}, "manifest": PATH, "artefact": PATH}'
"""

from __future__ import annotations

import json
import sys
import time

from hds_backup.manifest import BackupManifest
from hds_backup.restore import restore_test
from hds_backup.target import BackupSet


def main() -> None:
    spec = json.loads(sys.argv[1])
    backup_set = BackupSet.model_validate(spec["set"])
    with open(spec["manifest"], "rb") as fh:
        manifest = BackupManifest.loads(fh.read(), spec["manifest"])

    def announce(kind: str, name: str) -> None:
        print(kind, name, flush=True)
        if kind == "database":
            sys.stdin.readline()

    def body():
        return open(spec["artefact"], "rb")

    outcome = restore_test(body, backup_set, manifest, time.monotonic() + 300, "child", announce)
    print("outcome", outcome.status, flush=True)


if __name__ == "__main__":
    main()
