#!/usr/bin/env python3
"""Validates Cephalog's FHIR exports with an independent library: the R4 (4.0.1) models of
fhir.resources 6.1.0 (pydantic 1).

    validate_fhir.py PATH...

Each PATH is a Bundle (*.json) or a directory of bulk NDJSON files (*.ndjson, one resource per
line). Every resource is parsed with the model of its type; any error is printed with the file,
line (NDJSON) and resource, and the exit status is 1. Prints what was checked otherwise.
"""

import json
import sys
from collections import Counter
from pathlib import Path

import fhir.resources
from fhir.resources import construct_fhir_element


def check_resource(data, where, counts, errors):
    kind = data.get("resourceType") if isinstance(data, dict) else None
    label = f"{where} {kind}/{data.get('id') if isinstance(data, dict) else '?'}"
    try:
        construct_fhir_element(kind, data)
    except Exception as e:  # pydantic ValidationError, or an unknown resource type
        errors.append(f"{label}:\n    " + str(e).replace("\n", "\n    "))
        return
    counts[kind] += 1


def check_bundle(path, counts, errors):
    with open(path, encoding="utf-8") as f:
        data = json.load(f)
    if data.get("resourceType") != "Bundle":
        errors.append(f"{path}: not a Bundle")
        return
    # The Bundle model parses every entry's resource with its own model.
    check_resource(data, str(path), counts, errors)
    for n, entry in enumerate(data.get("entry", [])):
        resource = entry.get("resource", {})
        counts[f"{resource.get('resourceType')} (in bundles)"] += 1


def check_ndjson(path, counts, errors):
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, start=1):
            if not line.strip():
                errors.append(f"{path}:{n}: empty line")
                continue
            try:
                data = json.loads(line)
            except json.JSONDecodeError as e:
                errors.append(f"{path}:{n}: not JSON: {e}")
                continue
            expected = path.stem
            if data.get("resourceType") != expected:
                errors.append(f"{path}:{n}: a {data.get('resourceType')} in {path.name}")
            check_resource(data, f"{path}:{n}", counts, errors)


def main(argv):
    if len(argv) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    print(f"fhir.resources {fhir.resources.__version__} (FHIR {fhir.resources.__fhir_version__})")
    if fhir.resources.__fhir_version__ != "4.0.1":
        print("expected the R4 (4.0.1) models", file=sys.stderr)
        return 2
    counts, errors, files = Counter(), [], 0
    for arg in argv[1:]:
        p = Path(arg)
        paths = sorted(p.glob("*.ndjson")) if p.is_dir() else [p]
        if not paths:
            errors.append(f"{p}: no NDJSON files")
        for path in paths:
            files += 1
            if path.suffix == ".ndjson":
                check_ndjson(path, counts, errors)
            else:
                check_bundle(path, counts, errors)
    for e in errors:
        print(f"INVALID {e}", file=sys.stderr)
    summary = ", ".join(f"{n} {k}" for k, n in sorted(counts.items()))
    print(f"{files} file(s): {summary}")
    if errors:
        print(f"{len(errors)} invalid resource(s) or file(s)", file=sys.stderr)
        return 1
    print("all valid FHIR R4")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
