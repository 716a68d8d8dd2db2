"""The fleet file is built from parser events rather than `yaml.load` (memory and time at
10,000 tenants): it must give exactly what the safe loader gives, and refuse what it refuses."""

from __future__ import annotations

import datetime

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from controlplane.errors import InputError
from controlplane.yamlfile import parse_yaml

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=False),
    st.text(max_size=30),
    st.dates(),
    st.sampled_from(["yes", "no", "on", "0x1F", "1_000", "~", "null", "2024-01-01", "1e3", ".inf", "-", "'"]),
)
keys = st.one_of(st.text(max_size=12), st.integers(min_value=-1000, max_value=1000), st.booleans())
documents = st.recursive(
    scalars,
    lambda inner: st.one_of(st.lists(inner, max_size=5), st.dictionaries(keys, inner, max_size=5)),
    max_leaves=40,
)


@settings(max_examples=300, deadline=None)
@given(documents, st.sampled_from([False, True, None]))
def test_same_data_as_the_safe_loader_in_every_style(data, flow):
    text = yaml.safe_dump(data, default_flow_style=flow, allow_unicode=True)
    assert parse_yaml(text, "hds.yaml") == yaml.safe_load(text)


@pytest.mark.parametrize(
    "text",
    [
        "a: 1\nb: [1, 2.5, .inf, ~, true, 'x', 0x1f, 0o17, !!str 12, \"a\\nb\"]\n",
        "k: |\n  lit\n  two\nf: >\n  folded\n  line\n",
        "{a: [1, {b: c}], d: null, 1: x, 2.0: y}",
        "when: 2024-01-01\nat: 2024-01-01T10:00:00Z\n",
        "a: !!binary aGVsbG8=\n",
        "? a\n: b\n",
        "a: 1\na: 2\n",
        "plain: &anchor 1\n",
        "--- \na: 1\n...\n",
        "# nothing\n",
        "",
    ],
)
def test_yaml_features_an_operator_may_use(text):
    assert parse_yaml(text, "hds.yaml") == yaml.safe_load(text)


def test_dates_are_dates():
    got = parse_yaml("d: 2024-01-02\n", "hds.yaml")
    assert got == {"d": datetime.date(2024, 1, 2)}


@pytest.mark.parametrize(
    ("text", "line", "reason"),
    [
        ("a: &x [1]\nb: *x\n", 2, "YAML aliases (*name) are not allowed"),
        ("a: {x: 1}\n<<: {b: 2}\n", 2, "merge keys (<<) are not allowed"),
        ("a: !!python/object/apply:os.system [id]\n", 1, "the tag tag:yaml.org,2002:python/object/apply:os.system"),
        ("a: !custom 1\n", 1, "the tag !custom is not allowed"),
        ("a: !!set {x: null}\n", 1, "the tag tag:yaml.org,2002:set is not allowed"),
        ("? [a, b]\n: c\n", 1, "a mapping or a sequence cannot be a mapping key"),
        ("a: 1\n---\nb: 2\n", 2, "expected a single document in the stream"),
        ("a: " + "[" * 65 + "]" * 65 + "\n", 1, "nesting deeper than 64 levels is not allowed"),
        # Past ~1,000 flow levels newer libyaml refuses first, in its scanner: same reason shown.
        ("a: " + "[" * 5000 + "]" * 5000 + "\n", 1, "nesting deeper than 64 levels is not allowed"),
        ("a:\n" + "".join("  " * i + "- \n" for i in range(200)), 65, "nesting deeper than 64 levels is not allowed"),
        ("a: [1, 2\n", 2, "invalid YAML"),
    ],
)
def test_refused_with_the_line(text, line, reason):
    with pytest.raises(InputError) as caught:
        parse_yaml(text, "hds.yaml")
    message = str(caught.value)
    assert message.startswith(f"hds.yaml: line {line}: invalid YAML"), message
    assert reason in message


def test_repeated_strings_are_shared_not_copied():
    """Ten thousand tenants name the same endpoint and secret variables: one string each."""
    data = parse_yaml("- {endpoint: 'http://127.0.0.1:9000', key: HDS_KEY}\n" * 3, "hds.yaml")
    assert data[0]["endpoint"] is data[2]["endpoint"] and data[0]["key"] is data[1]["key"]
