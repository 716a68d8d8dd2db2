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
from types import TracebackType

from tests.support.socket_server import SocketServer


def refused_port() -> int:
    """A port nothing listens on: bound, then closed."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


REASONS = {429: "Too Many Requests", 500: "Internal Server Error", 503: "Service Unavailable"}


class FlakyServer(SocketServer):
    name = "flaky"

    def __init__(self, mode: str | int, body: bytes = b"", content_type: str = "application/xml") -> None:
        super().__init__()
        self.mode = mode
        self.body = body
        self.content_type = content_type
        self._held: list[socket.socket] = []

    def __exit__(self, *exc: tuple[type[BaseException] | None, BaseException | None, TracebackType | None]) -> None:
        super().__exit__(*exc)
        with self._lock:
            for conn in self._held:
                conn.close()

    @staticmethod
    def _reset(conn: socket.socket) -> None:
        conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        conn.close()

    def _handle(self, conn: socket.socket) -> None:
        if self.mode == "reset_on_accept":
            self._reset(conn)
            return
        while not self._stop.is_set():  # keep-alive: answer each request on the connection
            if self._read_request(conn) is None:
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
