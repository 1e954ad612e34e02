"""The JUnit report: one test case per rule of the contract (a CI dashboard then shows which
rule broke), and one per operation for the schema layer; a failure's case holds the failure as
the terminal shows it (`render.py`). A rule no request exercised is a skipped case, a test that
ended without a verdict (the target did not answer) an error."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import UTC, datetime
from pathlib import Path

from .journal import OTHER
from .render import headline, render
from .run_record import FAILED, NOT_EXERCISED, RunRecord

SUITE = "rooms-contract"


def _suite(parent: ET.Element, name: str, record: RunRecord) -> ET.Element:
    return ET.SubElement(
        parent,
        "testsuite",
        name=name,
        timestamp=datetime.fromtimestamp(record.started, UTC).isoformat(timespec="seconds"),
    )


def _count(suite: ET.Element, seconds: float) -> None:
    cases = list(suite.iter("testcase"))
    suite.set("tests", str(len(cases)))
    for kind, attribute in (("failure", "failures"), ("error", "errors"), ("skipped", "skipped")):
        suite.set(attribute, str(sum(1 for case in cases if case.find(kind) is not None)))
    suite.set("time", f"{seconds:.3f}")


def junit(record: RunRecord) -> ET.ElementTree[ET.Element]:
    root = ET.Element("testsuites", name=SUITE, time=f"{record.seconds:.3f}")
    rules = _suite(root, f"{SUITE}: rules", record)
    properties = ET.SubElement(rules, "properties")
    for name, value in (
        ("target", record.target),
        ("seed", str(record.seed)),
        ("spec_version", record.spec_version),
        ("requests", str(record.requests)),
    ):
        ET.SubElement(properties, "property", name=name, value=value)
    for rule in record.rules:
        case = ET.SubElement(rules, "testcase", classname=f"{SUITE}.rules", name=rule.rule.id)
        ET.SubElement(case, "system-out").text = (
            f"{rule.rule.quote}\nrequests judged: {rule.requests} "
            + ", ".join(f"{op} {n}" for op, n in rule.by_operation.items() if n)
        )
        if rule.verdict == FAILED:
            failure = ET.SubElement(case, "failure", message=headline(rule.violations[0]))
            failure.text = "\n\n".join(render(violation) for violation in rule.violations)
        elif rule.verdict == NOT_EXERCISED:
            ET.SubElement(case, "skipped", message="not exercised: no request was judged by it")
    _count(rules, record.seconds)

    schema = _suite(root, f"{SUITE}: schema", record)
    ran = {test.operation: test for test in record.tests if test.layer == "schema"}
    labels = [label for operation, label in record.labels.items() if operation != OTHER]
    for label in labels:
        test = ran.get(label)
        case = ET.SubElement(
            schema,
            "testcase",
            classname=f"{SUITE}.schema",
            name=label,
            time=f"{test.seconds if test else 0:.3f}",
        )
        if test is None:
            ET.SubElement(case, "skipped", message="not run (the run stopped before it)")
        else:
            _outcome(case, test.outcome, test.violation, test.text)
    _count(schema, sum(test.seconds for test in ran.values()))

    errors = [test for test in record.errors if not (test.layer == "schema" and test.operation)]
    if errors:
        suite = _suite(root, f"{SUITE}: errors", record)
        for test in errors:
            case = ET.SubElement(suite, "testcase", classname=f"{SUITE}.{test.layer}")
            case.set("name", test.nodeid.rpartition("::")[2])
            _outcome(case, test.outcome, None, test.text)
        _count(suite, sum(test.seconds for test in errors))
    for kind in ("tests", "failures", "errors", "skipped"):
        root.set(kind, str(sum(int(suite.get(kind, "0")) for suite in root.iter("testsuite"))))
    ET.indent(root)
    return ET.ElementTree(root)


def _outcome(case: ET.Element, outcome: str, violation: object, text: str) -> None:
    from .violation import Violation

    if isinstance(violation, Violation):
        failure = ET.SubElement(case, "failure", message=headline(violation))
        failure.text = render(violation)
    elif outcome in ("failed", "error"):
        error = ET.SubElement(case, "error", message=(text.splitlines() or [outcome])[0])
        error.text = text
    elif outcome == "skipped":
        ET.SubElement(case, "skipped", message=text or "skipped")


def write(record: RunRecord, path: Path) -> None:
    junit(record).write(path, encoding="utf-8", xml_declaration=True)
