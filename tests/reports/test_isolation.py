"""A report for one tenant never contains another tenant's data, in any format."""

from __future__ import annotations

import pytest

from controlplane.reports import FORMATS, TenantInfo, render
from controlplane.store import EvidenceStore
from tests.support.sweeps import ALPHA, ALPHA_NAME, BETA, BETA_MARKERS, BETA_NAME

ALPHA_MARKERS = (ALPHA, ALPHA_NAME, "portail-alpha", "portail.alpha.test", "ancien.alpha.test")


def hashes_of(store_path, tenant):
    store = EvidenceStore.open(str(store_path), create=False)
    try:
        return [r["record_hash"] for r in store.chain(tenant)] + [s["signature"] for s in store.seals(tenant)]
    finally:
        store.close()


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize(
    ("tenant", "name", "other", "markers"),
    [(ALPHA, ALPHA_NAME, BETA, BETA_MARKERS), (BETA, BETA_NAME, ALPHA, ALPHA_MARKERS)],
)
def test_no_other_tenant_data_in_any_format(swept, report_of, fmt, tenant, name, other, markers):
    report = report_of(swept.store_path, tenant, info=TenantInfo(name, (3, 4, 5)))
    text = render(report, fmt)
    assert tenant in text
    for marker in (*markers, *hashes_of(swept.store_path, other)):
        assert marker not in text, f"{marker!r} of {other} in the {fmt} report of {tenant}"
