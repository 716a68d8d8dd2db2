"""An S3-shaped endpoint that answers canned, valid S3 XML after a fixed delay, and may throttle.

Why: a distant endpoint (10-60 ms) and a throttling one (503 SlowDown, 429) cannot be had on
127.0.0.1 with moto, whose CPU (~3 ms per request) would be the limit. This endpoint costs tens
of microseconds per request (asyncio, no parsing beyond the request line and headers), so a
sweep against it is limited by the delay and by the concurrency the client allows.

It answers what the S3 plugin's bucket sweep asks (path-style `GET /bucket?subresource`):
location, encryption, policy (none), public access block, ACL, versioning, Object Lock (none),
logging, lifecycle (none), replication (none), and ListBuckets. Every request is recorded:
arrival time, requests in flight at arrival (itself included), path and query, status sent.

    server = CannedS3(delay_s=0.04, throttle=every_nth(5))   # in a thread of this process
    with server: ... server.url ...
    python bench/canned_s3.py --delay-ms 40 --throttle-share 0.2   # own process, prints its URL
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from email.utils import formatdate
from typing import Any

XML = '<?xml version="1.0" encoding="UTF-8"?>\n'
NS = 'xmlns="http://s3.amazonaws.com/doc/2006-03-01/"'
OWNER = "<Owner><ID>75aa57f09aa0c8caeab4f8c24e99d10f8e7faeebf76c078efc7c6caea54ba06a</ID></Owner>"


def _error(code: str, message: str) -> str:
    return f"{XML}<Error><Code>{code}</Code><Message>{message}</Message><RequestId>bench</RequestId></Error>"


ANSWERS: dict[str, tuple[int, str]] = {
    "location": (200, f"{XML}<LocationConstraint {NS}>eu-west-3</LocationConstraint>"),
    "encryption": (
        200,
        f"{XML}<ServerSideEncryptionConfiguration {NS}><Rule><ApplyServerSideEncryptionByDefault>"
        "<SSEAlgorithm>AES256</SSEAlgorithm></ApplyServerSideEncryptionByDefault>"
        "<BucketKeyEnabled>false</BucketKeyEnabled></Rule></ServerSideEncryptionConfiguration>",
    ),
    "policy": (404, _error("NoSuchBucketPolicy", "The bucket policy does not exist")),
    "publicAccessBlock": (
        200,
        f"{XML}<PublicAccessBlockConfiguration {NS}><BlockPublicAcls>true</BlockPublicAcls>"
        "<IgnorePublicAcls>true</IgnorePublicAcls><BlockPublicPolicy>true</BlockPublicPolicy>"
        "<RestrictPublicBuckets>true</RestrictPublicBuckets></PublicAccessBlockConfiguration>",
    ),
    "acl": (
        200,
        f"{XML}<AccessControlPolicy {NS}>{OWNER}<AccessControlList><Grant>"
        '<Grantee xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:type="CanonicalUser">'
        "<ID>75aa57f09aa0c8caeab4f8c24e99d10f8e7faeebf76c078efc7c6caea54ba06a</ID></Grantee>"
        "<Permission>FULL_CONTROL</Permission></Grant></AccessControlList></AccessControlPolicy>",
    ),
    "versioning": (200, f"{XML}<VersioningConfiguration {NS}><Status>Enabled</Status></VersioningConfiguration>"),
    "object-lock": (
        404,
        _error("ObjectLockConfigurationNotFoundError", "Object Lock configuration does not exist for this bucket"),
    ),
    "logging": (200, f"{XML}<BucketLoggingStatus {NS}></BucketLoggingStatus>"),
    "lifecycle": (404, _error("NoSuchLifecycleConfiguration", "The lifecycle configuration does not exist")),
    "replication": (
        404,
        _error("ReplicationConfigurationNotFoundError", "The replication configuration was not found"),
    ),
}
LIST_BUCKETS = f"{XML}<ListAllMyBucketsResult {NS}>{OWNER}<Buckets></Buckets></ListAllMyBucketsResult>"


@dataclass(frozen=True, slots=True)
class Throttle:
    status: int = 503
    retry_after: str | None = None
    """The Retry-After header to send, if any (seconds, or an HTTP date)."""


@dataclass(slots=True)
class Request:
    arrived: float
    in_flight: int
    target: str
    status: int = 0
    answered: float = 0.0


ThrottlePolicy = Callable[["Request", int], Throttle | None]
"""(the request, how many times the same path and query were seen before) → throttle or not."""


def share(fraction: float, retry_after: str | None = None, seed: int = 7) -> ThrottlePolicy:
    """Throttle about `fraction` of requests (503 SlowDown), at random."""
    rng = random.Random(seed)

    def policy(_: Request, __: int) -> Throttle | None:
        return Throttle(503, retry_after) if rng.random() < fraction else None

    return policy


def http_date_in(seconds: float) -> str:
    return formatdate(time.time() + seconds, usegmt=True)


@dataclass
class CannedS3:
    delay_s: float = 0.0
    throttle: ThrottlePolicy | None = None
    host: str = "127.0.0.1"
    port: int = 0
    requests: list[Request] = field(default_factory=list)
    in_flight: int = 0
    url: str = ""
    last_answer_wall: float = 0.0
    """time.time() of the last answer sent: when the sweep's last request to this endpoint ended."""
    _seen: dict[str, int] = field(default_factory=dict)
    _loop: asyncio.AbstractEventLoop | None = None
    _thread: threading.Thread | None = None

    # -- protocol -------------------------------------------------------------------------
    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                lines = head.decode("latin-1").split("\r\n")
                method, target, _ = lines[0].split(" ", 2)
                length = 0
                for line in lines[1:]:
                    if line[:15].lower() == "content-length:":
                        length = int(line[15:].strip() or 0)
                if length:
                    await reader.readexactly(length)
                self.in_flight += 1
                request = Request(time.monotonic(), self.in_flight, target)
                self.requests.append(request)
                seen = self._seen.get(target, 0)
                self._seen[target] = seen + 1
                if self.delay_s:
                    await asyncio.sleep(self.delay_s)
                status, body, extra = self._answer(method, target, request, seen)
                data = body.encode()
                headers = f"HTTP/1.1 {status} X\r\nContent-Type: application/xml\r\nContent-Length: {len(data)}\r\n"
                headers += "x-amz-request-id: bench\r\n" + extra + "\r\n"
                request.status, request.answered = status, time.monotonic()
                self.in_flight -= 1
                self.last_answer_wall = time.time()
                writer.write(headers.encode() + data)
                await writer.drain()
        except (asyncio.IncompleteReadError, asyncio.CancelledError, ConnectionError, ValueError):
            pass
        finally:
            writer.close()

    def _answer(self, method: str, target: str, request: Request, seen: int) -> tuple[int, str, str]:
        throttle = self.throttle(request, seen) if self.throttle is not None else None
        if throttle is not None:
            extra = f"Retry-After: {throttle.retry_after}\r\n" if throttle.retry_after is not None else ""
            if throttle.status == 429:
                return 429, _error("TooManyRequestsException", "Too many requests"), extra
            return throttle.status, _error("SlowDown", "Please reduce your request rate."), extra
        path, _, query = target.partition("?")
        if path in ("", "/"):
            return 200, LIST_BUCKETS, ""
        sub = query.split("&", 1)[0].split("=", 1)[0]
        status, body = ANSWERS.get(sub, (400, _error("InvalidRequest", "not in the canned endpoint")))
        return (status, body, "") if method == "GET" else (405, _error("MethodNotAllowed", method), "")

    # -- lifecycle ------------------------------------------------------------------------
    def __enter__(self) -> CannedS3:
        started = threading.Event()

        def serve() -> None:
            loop = self._loop = asyncio.new_event_loop()
            asyncio.set_event_loop(loop)
            server = loop.run_until_complete(asyncio.start_server(self._handle, self.host, self.port, backlog=1024))
            self.port = server.sockets[0].getsockname()[1]
            self.url = f"http://{self.host}:{self.port}"
            started.set()
            loop.run_forever()
            server.close()
            tasks = asyncio.all_tasks(loop)
            for task in tasks:
                task.cancel()
            loop.run_until_complete(asyncio.gather(*tasks, return_exceptions=True))
            loop.close()

        self._thread = threading.Thread(target=serve, name="canned-s3", daemon=True)
        self._thread.start()
        started.wait(10)
        return self

    def __exit__(self, *_: Any) -> None:
        if self._loop is not None:
            self._loop.call_soon_threadsafe(self._loop.stop)
        if self._thread is not None:
            self._thread.join(10)

    def max_in_flight(self, since: int = 0) -> int:
        return max((r.in_flight for r in self.requests[since:]), default=0)

    def throttled(self) -> int:
        return sum(1 for r in self.requests if r.status in (429, 503))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--delay-ms", type=float, default=40.0)
    parser.add_argument("--throttle-share", type=float, default=0.0)
    parser.add_argument("--retry-after", default=None)
    args = parser.parse_args()
    policy = share(args.throttle_share, args.retry_after) if args.throttle_share else None
    with CannedS3(args.delay_ms / 1000, policy) as server:
        print(server.url, flush=True)
        sys.stdin.read()  # serve until the parent closes our stdin
        stats = {
            "requests": len(server.requests),
            "throttled": server.throttled(),
            "max_in_flight": server.max_in_flight(),
            "last_answer_wall": server.last_answer_wall,
        }
        print(json.dumps(stats), flush=True)


if __name__ == "__main__":
    main()
