"""A BMC that misbehaves, as a small socket server on 127.0.0.1: it hangs, resets the
connection, answers garbage or HTML, drips its answer one byte per second, or announces a
body of gigabytes. Bounded: every connection ends when the server stops."""

from __future__ import annotations

import socket
import struct
import threading
import time
from types import TracebackType

MODES = ("hang", "reset", "garbage", "html", "drip", "huge")


class HostileBmc:
    def __init__(self, mode: str) -> None:
        assert mode in MODES
        self.mode = mode
        self._stop = threading.Event()
        self._sock = socket.create_server(("127.0.0.1", 0))
        self._sock.settimeout(0.2)
        self.port = self._sock.getsockname()[1]
        self.connections = 0
        self._thread = threading.Thread(target=self._serve, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> HostileBmc:
        self._thread.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._stop.set()
        self._thread.join(timeout=10)
        self._sock.close()

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self._sock.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            self.connections += 1
            threading.Thread(target=self._handle, args=(conn,), daemon=True).start()

    def _handle(self, conn: socket.socket) -> None:
        with conn:
            conn.settimeout(0.5)
            try:
                conn.recv(65536)
            except OSError:
                return
            try:
                self._answer(conn)
            except OSError:
                return

    def _answer(self, conn: socket.socket) -> None:
        if self.mode == "hang":
            self._stop.wait(60)
        elif self.mode == "reset":
            conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        elif self.mode == "garbage":
            conn.sendall(b"\x16\x03\x01\x00\xa5\x01\x00\x00\xa1\x03\x03 garbage \x00\xff\r\n\r\n")
        elif self.mode == "html":
            body = b"<html><body>\x1b[31mlogin</body></html>"
            conn.sendall(
                b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: %d\r\n\r\n%s" % (len(body), body)
            )
        elif self.mode == "drip":
            conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n")
            while not self._stop.wait(1.0):
                conn.sendall(b" ")
        elif self.mode == "huge":
            conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n\r\n[")
            chunk = b"0," * 32768
            deadline = time.monotonic() + 60
            while not self._stop.is_set() and time.monotonic() < deadline:
                conn.sendall(chunk)
