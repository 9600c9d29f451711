"""Turns a CustomResourceDefinition (apiextensions.k8s.io/v1 YAML) into kubeconform's JSON schemas.

Usage: crd-to-jsonschema.py CRD.yml OUT_DIR [--add-enum FIELD=V1,V2 ...]

One file per served version, named as kubeconform's default template expects
({kind}-{group's first label}-{version}.json). Strict like the Kubernetes schemas beside it: an
object that lists its properties and neither declares additionalProperties nor preserves unknown
fields refuses other keys, as the API server's structural-schema pruning plus field validation do.

--add-enum widens the enum of every property named FIELD: used when the registry serves an older
release of the CRD than the operator the program installs, for the values that release added.
"""

import json
import os
import sys

import yaml


def strict(node):
    if isinstance(node, dict):
        if (
            node.get("type") == "object"
            and "properties" in node
            and "additionalProperties" not in node
            and not node.get("x-kubernetes-preserve-unknown-fields")
        ):
            node["additionalProperties"] = False
        for value in node.values():
            strict(value)
    elif isinstance(node, list):
        for value in node:
            strict(value)


def widen(node, field, values):
    if isinstance(node, dict):
        for key, value in node.items():
            if key == field and isinstance(value, dict) and "enum" in value:
                value["enum"] = value["enum"] + [v for v in values if v not in value["enum"]]
            widen(value, field, values)
    elif isinstance(node, list):
        for value in node:
            widen(value, field, values)


def main(argv):
    crd_path, out_dir, *rest = argv
    additions = []
    while rest:
        flag, spec, *rest = rest
        if flag != "--add-enum":
            raise SystemExit(f"unknown option {flag}")
        field, values = spec.split("=", 1)
        additions.append((field, values.split(",")))
    with open(crd_path) as f:
        crd = yaml.safe_load(f)
    if crd.get("apiVersion") != "apiextensions.k8s.io/v1":
        raise SystemExit(f"{crd_path}: expected an apiextensions.k8s.io/v1 CRD")
    group = crd["spec"]["group"]
    kind = crd["spec"]["names"]["kind"]
    os.makedirs(out_dir, exist_ok=True)
    for version in crd["spec"]["versions"]:
        schema = version["schema"]["openAPIV3Schema"]
        # Every object carries these; the CRD leaves them to the API server.
        schema.setdefault("properties", {}).update(
            {
                "apiVersion": {"type": "string", "enum": [f"{group}/{version['name']}"]},
                "kind": {"type": "string", "enum": [kind]},
                "metadata": {"type": "object"},
            }
        )
        for field, values in additions:
            widen(schema, field, values)
        strict(schema)
        name = f"{kind.lower()}-{group.split('.')[0]}-{version['name']}.json"
        with open(os.path.join(out_dir, name), "w") as f:
            json.dump(schema, f, indent=1)
        print(os.path.join(out_dir, name))


if __name__ == "__main__":
    main(sys.argv[1:])
