"""The raw-socket HTTP server both misbehaving test endpoints build on (`FlakyServer`,
`HostileServer`): bound to 127.0.0.1 on a free port, a daemon thread per connection, and an
accept loop that ends when the server stops or outlives `max_s`, so a test that forgets a client
cannot leave a socket behind. Raw sockets because these servers do what a well-behaved HTTP
server never does (reset mid-answer, hang, drip)."""

from __future__ import annotations

import socket
import threading
import time
from types import TracebackType
from typing import Self


class SocketServer:
    """Subclasses implement `_handle(conn)`; `_read_request` reads one request head and drops its
    body. `connections` counts the accepted connections (retries made, and bounded)."""

    name = "socket"

    def __init__(self, max_s: float = 300.0) -> None:
        self.max_s = max_s
        self.connections = 0
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._sock.bind(("127.0.0.1", 0))
        self._sock.listen(64)
        self._sock.settimeout(0.1)
        self.port = int(self._sock.getsockname()[1])
        self._thread = threading.Thread(target=self._serve, daemon=True, name=f"{self.name}-{self.port}")
        self._started = time.monotonic()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(self, *exc: tuple[type[BaseException] | None, BaseException | None, TracebackType | None]) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        self._sock.close()

    def _stopped(self) -> bool:
        return self._stop.is_set() or time.monotonic() - self._started > self.max_s

    def _serve(self) -> None:
        while not self._stopped():
            try:
                conn, _ = self._sock.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            with self._lock:
                self.connections += 1
            threading.Thread(target=self._handle, args=(conn,), daemon=True).start()

    def _handle(self, conn: socket.socket) -> None:
        raise NotImplementedError

    def _recv(self, conn: socket.socket) -> bytes | None:
        """One read, waiting in short slices so a stopped server lets go; None when the client left."""
        while not self._stopped():
            try:
                chunk = conn.recv(65536)
            except TimeoutError:
                continue
            except OSError:
                return None
            return chunk or None
        return None

    def _read_request(self, conn: socket.socket) -> bytes | None:
        """The request head (the body, if any, is read and dropped); None when the client left."""
        conn.settimeout(0.2)
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = self._recv(conn)
            if chunk is None:
                return None
            data += chunk
        head, _, rest = data.partition(b"\r\n\r\n")
        length = 0
        for line in head.split(b"\r\n"):
            if line.lower().startswith(b"content-length:"):
                length = int(line.split(b":", 1)[1])
        while len(rest) < length:
            chunk = self._recv(conn)
            if chunk is None:
                return None
            rest += chunk
        return head
