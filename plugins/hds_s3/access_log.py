"""Parse one S3 server access log line (AWS format, which S3-compatible HDS clouds write too):

    OWNER BUCKET [06/Feb/2019:00:00:38 +0000] REMOTE_IP REQUESTER REQUEST_ID OPERATION KEY
    "REQUEST-URI" HTTP_STATUS ERROR_CODE BYTES_SENT OBJECT_SIZE ... "REFERER" "USER-AGENT" ...

`-` means "no value"; fields may be added at the end of the line over time, so only the first
eleven are read. A line that does not match is malformed (counted, skipped), never an error.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone
from typing import NamedTuple

LINE = re.compile(
    rb'^(\S+) (\S+) \[([^\]]{1,40})\] (\S+) (\S+) (\S+) (\S+) (\S+) "((?:[^"\\]|\\.)*)" (\S+) (\S+)(?: |$)'
)
_MONTHS = {m: i for i, m in enumerate("Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split(), 1)}  # noqa: SIM905


class AccessLine(NamedTuple):
    bucket: str
    when: datetime
    remote_ip: str
    requester: str
    operation: str
    key: str
    status: str
    error_code: str


class Malformed(ValueError):
    pass


_last_stamp: tuple[bytes, datetime] = (b"", datetime.min.replace(tzinfo=UTC))


def parse_time(text: bytes) -> datetime:
    """`06/Feb/2019:00:00:38 +0000`, by slicing (strptime costs ten times more; consecutive lines
    repeat the same second, so the last one is kept)."""
    global _last_stamp
    if text == _last_stamp[0]:
        return _last_stamp[1]
    try:
        s = text.decode("ascii")
        when = datetime(
            int(s[7:11]), _MONTHS[s[3:6]], int(s[0:2]), int(s[12:14]), int(s[15:17]), int(s[18:20]), tzinfo=UTC
        )
        offset = s[21:26]
        if len(s) != 26 or s[20] != " " or offset[0] not in "+-":
            raise Malformed("bad time")
        if offset != "+0000":
            delta = timedelta(hours=int(offset[1:3]), minutes=int(offset[3:5]))
            zone = timezone(delta if offset[0] == "+" else -delta)
            when = when.replace(tzinfo=zone).astimezone(UTC)
    except (KeyError, ValueError, UnicodeDecodeError):
        raise Malformed("bad time") from None
    _last_stamp = (text, when)
    return when


def _text(value: bytes) -> str:
    return "" if value == b"-" else value.decode("utf-8", "replace")


def parse_line(line: bytes) -> AccessLine:
    match = LINE.match(line)
    if match is None:
        raise Malformed("not an S3 server access log line")
    g = match.groups()
    return AccessLine(
        bucket=g[1].decode("utf-8", "replace"),
        when=parse_time(g[2]),
        remote_ip=_text(g[3]),
        requester=_text(g[4]),
        operation=_text(g[6]),
        key=_text(g[7]),
        status=_text(g[9]),
        error_code=_text(g[10]),
    )


def format_line(
    bucket: str,
    when: datetime,
    requester: str,
    operation: str,
    key: str = "-",
    remote_ip: str = "192.0.2.10",
    status: int = 200,
    error_code: str = "-",
    request_id: str = "3E57427F3EXAMPLE",
) -> str:
    """One line in the AWS server access log format, as the log delivery writes it (for the
    demo's log objects, tests and benchmarks)."""
    stamp = when.astimezone(UTC).strftime("%d/%b/%Y:%H:%M:%S +0000")
    owner = "79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be"
    verb = operation.split(".")[1] if operation.count(".") >= 2 else "GET"
    uri = f"{verb} /{bucket}/{key if key != '-' else ''} HTTP/1.1"
    return (
        f'{owner} {bucket} [{stamp}] {remote_ip} {requester} {request_id} {operation} {key} "{uri}" {status} '
        f'{error_code} 512 512 7 6 "-" "aws-cli/2.15" - hostid= SigV4 ECDHE-RSA-AES128-GCM-SHA256 AuthHeader '
        f"{bucket}.s3.eu-west-3.amazonaws.com TLSv1.3 - -"
    )
