"""The runner's entrypoint, executed as the pod would (same command and args, a real shell, the real
`hdsctl`): it resolves every secret reference first, and a missing one fails the Job with one line
per reference before anything is swept or stored (issue 18, item 4)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.infra.manifests import OVERLAYS, build, needs_kubectl, pod_specs
from tests.support.fleet import tenant, write_fleet

BIN = str(Path(sys.executable).parent)


def _runner_argv(overlay: str) -> list[str]:
    ((_obj, pod),) = pod_specs(build(overlay))
    runner = pod["containers"][0]
    args = [a.replace("$(JOB_COMPLETION_INDEX)", "0") for a in runner.get("args", [])]
    return [*runner["command"], *args]


def _fleet(path: Path) -> Path:
    s3 = {
        "name": "stockage",
        "endpoint_url": "http://127.0.0.1:9",
        "region": "eu-west-3",
        "credentials": {
            "access_key_id": {"env": "HDS_TEST_ENTRY_KEY_ID"},
            "secret_access_key": {"file": str(path.parent / "secret-key")},
        },
        "buckets": [{"name": "a-data", "roles": ["data"]}],
    }
    return write_fleet(path, [tenant("a", [5], {"s3": [s3]})])


def _env(config: Path, store: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HDS_", "OTEL_"))}
    env.update(PATH=BIN + os.pathsep + env.get("PATH", ""), HDS_CONFIG=str(config), HDS_STORE=str(store), **extra)
    return env


@needs_kubectl
@pytest.mark.parametrize("overlay", OVERLAYS)
def test_the_entrypoint_checks_secrets_before_the_run(overlay: str, tmp_path: Path):
    argv = _runner_argv(overlay)
    assert argv[0] == "/bin/sh" and "config validate --check-secrets" in argv[2]
    config, store = _fleet(tmp_path / "hds.yaml"), tmp_path / "ev.sqlite"
    proc = subprocess.run(argv, env=_env(config, store), capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr.splitlines() == [
        f"{config}: tenants[0].targets.s3[0].credentials.access_key_id: "
        "environment variable HDS_TEST_ENTRY_KEY_ID is not set",
        f"{config}: tenants[0].targets.s3[0].credentials.secret_access_key: "
        f"cannot read secret file {tmp_path / 'secret-key'}: No such file or directory",
    ]
    assert not store.exists(), "nothing swept, nothing stored"


@needs_kubectl
def test_with_every_secret_resolvable_the_entrypoint_goes_on_to_the_run(tmp_path: Path):
    argv = _runner_argv("single-sqlite")
    config, store = _fleet(tmp_path / "hds.yaml"), tmp_path / "ev.sqlite"
    (tmp_path / "secret-key").write_text("canary-secret-value-1234\n", encoding="utf-8")
    env = _env(config, store, HDS_TEST_ENTRY_KEY_ID="canary-key-id-5678")
    proc = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 1, proc.stderr  # the endpoint is closed: errors, stored as evidence
    assert store.exists()
    assert "2 secret references resolved" in proc.stderr
    for secret in ("canary-secret-value-1234", "canary-key-id-5678"):
        assert secret not in proc.stdout + proc.stderr
