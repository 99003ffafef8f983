"""Reads a JUnit XML report as CI systems do and prints as JSON what was read.

Validates it against the Jenkins xUnit plugin's junit-10.xsd (with xmlschema) and reads it with
junitparser: the suites with their counts and properties, the cases with classname, time and
results (failure, error, skipped: message, type, body). Usage: junit.py XSD REPORT
"""

import json
import sys

import junitparser
import xmlschema


def result(r):
    return {
        "kind": r._tag,
        "message": r.message,
        "type": r.type,
        "text": r.text,
    }


def case(c):
    return {
        "name": c.name,
        "classname": c.classname,
        # The attribute as written; junitparser's `time` reads a missing one as 0.
        "time": c._elem.get("time"),
        "results": [result(r) for r in c.result],
        "system_out": c.system_out,
    }


def suite(s):
    return {
        "name": s.name,
        "tests": s.tests,
        "failures": s.failures,
        "errors": s.errors,
        "skipped": s.skipped,
        "properties": [[p.name, p.value] for p in s.properties()],
        "cases": [case(c) for c in s],
    }


def main():
    xsd, report = sys.argv[1:3]
    schema = xmlschema.XMLSchema(xsd)
    xsd_errors = [f"{e.path}: {e.reason}" for e in schema.iter_errors(report)]
    xml = junitparser.JUnitXml.fromfile(report)
    json.dump(
        {
            "xsd_errors": xsd_errors,
            "name": xml.name,
            "tests": xml.tests,
            "failures": xml.failures,
            "errors": xml.errors,
            "suites": [suite(s) for s in xml],
        },
        sys.stdout,
    )
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
