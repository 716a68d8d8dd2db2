"""A hostile HTTP endpoint on 127.0.0.1: it answers every request, but its body is the attack.

Modes:
- `drip`: a 200 with a large Content-Length, then one byte of body every `interval` seconds
  (a per-read timeout never fires: every read gets its byte in time);
- `drip_headers`: the status line, then endless header lines, one byte every `interval` seconds;
- `huge`: a `status` answer whose body is `size` bytes, generated lazily as it is sent (the
  client's memory is what is measured, not the test's), with a Content-Length or, with
  `chunked=True`, in chunked encoding so the client cannot know the size in advance; with
  `gzip=True` the body is sent gzip-compressed (chunked): a few MB on the wire, `size` once
  decompressed (a decompression bomb);
- `echo`: a `status` answer whose body is `body`, with every `{auth}` replaced by the request's
  Authorization header value base64-encoded and `{auth_url}` by it URL-encoded (an endpoint
  that echoes the caller's credentials back, encoded).

Bounded in time: every connection ends when the server stops (or after `max_s` seconds), so
a test that forgets a client cannot leave a dripping socket behind. `requests` counts the
requests answered; `sent` the body bytes written (to prove a cap stopped the client early).
"""

from __future__ import annotations

import base64
import socket
import zlib
from urllib.parse import quote

from tests.support.socket_server import SocketServer

CHUNK = b"A" * (1024 * 1024)


class HostileServer(SocketServer):
    name = "hostile"

    def __init__(
        self,
        mode: str,
        *,
        status: int = 200,
        size: int = 300 * 1024 * 1024,
        prefix: bytes = b"",
        body: bytes = b"",
        content_type: str = "application/json",
        interval: float = 1.0,
        chunked: bool = False,
        gzip: bool = False,
        max_s: float = 300.0,
    ) -> None:
        super().__init__(max_s)
        self.mode = mode
        self.status = status
        self.size = size
        self.prefix = prefix
        self.body = body
        self.content_type = content_type
        self.interval = interval
        self.chunked = chunked or gzip
        self.gzip = gzip
        self.requests = 0
        self.sent = 0

    def _send(self, conn: socket.socket, data: bytes) -> bool:
        try:
            conn.sendall(data)
        except OSError:
            return False
        with self._lock:
            self.sent += len(data)
        return True

    def _handle(self, conn: socket.socket) -> None:
        with conn:
            while not self._stopped():
                head = self._read_request(conn)
                if head is None:
                    return
                with self._lock:
                    self.requests += 1
                conn.settimeout(5)
                if self.mode in ("drip", "drip_headers"):
                    self._drip(conn)
                    return
                if self.mode == "huge":
                    if not self._huge(conn):
                        return
                else:
                    if not self._echo(conn, head):
                        return

    def _head(self, length: int | None) -> bytes:
        framing = "Transfer-Encoding: chunked" if length is None else f"Content-Length: {length}"
        if self.gzip:
            framing += "\r\nContent-Encoding: gzip"
        return (
            f"HTTP/1.1 {self.status} Hostile\r\nContent-Type: {self.content_type}\r\n{framing}\r\n"
            "Connection: keep-alive\r\n\r\n"
        ).encode()

    def _drip(self, conn: socket.socket) -> None:
        headers = self.mode == "drip_headers"
        first = f"HTTP/1.1 {self.status} Hostile\r\nX-Drip: ".encode() if headers else self._head(self.size)
        if not self._send(conn, first):
            return
        for n in range(self.size):
            byte = b"\r\nX-Drip: " if headers and n % 50 == 49 else b"<"
            if self._stop.wait(self.interval) or self._stopped() or not self._send(conn, byte):
                return

    def _huge(self, conn: socket.socket) -> bool:
        total = len(self.prefix) + self.size
        if not self._send(conn, self._head(None if self.chunked else total)):
            return False
        pieces = [self.prefix] if self.prefix else []
        left = self.size
        packer = zlib.compressobj(1, zlib.DEFLATED, 16 + zlib.MAX_WBITS) if self.gzip else None
        while left > 0:
            if self._stopped():
                return False
            piece = CHUNK if left >= len(CHUNK) else CHUNK[:left]
            left -= len(piece)
            pieces.append(piece)
            if packer is not None:
                pieces = [packer.compress(b"".join(pieces)) + (packer.flush() if left <= 0 else b"")]
            for p in pieces:
                if not p:
                    continue
                framed = b"%x\r\n%s\r\n" % (len(p), p) if self.chunked else p
                if not self._send(conn, framed):
                    return False
            pieces = []
        return not self.chunked or self._send(conn, b"0\r\n\r\n")

    def _echo(self, conn: socket.socket, head: bytes) -> bool:
        auth = ""
        for line in head.split(b"\r\n"):
            if line.lower().startswith(b"authorization:"):
                auth = line.split(b":", 1)[1].strip().decode("latin-1")
        body = self.body.replace(b"{auth}", base64.b64encode(auth.encode())).replace(
            b"{auth_url}", quote(auth, safe="").encode()
        )
        return self._send(conn, self._head(len(body)) + body)
