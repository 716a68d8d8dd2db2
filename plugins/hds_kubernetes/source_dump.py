"""Read a cluster from an offline dump: `kubectl get ... -o json` (or `-o yaml`) exports.

An auditor without cluster access checks an export made by the operator, with the same
checks as a live cluster. Accepted: any `.json`, `.yaml` or `.yml` file under the directory
holding a `List` (as `kubectl get a,b,c -A -o json` writes), a typed list (`DeploymentList`),
or single objects. Kinds the plugin does not read (Secrets included) are skipped unparsed.

Completeness: an empty `kubectl` list carries no kind, so a kind counts as exported when an
object of it appears or when a file is named after it (`networkpolicies.json`, `netpol.json`,
or kubectl's comma list `deploy,sts,pdb.json`). A kind neither present nor named is "not in
the dump": checks needing it report `error`, never a pass on an empty list. Export recipes:

    # one file per kind
    for r in namespaces nodes pods persistentvolumeclaims deployments replicasets daemonsets cronjobs statefulsets \\
             poddisruptionbudgets networkpolicies ingresses roles rolebindings clusterroles \\
             clusterrolebindings storageclasses; do kubectl get "$r" -A -o json > "$r.json"; done
    # or one List, named after what it holds
    R=ns,no,po,pvc,deploy,rs,ds,cj,sts,pdb,netpol,ing,roles,rolebindings,clusterroles,clusterrolebindings,sc
    kubectl get "$R" -A -o json > "$R.json"
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

import yaml

from controlplane.bounded_read import DEFAULT_MAX_RESPONSE_MB, describe_size, max_response_bytes
from controlplane.yamlfile import safe_documents
from hds_kubernetes.kinds import KINDS, SHORT_LIST, ResourceKind, kind_of, kinds_for_file
from hds_kubernetes.parse import ObjectError
from hds_kubernetes.snapshot import ClusterIdentity, ClusterSnapshot, SnapshotBuilder
from hds_kubernetes.target import KubernetesTarget

SUFFIXES = (".json", ".yaml", ".yml")


class DumpError(Exception):
    """A dump that cannot be read; the message names the file and the reason."""


def dump_identity(target: KubernetesTarget) -> ClusterIdentity:
    return ClusterIdentity("dump", str(Path(target.dump_dir or "").expanduser().resolve()))


def _documents(path: Path, max_bytes: int) -> list[Any]:
    """The file's documents. A dump is hostile input: larger than `max_bytes`, aliases (a 2 KB
    "billion laughs" expands to gigabytes), custom tags and deep nesting are refused."""
    try:
        size = path.stat().st_size
        if size > max_bytes:
            raise DumpError(
                f"{path}: {size} bytes, larger than the {describe_size(max_bytes)} allowed (runtime.max_response_mb)"
            )
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise DumpError(f"{path}: cannot read: {exc.strerror}") from None
    except UnicodeDecodeError:
        raise DumpError(f"{path}: not UTF-8 text") from None
    if path.suffix == ".json":
        try:
            return [json.loads(text)]
        except json.JSONDecodeError as exc:
            raise DumpError(f"{path}: line {exc.lineno}: invalid JSON ({exc.msg})") from None
        except RecursionError:
            raise DumpError(f"{path}: invalid JSON (nested too deeply)") from None
    try:
        return [d for d in safe_documents(text) if d is not None]
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}: " if mark is not None else ""
        problem = getattr(exc, "problem", None)
        reason = f" ({problem})" if isinstance(problem, str) and problem.isprintable() else ""
        raise DumpError(f"{path}: {where}invalid YAML{reason}") from None


def _objects(doc: Any) -> Iterator[tuple[ResourceKind | None, Mapping[str, Any]]]:
    """Each object of a document with the kind it resolves to (None: a kind not read)."""
    if not isinstance(doc, Mapping):
        raise ObjectError(f"expected a Kubernetes object or List, got {type(doc).__name__}")
    list_kind = str(doc.get("kind") or "")
    if "items" in doc and list_kind.endswith("List"):
        item_kind = list_kind.removesuffix("List") if list_kind != "List" else ""
        for item in doc.get("items") or []:
            if not isinstance(item, Mapping):
                raise ObjectError(f"a {list_kind} item is a {type(item).__name__}, not an object")
            kind = str(item.get("kind") or item_kind)
            api_version = str(item.get("apiVersion") or doc.get("apiVersion") or "")
            yield kind_of(api_version, kind), item
    else:
        yield kind_of(str(doc.get("apiVersion") or ""), list_kind), doc


def read_dump(
    directory: Path, identity: ClusterIdentity, max_bytes: int = max_response_bytes(DEFAULT_MAX_RESPONSE_MB)
) -> ClusterSnapshot:
    if not directory.is_dir():
        raise DumpError(f"dump_dir {directory}: not a directory")
    files = sorted(p for p in directory.rglob("*") if p.suffix in SUFFIXES and p.is_file())
    if not files:
        raise DumpError(f"dump_dir {directory}: no .json or .yaml export in it")
    builder = SnapshotBuilder(identity)
    for path in files:
        for named in kinds_for_file(path.stem):
            builder.mark_listed(named)
        try:
            for doc in _documents(path, max_bytes):
                for kind, obj in _objects(doc):
                    if kind is not None:
                        builder.add(kind, obj)
                        builder.mark_listed(kind)
        except ObjectError as exc:
            raise DumpError(f"{path}: {exc}") from None
    return builder.build(
        lambda k: f"not in the dump (export it: kubectl get {k.resource} -A -o json > {k.resource}.json)"
    )


def as_list(objects: Iterable[Mapping[str, Any]]) -> dict[str, Any]:
    """What `kubectl get a,b -A -o json` writes: a `List` whose items carry their kind."""
    return {"apiVersion": "v1", "kind": "List", "metadata": {"resourceVersion": ""}, "items": list(objects)}


def write_dump(directory: Path, objects: Iterable[Mapping[str, Any]], single_file: bool = False) -> Path:
    """Write `objects` as `kubectl get <resource> -A -o json` would: one file per kind (every
    kind, empty ones included, so the dump is complete), or all in one List named after the
    kinds it holds (`ns,no,po,...,sc.json`)."""
    directory.mkdir(parents=True, exist_ok=True)
    items = [dict(o) for o in objects]
    if single_file:
        (directory / f"{SHORT_LIST}.json").write_text(json.dumps(as_list(items), indent=1), encoding="utf-8")
        return directory
    by_resource: dict[str, list[dict[str, Any]]] = {k.resource: [] for k in KINDS}
    for obj in items:
        kind = kind_of(str(obj.get("apiVersion", "")), str(obj.get("kind", "")))
        if kind is None:
            raise ValueError(f"not a kind the plugin reads: {obj.get('apiVersion')}/{obj.get('kind')}")
        by_resource[kind.resource].append(obj)
    for resource, group in by_resource.items():
        (directory / f"{resource}.json").write_text(json.dumps(as_list(group), indent=1), encoding="utf-8")
    return directory
