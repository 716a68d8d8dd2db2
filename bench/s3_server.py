"""The local S3 endpoint of the benchmarks, in its own process.

Why a process of its own: moto's server costs ~3 ms of CPU per request; run in the process being
measured it would be charged to it (and would compete for its GIL). Here it runs beside it, and
counts what it serves: every API request is logged with its arrival time, so a benchmark can
count requests per bucket and see when a sweep sent its first one.

    python bench/s3_server.py        # prints the endpoint URL on its first line, serves until
                                     # stdin closes (the parent exits) or SIGTERM

Beside moto's API, two bench routes: `GET /hds-bench/requests?since=N` (JSON list of the requests
logged from index N: [time, method, path, query]) and `POST /hds-bench/clear`.
`S3ServerProcess` (below) starts and drives it from a benchmark.
"""

from __future__ import annotations

import contextlib
import json
import logging
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

BENCH_PREFIX = "/hds-bench/"


class _Counting:
    """WSGI middleware: log every API request, answer the bench routes."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.log: list[tuple[float, str, str, str]] = []
        self.lock = threading.Lock()

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        path = environ.get("PATH_INFO", "")
        if path.startswith(BENCH_PREFIX):
            return self._bench(path[len(BENCH_PREFIX) :], environ, start_response)
        if not path.startswith("/moto-api"):
            entry = (time.time(), environ.get("REQUEST_METHOD", ""), path, environ.get("QUERY_STRING", ""))
            with self.lock:
                self.log.append(entry)
        return self.app(environ, start_response)

    def _bench(self, route: str, environ: dict[str, Any], start_response: Any) -> list[bytes]:
        if route == "clear":
            with self.lock:
                self.log.clear()
            body = b"[]"
        else:
            since = int(parse_qs(environ.get("QUERY_STRING", "")).get("since", ["0"])[0])
            with self.lock:
                body = json.dumps(self.log[since:]).encode()
        start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
        return [body]


def serve() -> None:
    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    wsgi = server._server  # moto 5 keeps its werkzeug server here (see hds_s3.demo.local_endpoint)
    wsgi.app = _Counting(wsgi.app)
    host, port = server.get_host_and_port()
    print(f"http://{host}:{port}", flush=True)
    with contextlib.suppress(KeyboardInterrupt):
        sys.stdin.read()  # until the parent closes our stdin (or dies)
    server.stop()


class S3ServerProcess:
    """Start `serve()` in a child process; read its request log."""

    def __init__(self) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, str(Path(__file__).resolve())],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self.proc.stdout is not None
        self.url = self.proc.stdout.readline().strip()
        if not self.url.startswith("http://"):
            self.stop()
            raise RuntimeError("the S3 endpoint process did not start (is moto[server] installed?)")

    def __enter__(self) -> S3ServerProcess:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def stop(self) -> None:
        if self.proc.poll() is None:
            assert self.proc.stdin is not None
            self.proc.stdin.close()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def requests(self, since: int = 0) -> list[tuple[float, str, str, str]]:
        with urllib.request.urlopen(f"{self.url}{BENCH_PREFIX}requests?since={since}", timeout=60) as answer:
            return [tuple(r) for r in json.load(answer)]  # type: ignore[misc]

    def clear(self) -> None:
        request = urllib.request.Request(f"{self.url}{BENCH_PREFIX}clear", data=b"", method="POST")
        with urllib.request.urlopen(request, timeout=10) as answer:
            answer.read()


if __name__ == "__main__":
    serve()
