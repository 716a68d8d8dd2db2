"""A real, throw-away PostgreSQL server in a temporary directory, for `hdsctl demo` and the tests.

Why in the plugin and not in tests/: the demo ships in the wheel and needs the same server; one
implementation serves both (`tests/support/postgres.py` re-exports it).

Debian's server binaries (`apt-get install postgresql`) are used directly: `initdb` into a fresh
directory, `pg_ctl start` on a free port of 127.0.0.1 with a private socket directory, trust
authentication, and durability turned off (fsync=off) because the data dies with the server.
`initdb` and the server refuse to run as root, so as root they run as the `postgres` user through
`runuser`; client tools (psql, pg_dump, pg_restore) connect over TCP as the `postgres` role.

    with LocalPostgres(settings={"log_connections": "on"}) as pg:
        db = pg.create_database()
        subprocess.run([pg.tool("pg_dump"), "-Fc", "-d", pg.dsn(db), ...], env=pg.env(), check=True)

`find_bindir()` returns None when no server binaries are installed; callers skip on that alone.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import re
import secrets
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Mapping
from pathlib import Path
from types import TracebackType

SUPERUSER = "postgres"
SERVER_USER = "postgres"  # the OS account that runs initdb/postgres when we are root
_SETTING_NAME = re.compile(r"^[a-z_][a-z0-9_.]*$")
_SETTING_VALUE = re.compile(r"^[A-Za-z0-9_./:=+-]*$")


def find_bindir() -> Path | None:
    """Directory holding initdb/pg_ctl/psql: $HDS_PG_BINDIR, Debian's newest
    /usr/lib/postgresql/N/bin, or initdb on PATH."""
    override = os.environ.get("HDS_PG_BINDIR")
    if override:
        return Path(override) if (Path(override) / "initdb").exists() else None
    candidates = [p for p in Path("/usr/lib/postgresql").glob("*/bin") if (p / "initdb").exists()]
    if candidates:
        return max(candidates, key=lambda p: _version_key(p.parent.name))
    found = shutil.which("initdb")
    return Path(found).parent if found else None


def _version_key(name: str) -> tuple[int, ...]:
    return tuple(int(x) for x in re.findall(r"\d+", name)) or (0,)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class PostgresError(RuntimeError):
    """The server could not be initialised or started; the message carries the server log."""


class LocalPostgres:
    """One throw-away PostgreSQL cluster. Start with `with` (or start()/stop()).

    `settings` are extra server parameters (`-c name=value`); `ssl_files` a (certificate, key)
    pair of PEM files copied into the cluster directory and served with `ssl=on`; then, with
    `tls_only` (the default), TCP connections without TLS are refused (`hostssl` lines only).
    """

    host = "127.0.0.1"

    def __init__(
        self,
        bindir: Path | None = None,
        base_dir: Path | None = None,
        settings: Mapping[str, str] | None = None,
        ssl_files: tuple[Path, Path] | None = None,
        tls_only: bool = True,
    ) -> None:
        found = bindir or find_bindir()
        if found is None:
            raise PostgresError("no PostgreSQL server binaries found (apt-get install postgresql)")
        for name, value in (settings or {}).items():
            if not _SETTING_NAME.match(name) or not _SETTING_VALUE.match(value):
                raise ValueError(f"unsupported server setting {name}={value!r}")
        self.bindir = found
        self.settings = dict(settings or {})
        self.ssl_files = ssl_files
        self.tls_only = tls_only
        self._base_parent = base_dir
        self.base: Path | None = None
        self.port = 0
        self._running = False

    # -- paths ----------------------------------------------------------------------------
    @property
    def data_dir(self) -> Path:
        return self._require_base() / "data"

    @property
    def socket_dir(self) -> Path:
        return self._require_base() / "socket"

    @property
    def log_file(self) -> Path:
        return self._require_base() / "server.log"

    def _require_base(self) -> Path:
        if self.base is None:
            raise PostgresError("server not started")
        return self.base

    def tool(self, name: str) -> str:
        """Absolute path of a client or server binary of this installation (psql, pg_dump…)."""
        return str(self.bindir / name)

    # -- lifecycle ------------------------------------------------------------------------
    def __enter__(self) -> LocalPostgres:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    def start(self) -> LocalPostgres:
        self._make_base()
        try:
            self._as_server_user(
                [
                    self.tool("initdb"),
                    "-D",
                    str(self.data_dir),
                    "-U",
                    SUPERUSER,
                    "--auth=trust",
                    "--encoding=UTF8",
                    "--no-locale",
                    "--no-sync",
                ]
            )
            if self.ssl_files is not None and self.tls_only:
                self._hostssl_only()
            return self._start_server()
        except BaseException:
            self.stop()
            raise

    def _hostssl_only(self) -> None:
        """pg_hba.conf: every TCP line (`host`) becomes `hostssl`; local socket lines stay."""
        hba = self.data_dir / "pg_hba.conf"
        lines = hba.read_text(encoding="utf-8").splitlines()
        hba.write_text(
            "\n".join("hostssl" + line[4:] if line.startswith("host ") else line for line in lines) + "\n",
            encoding="utf-8",
        )

    def start_standby(self) -> LocalPostgres:
        """A streaming replica of this (running) server, started: `pg_basebackup -R` into a new
        cluster directory. Stop it before its primary."""
        standby = LocalPostgres(self.bindir, self._base_parent, self.settings, self.ssl_files, self.tls_only)
        standby._make_base()
        try:
            standby._as_server_user(
                [
                    self.tool("pg_basebackup"),
                    "-h",
                    self.host,
                    "-p",
                    str(self.port),
                    "-U",
                    SUPERUSER,
                    "-D",
                    str(standby.data_dir),
                    "-R",
                    "-X",
                    "stream",
                    "--no-sync",
                ]
            )
            return standby._start_server()
        except BaseException:
            standby.stop()
            raise

    def stop(self) -> None:
        if self.base is None:
            return
        if self._running:
            self._as_server_user(
                [self.tool("pg_ctl"), "-D", str(self.data_dir), "-m", "immediate", "-w", "stop"], check=False
            )
            self._running = False
        shutil.rmtree(self.base, ignore_errors=True)
        self.base = None

    def _make_base(self) -> None:
        self.base = Path(tempfile.mkdtemp(prefix="hds-pg-", dir=self._base_parent))
        self.socket_dir.mkdir()
        if self.ssl_files is not None:
            ssl_dir = self.base / "ssl"
            ssl_dir.mkdir()
            shutil.copyfile(self.ssl_files[0], ssl_dir / "server.crt")
            shutil.copyfile(self.ssl_files[1], ssl_dir / "server.key")
            (ssl_dir / "server.key").chmod(0o600)
        self._hand_over(self.base)

    def _server_options(self) -> str:
        settings = dict(self.settings)
        if self.ssl_files is not None:
            ssl_dir = self._require_base() / "ssl"
            settings.update(
                ssl="on", ssl_cert_file=str(ssl_dir / "server.crt"), ssl_key_file=str(ssl_dir / "server.key")
            )
        extra = "".join(f" -c {name}={value}" for name, value in settings.items())
        return (
            f"-p {self.port} -k {self.socket_dir} -c listen_addresses={self.host} "
            f"-c fsync=off -c synchronous_commit=off -c full_page_writes=off{extra}"
        )

    def _start_server(self) -> LocalPostgres:
        last_error = ""
        for _ in range(3):  # a free port can be taken between probe and bind: retry
            self.port = free_port()
            result = self._as_server_user(
                [
                    self.tool("pg_ctl"),
                    "-D",
                    str(self.data_dir),
                    "-l",
                    str(self.log_file),
                    "-w",
                    "-t",
                    "60",
                    "-o",
                    self._server_options(),
                    "start",
                ],
                check=False,
            )
            if result.returncode == 0:
                self._running = True
                return self
            last_error = result.stdout + result.stderr + self._log_tail()
        raise PostgresError(f"pg_ctl start failed: {last_error}")

    # -- connecting -----------------------------------------------------------------------
    def url(self, database: str = "postgres", driver: str = "postgresql+psycopg") -> str:
        """SQLAlchemy URL (no password: trust authentication)."""
        return f"{driver}://{SUPERUSER}@{self.host}:{self.port}/{database}"

    def dsn(self, database: str = "postgres", user: str = SUPERUSER) -> str:
        """libpq connection string, for psycopg and the client tools' -d option."""
        return f"host={self.host} port={self.port} user={user} dbname={database}"

    def env(self) -> dict[str, str]:
        """Environment for client tools (pg_dump, pg_restore, psql) aimed at this server."""
        return {**os.environ, "PGHOST": self.host, "PGPORT": str(self.port), "PGUSER": SUPERUSER}

    def psql(self, sql: str, database: str = "postgres") -> str:
        """Run SQL with psql (stops at the first error); return its unaligned, tuples-only output."""
        result = subprocess.run(
            [self.tool("psql"), "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-d", self.dsn(database), "-c", sql],
            capture_output=True,
            text=True,
            env=self.env(),
            check=False,
        )
        if result.returncode != 0:
            raise PostgresError(f"psql failed: {result.stderr.strip()}")
        return result.stdout.strip()

    def create_database(self, name: str | None = None) -> str:
        name = name or f"test_{secrets.token_hex(4)}"
        if not re.fullmatch(r"[a-z_][a-z0-9_]{0,62}", name):
            raise ValueError(f"not a plain database name: {name!r}")
        self.psql(f"CREATE DATABASE {name}")
        return name

    def drop_database(self, name: str) -> None:
        self.psql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")

    def create_role(self, name: str, attributes: str = "LOGIN CREATEDB") -> str:
        """A role for clients that must not be superuser (e.g. the restore checker)."""
        if not re.fullmatch(r"[a-z_][a-z0-9_]{0,62}", name) or not re.fullmatch(r"[A-Z ]+", attributes):
            raise ValueError(f"not a plain role name or attribute list: {name!r} {attributes!r}")
        self.psql(f"CREATE ROLE {name} {attributes}")
        return name

    # -- internals ------------------------------------------------------------------------
    @staticmethod
    def _is_root() -> bool:
        return os.geteuid() == 0

    def _hand_over(self, path: Path) -> None:
        """As root, give the cluster directory to the server account."""
        if not self._is_root():
            return
        account = pwd.getpwnam(SERVER_USER)
        for p in [path, *path.rglob("*")]:
            os.chown(p, account.pw_uid, account.pw_gid)

    def _as_server_user(self, argv: list[str], check: bool = True) -> subprocess.CompletedProcess[str]:
        tool = Path(argv[0]).name
        if self._is_root():
            argv = ["runuser", "-u", SERVER_USER, "--", *argv]
        result = subprocess.run(argv, capture_output=True, text=True, cwd="/", check=False)
        if check and result.returncode != 0:
            raise PostgresError(f"{tool} failed: {result.stdout}{result.stderr}{self._log_tail()}")
        return result

    def _log_tail(self) -> str:
        with contextlib.suppress(OSError, PostgresError):
            return self.log_file.read_text(encoding="utf-8", errors="replace")[-2000:]
        return ""
