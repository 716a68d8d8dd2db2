"""A misbehaving endpoint on 127.0.0.1 for the unreliable-endpoint tests: raw sockets, so it can
do what a well-behaved HTTP server never does (reset mid-response, accept and never answer).

Modes:
- `refuse`: nothing listens (`refused_port()`), the connection is refused;
- `reset`: answers the status line and part of the body, then resets the connection (RST);
- `reset_on_accept`: resets as soon as the connection is accepted (a TLS handshake sees a reset);
- `hang`: accepts, reads, never answers (until the server stops);
- an HTTP status (500, 503, 429...) with `body` and `content_type`: answered to every request.
Every accepted connection is counted (`connections`), to prove retries happened and were bounded.
"""

from __future__ import annotations

import socket
import struct
import threading
from types import TracebackType


def refused_port() -> int:
    """A port nothing listens on: bound, then closed."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


REASONS = {429: "Too Many Requests", 500: "Internal Server Error", 503: "Service Unavailable"}


class FlakyServer:
    def __init__(self, mode: str | int, body: bytes = b"", content_type: str = "application/xml") -> None:
        self.mode = mode
        self.body = body
        self.content_type = content_type
        self.connections = 0
        self._stop = threading.Event()
        self._held: list[socket.socket] = []
        self._lock = threading.Lock()
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._sock.bind(("127.0.0.1", 0))
        self._sock.listen(64)
        self._sock.settimeout(0.1)
        self.port = int(self._sock.getsockname()[1])
        self._thread = threading.Thread(target=self._serve, daemon=True, name=f"flaky-{self.port}")

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> FlakyServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: tuple[type[BaseException] | None, BaseException | None, TracebackType | None]) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        with self._lock:
            for conn in self._held:
                conn.close()
        self._sock.close()

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self._sock.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            with self._lock:
                self.connections += 1
            threading.Thread(target=self._handle, args=(conn,), daemon=True).start()

    @staticmethod
    def _reset(conn: socket.socket) -> None:
        conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        conn.close()

    def _read_request(self, conn: socket.socket) -> bool:
        conn.settimeout(5)
        data = b""
        try:
            while b"\r\n\r\n" not in data:
                chunk = conn.recv(65536)
                if not chunk:
                    return False
                data += chunk
        except OSError:
            return False
        head, _, rest = data.partition(b"\r\n\r\n")
        length = next(
            (
                int(line.split(b":", 1)[1])
                for line in head.split(b"\r\n")
                if line.lower().startswith(b"content-length:")
            ),
            0,
        )
        try:
            while len(rest) < length:
                chunk = conn.recv(65536)
                if not chunk:
                    break
                rest += chunk
        except OSError:
            return False
        return True

    def _handle(self, conn: socket.socket) -> None:
        if self.mode == "reset_on_accept":
            self._reset(conn)
            return
        while not self._stop.is_set():  # keep-alive: answer each request on the connection
            if not self._read_request(conn):
                conn.close()
                return
            if self.mode == "hang":
                with self._lock:
                    self._held.append(conn)
                return
            if self.mode == "reset":
                conn.sendall(
                    b"HTTP/1.1 200 OK\r\nContent-Type: application/xml\r\nContent-Length: 4096\r\n\r\n<Partial"
                )
                self._reset(conn)
                return
            status = int(self.mode)
            head = (
                f"HTTP/1.1 {status} {REASONS.get(status, 'Error')}\r\nContent-Type: {self.content_type}\r\n"
                f"Content-Length: {len(self.body)}\r\nRetry-After: 0\r\n\r\n"
            )
            try:
                conn.sendall(head.encode() + self.body)
            except OSError:
                return
