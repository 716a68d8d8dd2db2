"""The hds.yaml target model and label-selector semantics."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from controlplane.config import load_fleet
from controlplane.errors import InputError
from hds_kubernetes.regions import DEFAULT_ALLOWED_REGIONS
from hds_kubernetes.selectors import SelectorError, parse_selector
from hds_kubernetes.target import KubernetesTarget
from tests.support.fleet import tenant, write_fleet


def model(**fields) -> KubernetesTarget:
    return KubernetesTarget.model_validate({"name": "c", "namespaces": ["alpha-prod"], **fields})


def test_source_is_inferred_from_the_fields_given():
    assert model(dump_dir="/d").source == "dump"
    assert model(kubeconfig="/k").source == "kubeconfig"
    assert model().source == "in_cluster"


def test_kubeconfig_may_be_a_secret_reference():
    assert model(kubeconfig={"file": "/run/secrets/kubeconfig"}).kubeconfig.describe() == "file:/run/secrets/kubeconfig"
    assert model(kubeconfig={"env": "KUBECONFIG_CONTENT"}).source == "kubeconfig"


@pytest.mark.parametrize(
    ("fields", "reason"),
    [
        ({"source": "dump"}, "source 'dump' needs dump_dir"),
        ({"source": "dump", "dump_dir": "/d", "context": "x"}, "source 'dump' reads files only"),
        ({"source": "in_cluster", "context": "x"}, "source 'in_cluster' uses the pod's service account"),
        ({"source": "kubeconfig"}, "source 'kubeconfig' needs kubeconfig"),
        ({"dump_dir": "/d", "namespaces": []}, "give the tenant's namespaces"),
        ({"dump_dir": "/d", "namespaces": ["Alpha_Prod"]}, "'Alpha_Prod' is not a valid namespace name"),
        ({"dump_dir": "/d", "namespaces": {"selector": {}}}, "an empty selector selects every namespace"),
        ({"dump_dir": "/d", "platform_namespaces": ["alpha-prod"]}, "listed both as the tenant's and as a platform"),
        ({"dump_dir": "/d", "allowed_regions": []}, "at least 1 item"),
    ],
)
def test_invalid_targets_are_refused_with_the_reason(fields, reason):
    with pytest.raises(ValidationError, match=reason):
        model(**fields)


def test_defaults_allow_eea_regions_only():
    regions = model(dump_dir="/d").allowed_regions
    assert regions == DEFAULT_ALLOWED_REGIONS
    assert {"eu-west-3", "francecentral", "europe-west9"} <= set(regions)
    assert not {"eu-west-2", "eu-central-2", "europe-west2", "europe-west6", "uksouth", "us-east-1"} & set(regions)


def test_namespace_selection_by_label_selector():
    selection = model(
        dump_dir="/d",
        namespaces={
            "names": ["legacy"],
            "selector": {"matchExpressions": [{"key": "tenant", "operator": "In", "values": ["alpha"]}]},
        },
    ).namespaces
    assert selection.describe() == "names legacy; selector tenant in (alpha)"


def test_fleet_file_error_names_file_field_and_reason(tmp_path, registry):
    from controlplane.catalog import load_catalog

    path = write_fleet(
        tmp_path / "hds.yaml",
        [tenant("alpha", [4], {"kubernetes": [{"name": "c", "source": "dump", "namespaces": ["a"]}]})],
    )
    with pytest.raises(InputError) as err:
        load_fleet(path, registry.target_kinds, load_catalog(registry.catalog_files))
    assert err.value.one_line() == f"{path}: tenants[0].targets.kubernetes[0]: source 'dump' needs dump_dir"


def test_selector_operators():
    labels = {"tenant": "alpha", "tier": "web"}
    assert parse_selector({"matchLabels": {"tenant": "alpha"}}).matches(labels)
    assert not parse_selector({"matchLabels": {"tenant": "beta"}}).matches(labels)
    expr = {
        "matchExpressions": [
            {"key": "tier", "operator": "NotIn", "values": ["db"]},
            {"key": "tenant", "operator": "Exists"},
        ]
    }
    assert parse_selector(expr).matches(labels)
    assert not parse_selector({"matchExpressions": [{"key": "tier", "operator": "DoesNotExist"}]}).matches(labels)
    assert parse_selector({}).matches({}) and parse_selector({}).is_empty
    assert parse_selector(None) is None


def test_malformed_selector_is_refused():
    with pytest.raises(SelectorError, match="operator 'Like'"):
        parse_selector({"matchExpressions": [{"key": "a", "operator": "Like", "values": ["x"]}]})
    with pytest.raises(SelectorError, match="needs values"):
        parse_selector({"matchExpressions": [{"key": "a", "operator": "In"}]})
