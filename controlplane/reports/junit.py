"""JUnit XML for CI systems: one testcase per stored result; `fail` becomes a failure, `error` an
error and `not_applicable` a skipped test, so a pipeline goes red exactly when the run would
exit 1."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from typing import Any

_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _text(value: object) -> str:
    """XML 1.0 cannot carry most control characters: drop them rather than emit broken XML."""
    return _XML_INVALID.sub("", str(value))


def render_junit(report: dict[str, Any]) -> str:
    tenant, run = report["tenant"]["id"], report["run"]
    counts = report["summary"]["counts"]
    attrs = {
        "tests": str(report["summary"]["total"]),
        "failures": str(counts["fail"]),
        "errors": str(counts["error"]),
        "skipped": str(counts["not_applicable"]),
        "time": f"{sum(f['duration_ms'] for f in report['findings']) / 1000:.3f}",
    }
    root = ET.Element("testsuites", {"name": "hds-controlplane", **attrs})
    suite = ET.SubElement(
        root, "testsuite", {"name": _text(f"hds.{tenant}"), "timestamp": _text(run["started_at"]), **attrs}
    )
    props = ET.SubElement(suite, "properties")
    for name, value in (("tenant", tenant), ("run_id", run["run_id"]), ("run_status", run["status"])):
        ET.SubElement(props, "property", {"name": name, "value": _text(value)})
    for f in report["findings"]:
        where = " ".join(p for p in (f["target"], f["resource"]) if p) or f["target_kind"] or "-"
        case = ET.SubElement(
            suite,
            "testcase",
            {
                "classname": _text(f"hds.{tenant}.{f['control']}"),
                "name": _text(f"{f['control']} {where}"),
                "time": f"{f['duration_ms'] / 1000:.3f}",
            },
        )
        evidence = json.dumps(f["evidence"], ensure_ascii=False, sort_keys=True, indent=1)
        if f["status"] == "fail":
            node = ET.SubElement(case, "failure", {"message": _text(f["message"]), "type": "fail"})
            node.text = _text(f"{f['message']}\n\n{f['remediation'] or ''}\n\n{evidence}")
        elif f["status"] == "error":
            node = ET.SubElement(case, "error", {"message": _text(f["message"]), "type": "error"})
            node.text = _text(f["message"])
        elif f["status"] == "not_applicable":
            ET.SubElement(case, "skipped", {"message": _text(f["message"])})
        ET.SubElement(case, "system-out").text = _text(evidence)
    ET.indent(root)
    return ET.tostring(root, encoding="unicode", xml_declaration=True) + "\n"
