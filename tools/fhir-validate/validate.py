"""Validates FHIR R4 resources, Bundles above all (JSON files named on the command line), with fhir.resources 6.1.0,
the R4 (4.0.1) models on pydantic 1: every element's name and type, required elements, choice
types, primitive formats (dates, ids, codes), and no unknown elements. It must also refuse a
broken copy of the first file, so a validator that accepts everything fails this script.
Exit 1 on any error."""

import copy
import json
import sys

import fhir.resources
from fhir.resources import construct_fhir_element


def errors(resource):
    try:
        construct_fhir_element(resource.get("resourceType", ""), resource)
        return []
    except Exception as e:  # pydantic's ValidationError lists every problem
        return str(e).splitlines()


def main(files):
    if not files:
        print("usage: validate.py BUNDLE.json ...", file=sys.stderr)
        return 2
    assert fhir.resources.__version__ == "6.1.0", fhir.resources.__version__
    failed = False
    first = None
    for name in files:
        with open(name, encoding="utf-8") as f:
            bundle = json.load(f)
        if bundle.get("resourceType") == "Bundle":
            first = first or bundle
        problems = errors(bundle)
        print(f"{name}: {bundle.get('resourceType')}, {len(bundle.get('entry', []))} entries; fhir.resources {fhir.resources.__version__}: {len(problems)} error lines")
        for line in problems[:20]:
            print(f"  {line}")
        failed = failed or bool(problems)
    broken = copy.deepcopy(first)
    resource = next((e["resource"] for e in broken["entry"] if e["resource"]["resourceType"] == "Observation"), broken["entry"][0]["resource"])
    resource["notAnElement"] = True
    resource.pop("status", None)
    if errors(broken):
        print("self-check: a broken copy was refused")
    else:
        print("a broken Bundle passed")
        failed = True
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
