"""PostgreSQL client tools (pg_dump, pg_restore, psql): where they are, their version, and running one
within a deadline with the connection in its environment, never on its command line, never
through a shell. Shared through `api` (hds_backup restores dumps with them; this plugin's
reversibility export dumps with them)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from controlplane.secrets import redact


class ToolTimeout(Exception):
    """The tool did not finish within its time budget (it was killed)."""


def find_client_bindir(configured: str | None, tool: str = "pg_restore") -> Path:
    """Where the PostgreSQL client tools are: the target's `pg_bindir`, $HDS_PG_BINDIR, Debian's
    newest /usr/lib/postgresql/N/bin, else PATH. pg_restore must be at least as new as the
    pg_dump that wrote the artefact (and pg_dump as new as the server it dumps)."""
    candidates: list[Path] = []
    if configured:
        candidates.append(Path(configured))
    elif os.environ.get("HDS_PG_BINDIR"):
        candidates.append(Path(os.environ["HDS_PG_BINDIR"]))
    else:
        found = [p for p in Path("/usr/lib/postgresql").glob("*/bin") if (p / tool).exists()]
        candidates.extend(
            sorted(found, key=lambda p: [int(x) for x in re.findall(r"\d+", p.parent.name)], reverse=True)
        )
        on_path = shutil.which(tool)
        if on_path:
            candidates.append(Path(on_path).parent)
    for directory in candidates:
        if (directory / tool).exists():
            return directory
    raise FileNotFoundError(f"{tool} not found (install postgresql-client, or set pg_bindir)")


def tool_version(bindir: Path, tool: str) -> str:
    result = subprocess.run([str(bindir / tool), "--version"], capture_output=True, text=True, check=False, timeout=30)
    return result.stdout.strip()


@dataclass(frozen=True)
class ToolRun:
    returncode: int
    stderr_tail: str
    seconds: float


def run_tool(argv: list[str], env: Mapping[str, str], deadline: float, stdin_path: Path | None = None) -> ToolRun:
    """Run a client tool until it ends or the deadline passes (then kill it and raise
    `ToolTimeout`). Always reaped, also when the caller is interrupted. stderr is kept short and
    redacted; stdout is discarded (write output with the tool's own file option)."""
    start = time.monotonic()
    stdin = stdin_path.open("rb") if stdin_path is not None else subprocess.DEVNULL
    try:
        with subprocess.Popen(
            argv, stdin=stdin, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=dict(env), cwd="/"
        ) as proc:
            try:
                _, err = proc.communicate(timeout=max(0.0, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.communicate()
                raise ToolTimeout(f"{Path(argv[0]).name} did not finish within the time budget") from None
            except BaseException:
                proc.kill()
                raise
    finally:
        if stdin_path is not None:
            stdin.close()  # type: ignore[union-attr]
    text = err.decode("utf-8", "replace").strip()
    tail = redact("\n".join(text.splitlines()[-5:]))[-1000:]
    return ToolRun(proc.returncode, tail, time.monotonic() - start)
