"""Issue 20, case 6: terminal injection. Strings from a hostile endpoint (resource names, messages)
printed by `hdsctl run` and `hdsctl runs show` on a real pseudo-terminal: no rich markup is
interpreted (`[/bogus]` used to crash the run before its webhook, `[link=…]` became a link), no
ESC/OSC sequence, carriage return or newline from the data reaches the terminal raw; the same
when piped and in JSON. Tenant names refuse control characters (README)."""

from __future__ import annotations

import errno
import fcntl
import json
import os
import pty
import select
import struct
import subprocess
import sys
import termios
import time
from pathlib import Path

import pytest
import yaml

from tests.drift.webhooks import WebhookReceiver
from tests.reliability.harness import REPO

HDSCTL = str(Path(sys.executable).with_name("hdsctl"))

PLUGIN = """
import json
from pathlib import Path
from pydantic import BaseModel, ConfigDict
from controlplane.hookspecs import hookimpl
from controlplane.plugin_types import CheckSpec, TargetKind
from controlplane.results import Finding, Status


class EchoTarget(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str
    response: str


def collect(target, ctx):
    # What a hostile endpoint answered, read as bytes from a file.
    return json.loads(Path(target.response).read_text(encoding="utf-8"))


def echo(snapshot, ctx):
    return [Finding(Status(f["status"]), f["message"], f["resource"], {"raw": f["message"]}) for f in snapshot]


@hookimpl
def hds_target_kinds():
    return [TargetKind("echo", EchoTarget, collect, "hostile echo")]


@hookimpl
def hds_checks():
    return [CheckSpec("echo.findings", "echo", echo)]


@hookimpl
def hds_catalog_files():
    return [Path(__file__).with_name("controls.yaml")]
"""

CONTROLS = """controls:
  - id: ECH-01
    kind: automated
    check: echo.findings
    severity: high
    hds_activities: [5]
    iso27001: [A.8.16]
    title: {fr: "L'écho est conforme", en: "The echo complies"}
    objective: {fr: "Test.", en: "Test."}
    remediation: {fr: "Corriger.", en: "Fix it."}
"""

OSC_LINK = "\x1b]8;;https://evil.example/\x07click me\x1b]8;;\x07"
HOSTILE = [
    {"resource": "[/bogus]", "status": "fail", "message": "closing tag [/] without opener [/bogus]"},
    {"resource": "[link=https://evil.example/]portail[/link]", "status": "fail", "message": "[bold red]PASS[/]"},
    {"resource": "osc-link", "status": "fail", "message": OSC_LINK},
    {"resource": "clear\x1b[2J\x1b[H", "status": "fail", "message": "title\x1b]0;pwned\x07 and CSI \x9b31m"},
    {"resource": "ok\rFORGED-CR", "status": "fail", "message": "one\nFORGED-LINE: all controls pass"},
    {"resource": "bidi\u202eevil", "status": "error", "message": "error with\x1b[31m colour\x1b[0m"},
]
RAW = [b"\x1b]8;", b"\x1b]0;", b"\x1b[2J", b"\x1b[H", b"\x07", b"\x9b", "\u202e".encode(), b"\rFORGED-CR"]
"""Byte sequences of the data that must never reach the terminal (rich writes its own SGR
colour codes, `ESC [ … m`, which are fine: none of the data's)."""


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("echo-site")
    pkg = root / "hds_echo_plugin"
    pkg.mkdir()
    (pkg / "__init__.py").write_text(PLUGIN)
    (pkg / "controls.yaml").write_text(CONTROLS)
    info = root / "hds_echo_plugin-0.1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: hds-echo-plugin\nVersion: 0.1.0\n")
    (info / "entry_points.txt").write_text("[hds.plugins]\necho = hds_echo_plugin\n")
    return root


@pytest.fixture
def fleet(tmp_path: Path) -> Path:
    response = tmp_path / "response.json"
    response.write_text(json.dumps(HOSTILE), encoding="utf-8")
    doc = {
        "version": 1,
        "tenants": [
            {
                "id": "clinique",
                "name": "Clinique [bold]Nord[/bold]",
                "activities": [5],
                "contract": {"rpo_hours": 24, "rto_hours": 4},
                "targets": {"echo": [{"name": "portail", "response": str(response)}]},
            }
        ],
    }
    path = tmp_path / "hds.yaml"
    path.write_text(yaml.safe_dump(doc), encoding="utf-8")
    return path


def _env(site: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OTEL_", "HDS_", "COLUMNS", "LINES"))}
    env.update(PYTHONPATH=os.pathsep.join([str(site), str(REPO)]), TERM="xterm-256color", **extra)
    return env


def on_pty(args: list[str], env: dict[str, str], columns: int = 400, timeout: float = 120) -> tuple[int, bytes]:
    """Run `hdsctl` with stdout and stderr on a real pseudo-terminal; everything it wrote, raw."""
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 50, columns, 0, 0))
    proc = subprocess.Popen([HDSCTL, *args], stdin=subprocess.DEVNULL, stdout=slave, stderr=slave, env=env)
    os.close(slave)
    out = bytearray()
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            ready, _, _ = select.select([master], [], [], 1.0)
            if ready:
                try:
                    chunk = os.read(master, 65536)
                except OSError as exc:  # EIO: the child closed the terminal
                    if exc.errno != errno.EIO:
                        raise
                    break
                if not chunk:
                    break
                out += chunk
            elif proc.poll() is not None:
                break
        code = proc.wait(timeout=max(deadline - time.monotonic(), 1))
    finally:
        if proc.poll() is None:
            proc.kill()
        os.close(master)
    return code, bytes(out)


def assert_inert(out: bytes) -> None:
    assert b"Traceback" not in out, out.decode(errors="replace")[-3000:]
    for raw in RAW:
        assert raw not in out, f"{raw!r} reached the terminal"
    text = out.decode("utf-8", errors="replace")
    lines = text.replace("\r\n", "\n").split("\n")
    assert not any(line.startswith("FORGED-LINE") for line in lines), "a newline from the data started a line"
    # The data is shown, as inert text.
    assert "[/bogus]" in text
    assert "[link=https://evil.example/]portail[/link]" in text
    assert "ok\\rFORGED-CR" in text and "one\\nFORGED-LINE" in text
    assert "\\x1b]8;;https://evil.example/\\x07click me" in text


def test_run_and_runs_show_on_a_terminal_print_hostile_strings_inert_and_notify(site: Path, fleet: Path, tmp_path):
    store = tmp_path / "ev.sqlite"
    receiver = WebhookReceiver()
    try:
        args = ["run", "-c", str(fleet), "--store", str(store), "--notify", f"http://127.0.0.1:{receiver.port}/h"]
        code, out = on_pty(args, _env(site))
        assert code == 1, out.decode(errors="replace")[-3000:]
        assert_inert(out)
        assert len(receiver.received) == 1, "the webhook is sent whatever the data looks like"
        posted = {f["resource"] for t in receiver.received[0].body["tenants"] for f in t["new_failures"]}
        assert {"[/bogus]", "ok\rFORGED-CR"} <= posted, "JSON carries the data unchanged (escaped by JSON)"
    finally:
        receiver.close()
    run_id = json.loads(
        subprocess.run(
            [HDSCTL, "runs", "list", "--store", str(store), "--format", "json"],
            env=_env(site),
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    )[0]["run_id"]
    code, out = on_pty(["runs", "show", run_id, "--store", str(store)], _env(site))
    assert code == 1
    assert_inert(out)
    code, narrow = on_pty(["runs", "show", run_id, "--store", str(store)], _env(site), columns=60)
    assert code == 1 and b"Traceback" not in narrow
    assert all(raw not in narrow for raw in RAW)


def test_piped_text_and_json_carry_no_control_character(site: Path, fleet: Path, tmp_path):
    store = tmp_path / "ev.sqlite"
    piped = subprocess.run(
        [HDSCTL, "run", "-c", str(fleet), "--store", str(store)], env=_env(site), capture_output=True, text=True
    )
    assert piped.returncode == 1, piped.stderr
    for line in piped.stdout.splitlines():
        assert line.isprintable(), repr(line)
        assert len(line) <= 120 or str(tmp_path) in line, "piped tables fit 120 columns (a path is never cut)"
    assert "[/bogus]" in piped.stdout
    as_json = subprocess.run(
        [HDSCTL, "run", "-c", str(fleet), "--store", str(store), "--format", "json"],
        env=_env(site),
        capture_output=True,
        text=True,
    )
    assert all(c.isprintable() or c in "\n " for c in as_json.stdout), "no raw control character in JSON"
    results = {r["resource"]: r for r in json.loads(as_json.stdout)["results"]}
    assert results["clear\x1b[2J\x1b[H"]["message"] == HOSTILE[3]["message"], "JSON escapes, never alters"


@pytest.mark.parametrize("name", ["Clinique\x1b[31mNord", "Clinique\rNord", "Clinique\u202eNord", "A\nB"])
def test_a_tenant_name_with_control_characters_is_refused(name: str, tmp_path, site: Path):
    path = tmp_path / "hds.yaml"
    tenant = {"id": "clinique", "name": name, "activities": [5], "contract": {"rpo_hours": 24, "rto_hours": 4}}
    path.write_text(yaml.safe_dump({"version": 1, "tenants": [tenant]}), encoding="utf-8")
    proc = subprocess.run([HDSCTL, "config", "validate", str(path)], env=_env(site), capture_output=True, text=True)
    assert proc.returncode == 2
    (line,) = proc.stderr.splitlines()
    assert f"{path}: tenants[0].name: " in line and "control characters" in line
    assert line.isprintable()
