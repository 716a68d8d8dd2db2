"""A real local Redfish server: `sushy-static` (sushy-tools) on 127.0.0.1, serving one mockup
tree, stopped when the context ends.

sushy-static prints every request's headers (the Authorization header included) on its
standard output: it goes to /dev/null, never to a log. Its standard error (one line per request)
goes to an unlinked temporary file, read only to explain a failed start: a pipe nobody reads
would fill after a few hundred requests and stop the server."""

from __future__ import annotations

import importlib.util
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from types import TracebackType
from typing import IO

START_TIMEOUT_S = 30.0


def sushy_tools_installed() -> bool:
    return importlib.util.find_spec("sushy_tools") is not None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class LocalRedfishServer:
    """`with LocalRedfishServer(mockup) as server: server.url` — https when a cert is given."""

    def __init__(self, mockup: Path, cert: Path | None = None, key: Path | None = None) -> None:
        self.mockup = mockup
        self.cert, self.key = cert, key
        self.port = 0
        self._proc: subprocess.Popen[bytes] | None = None
        self._stderr: IO[bytes] | None = None

    @property
    def url(self) -> str:
        return f"{'https' if self.cert else 'http'}://127.0.0.1:{self.port}"

    def start(self) -> LocalRedfishServer:
        """Start without waiting (see `wait_ready`), so several servers start side by side."""
        self.port = free_port()
        cmd = [sys.executable, "-m", "sushy_tools.static.main", "-i", "127.0.0.1", "-p", str(self.port)]
        cmd += ["-m", str(self.mockup)]
        if self.cert and self.key:
            cmd += ["-c", str(self.cert), "-k", str(self.key)]
        self._stderr = tempfile.TemporaryFile()  # noqa: SIM115 -- lives as long as the server, closed by stop()
        self._proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=self._stderr)
        return self

    def wait_ready(self) -> None:
        assert self._proc is not None
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            if self._proc.poll() is not None:
                code = self._proc.returncode
                err = self._read_stderr()
                self.stop()
                raise RuntimeError(f"sushy-static exited ({code}): {err}")
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return
            except OSError:
                time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"sushy-static did not listen on 127.0.0.1:{self.port} within {START_TIMEOUT_S:g}s")

    def stop(self) -> None:
        proc, self._proc = self._proc, None
        if proc is not None:
            self._terminate(proc)
        if self._stderr is not None:
            self._stderr.close()
            self._stderr = None

    @staticmethod
    def _terminate(proc: subprocess.Popen[bytes]) -> None:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)

    def _read_stderr(self) -> str:
        if self._stderr is None:
            return ""
        self._stderr.seek(0)
        tail = self._stderr.read()[-500:].decode(errors="replace")
        return "".join(c if c.isprintable() else "?" for c in tail)

    def __enter__(self) -> LocalRedfishServer:
        self.start().wait_ready()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()
