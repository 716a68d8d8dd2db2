"""The Kustomize base and overlays: every object validates against the Kubernetes 1.33 schema
(strict), each overlay builds with the real `kubectl kustomize`, and the pods run restricted."""

from __future__ import annotations

import re
from pathlib import Path

import kubernetes_validate
import pytest
import yaml

from controlplane.catalog import load_catalog
from controlplane.config import load_fleet
from controlplane.planning import Shard
from tests.infra.manifests import (
    BASE,
    K8S,
    KUBERNETES_VERSION,
    NAMESPACE,
    OVERLAYS,
    REPO,
    build,
    containers,
    env_of,
    kustomization_files,
    load_docs,
    needs_kubectl,
    pod_specs,
    the,
)

CLUSTER_SCOPED = {"Namespace", "ClusterRole", "ClusterRoleBinding"}
REF = re.compile(r"\$\(([A-Za-z_][A-Za-z0-9_]*)\)")


def validate(doc: dict) -> None:
    kubernetes_validate.validate(doc, KUBERNETES_VERSION, strict=True)


def test_both_overlays_exist():
    assert OVERLAYS == ["sharded-postgresql", "single-sqlite"]


@pytest.mark.parametrize(
    "path",
    [*kustomization_files(BASE), *(p for o in OVERLAYS for p in kustomization_files(K8S / "overlays" / o))],
    ids=lambda p: str(p.relative_to(K8S)),
)
def test_every_resource_file_validates_strictly(path: Path):
    docs = load_docs(path)
    assert docs
    for doc in docs:
        validate(doc)


@needs_kubectl
@pytest.mark.parametrize("overlay", OVERLAYS)
def test_overlay_builds_and_every_object_validates_strictly(overlay: str):
    docs = build(overlay)
    for doc in docs:
        validate(doc)
    kinds = sorted(d["kind"] for d in docs)
    expected = ["ClusterRole", "ClusterRoleBinding", "ConfigMap", "CronJob", "Namespace", "ServiceAccount"]
    if overlay == "single-sqlite":
        expected.append("PersistentVolumeClaim")
    assert kinds == sorted(expected)


def test_a_schema_violation_is_caught():
    """The validator is strict: an unknown field in a container fails (guards the guard)."""
    cronjob = load_docs(BASE / "cronjob.yaml")[0]
    cronjob["spec"]["jobTemplate"]["spec"]["template"]["spec"]["containers"][0]["runAsNonRoot"] = True
    with pytest.raises(kubernetes_validate.ValidationError):
        validate(cronjob)


@needs_kubectl
@pytest.mark.parametrize("overlay", OVERLAYS)
def test_namespaced_objects_live_in_the_control_plane_namespace(overlay: str):
    for doc in build(overlay):
        if doc["kind"] not in CLUSTER_SCOPED:
            assert doc["metadata"].get("namespace") == NAMESPACE, doc["metadata"]["name"]
    binding = the(build(overlay), "ClusterRoleBinding")
    assert binding["subjects"] == [{"kind": "ServiceAccount", "name": "hds-controlplane", "namespace": NAMESPACE}]


@needs_kubectl
@pytest.mark.parametrize("overlay", OVERLAYS)
def test_pods_run_with_a_restricted_security_context(overlay: str):
    pods = list(pod_specs(build(overlay)))
    assert pods
    for _obj, pod in pods:
        psc = pod["securityContext"]
        assert psc["runAsNonRoot"] is True
        assert psc["runAsUser"] > 0 and psc["runAsGroup"] > 0
        assert psc["seccompProfile"] == {"type": "RuntimeDefault"}
        assert not (pod.get("hostNetwork") or pod.get("hostPID") or pod.get("hostIPC"))
        assert not any("hostPath" in v for v in pod.get("volumes", []))
        for c in containers(pod):
            sc = c["securityContext"]
            assert sc["allowPrivilegeEscalation"] is False
            assert sc["readOnlyRootFilesystem"] is True
            assert sc["runAsNonRoot"] is True
            assert sc["capabilities"] == {"drop": ["ALL"]}
            assert sc.get("privileged", False) is False
            assert sc.get("seccompProfile", psc["seccompProfile"]) == {"type": "RuntimeDefault"}
            for kind in ("requests", "limits"):
                assert {"cpu", "memory"} <= set(c["resources"][kind]), (c["name"], kind)


@needs_kubectl
@pytest.mark.parametrize("overlay", OVERLAYS)
def test_the_cronjob_never_overlaps_skips_late_starts_and_keeps_a_short_history(overlay: str):
    cronjob = the(build(overlay), "CronJob")
    spec = cronjob["spec"]
    assert spec["concurrencyPolicy"] == "Forbid"
    assert 0 < spec["startingDeadlineSeconds"] <= 3600
    assert (spec["successfulJobsHistoryLimit"], spec["failedJobsHistoryLimit"]) == (3, 5)  # the base's short history
    job = spec["jobTemplate"]["spec"]
    assert job["template"]["spec"]["restartPolicy"] == "Never"
    assert job["activeDeadlineSeconds"] > 0
    # Exit 1 (findings, evidence stored) and 2 (bad input) must not re-run the sweep.
    no_retry = [r for r in job["podFailurePolicy"]["rules"] if "onExitCodes" in r]
    assert [(r["onExitCodes"]["operator"], sorted(r["onExitCodes"]["values"])) for r in no_retry] == [("In", [1, 2])]
    expected = "FailIndex" if job.get("completionMode") == "Indexed" else "FailJob"
    assert no_retry[0]["action"] == expected


@needs_kubectl
def test_the_sharded_overlay_is_an_indexed_job_whose_shard_argument_matches_completions():
    cronjob = the(build("sharded-postgresql"), "CronJob")
    job = cronjob["spec"]["jobTemplate"]["spec"]
    assert job["completionMode"] == "Indexed"
    n = job["completions"]
    assert n > 1 and 1 <= job["parallelism"] <= n
    assert job["backoffLimitPerIndex"] >= 0
    (runner,) = job["template"]["spec"]["containers"]
    args = runner["args"]
    assert args[:2] == ["run", "--shard"]
    assert args[2] == f"$(JOB_COMPLETION_INDEX)/{n}"
    index_env = env_of(runner)["JOB_COMPLETION_INDEX"]
    assert (
        index_env["valueFrom"]["fieldRef"]["fieldPath"]
        == "metadata.annotations['batch.kubernetes.io/job-completion-index']"
    )
    # What each pod's argument becomes is a valid shard, and the N pods name N distinct shards.
    shards = {Shard.parse(args[2].replace("$(JOB_COMPLETION_INDEX)", str(i))) for i in range(n)}
    assert shards == {Shard(i, n) for i in range(n)}


@needs_kubectl
def test_the_sharded_overlay_reads_the_postgresql_url_from_a_secret():
    ((_obj, pod),) = pod_specs(build("sharded-postgresql"))
    store = env_of(pod["containers"][0])["HDS_STORE"]
    assert "value" not in store
    assert store["valueFrom"]["secretKeyRef"] == {"name": "hds-store", "key": "url"}


@needs_kubectl
def test_the_single_overlay_keeps_sqlite_on_the_persistent_volume_claim():
    docs = build("single-sqlite")
    ((cronjob, pod),) = pod_specs(docs)
    assert "completionMode" not in cronjob["spec"]["jobTemplate"]["spec"]
    runner = pod["containers"][0]
    store_path = env_of(runner)["HDS_STORE"]["value"]
    claims = {
        v["name"]: v["persistentVolumeClaim"]["claimName"] for v in pod["volumes"] if "persistentVolumeClaim" in v
    }
    mounts = {m["name"]: m["mountPath"] for m in runner["volumeMounts"]}
    ((volume, claim),) = claims.items()
    assert store_path.startswith(mounts[volume].rstrip("/") + "/")
    assert the(docs, "PersistentVolumeClaim")["metadata"]["name"] == claim


@needs_kubectl
@pytest.mark.parametrize("overlay", OVERLAYS)
def test_the_signing_key_secret_is_mounted_read_only_and_named_by_hds_signing_key(overlay: str):
    ((_obj, pod),) = pod_specs(build(overlay))
    runner = pod["containers"][0]
    key_path = env_of(runner)["HDS_SIGNING_KEY"]["value"]
    secret_volumes = {v["name"]: v["secret"] for v in pod["volumes"] if "secret" in v}
    mount = next(m for m in runner["volumeMounts"] if key_path.startswith(m["mountPath"].rstrip("/") + "/"))
    assert mount["readOnly"] is True
    assert secret_volumes[mount["name"]]["secretName"] == "hds-signing-key"
    assert key_path.removeprefix(mount["mountPath"].rstrip("/") + "/") == "signing-key"
    assert secret_volumes[mount["name"]].get("optional", False) is False  # no key, no unsigned evidence


def test_no_secret_value_is_committed():
    for path in K8S.rglob("*.yaml"):
        for doc in load_docs(path):
            assert doc.get("kind") != "Secret", path
    kustomizations = [yaml.safe_load(p.read_text()) for p in K8S.rglob("kustomization.yaml")]
    assert not any(k.get("secretGenerator") for k in kustomizations)


@needs_kubectl
@pytest.mark.parametrize("overlay", OVERLAYS)
def test_credentials_reach_the_pod_only_through_secret_references(overlay: str):
    docs = build(overlay)
    assert not any(d["kind"] == "Secret" for d in docs)
    ((_obj, pod),) = pod_specs(docs)
    env = env_of(pod["containers"][0])
    assert env["HDS_NOTIFY_URL"]["valueFrom"]["secretKeyRef"]["name"] == "hds-notify"
    for name, entry in env.items():
        if re.search(r"PASSWORD|TOKEN|SECRET|DSN|HEADERS", name):
            assert "value" not in entry, name


@needs_kubectl
@pytest.mark.parametrize("overlay", OVERLAYS)
def test_variable_references_resolve(overlay: str):
    """Kubernetes expands $(VAR) in an env value only from variables listed before it; in args
    from any variable of the container. A dangling reference stays a literal string."""
    for _obj, pod in pod_specs(build(overlay)):
        for c in containers(pod):
            defined: list[str] = []
            for entry in c.get("env", []):
                for ref in REF.findall(entry.get("value", "")):
                    assert ref in defined, (entry["name"], ref)
                defined.append(entry["name"])
            for arg in [*c.get("command", []), *c.get("args", [])]:
                for ref in REF.findall(arg):
                    assert ref in defined, (arg, ref)


@needs_kubectl
@pytest.mark.parametrize("overlay", OVERLAYS)
def test_the_service_account_token_is_mounted_only_in_the_runner(overlay: str):
    docs = build(overlay)
    account = the(docs, "ServiceAccount")
    assert account["automountServiceAccountToken"] is False
    ((_obj, pod),) = pod_specs(docs)
    assert pod["serviceAccountName"] == account["metadata"]["name"]
    assert pod["automountServiceAccountToken"] is True


@needs_kubectl
@pytest.mark.parametrize("overlay", OVERLAYS)
def test_the_configmap_fleet_file_is_valid_and_mounted_where_hds_config_points(overlay: str, registry, tmp_path):
    docs = build(overlay)
    configmap = the(docs, "ConfigMap")
    fleet_file = tmp_path / "hds.yaml"
    fleet_file.write_text(configmap["data"]["hds.yaml"], encoding="utf-8")
    fleet = load_fleet(fleet_file, registry.target_kinds, load_catalog(registry.catalog_files))
    assert fleet.tenants
    ((_obj, pod),) = pod_specs(docs)
    runner = pod["containers"][0]
    config_path = env_of(runner)["HDS_CONFIG"]["value"]
    volume = next(v for v in pod["volumes"] if v.get("configMap", {}).get("name") == configmap["metadata"]["name"])
    mount = next(m for m in runner["volumeMounts"] if m["name"] == volume["name"])
    assert config_path == mount["mountPath"].rstrip("/") + "/hds.yaml" and mount["readOnly"] is True


@needs_kubectl
@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_secret_the_pods_reference_is_documented_for_the_operator(overlay: str):
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    ((_obj, pod),) = pod_specs(build(overlay))
    names = {v["secret"]["secretName"] for v in pod["volumes"] if "secret" in v}
    names |= {
        e["valueFrom"]["secretKeyRef"]["name"]
        for e in pod["containers"][0]["env"]
        if "secretKeyRef" in e.get("valueFrom", {})
    }
    for name in names:
        assert f"kubectl -n {NAMESPACE} create secret generic {name}" in readme, name
