"""Validates a SARIF log against a SARIF 2.1.0 JSON schema with jsonschema and prints the
violations as JSON (an empty list when the log is valid). The schema's own `$schema` picks the
JSON Schema draft. Usage: sarif.py SCHEMA LOG
"""

import json
import sys

import jsonschema


def main():
    schema_path, log_path = sys.argv[1:3]
    with open(schema_path, encoding="utf-8") as f:
        schema = json.load(f)
    with open(log_path, encoding="utf-8") as f:
        log = json.load(f)
    validator_class = jsonschema.validators.validator_for(schema)
    validator_class.check_schema(schema)
    errors = [
        {"path": "/" + "/".join(str(p) for p in e.absolute_path), "message": e.message}
        for e in validator_class(schema).iter_errors(log)
    ]
    json.dump({"draft": validator_class.__name__, "errors": errors}, sys.stdout)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
