"""Validates manifest.yml against Slack's app manifest JSON Schemas (draft-07).

The schemas are not part of the project: CI finds them in ../shared/slack. Their $refs point at
GitHub; they are resolved to the local copies, as this machine has no network.
Usage: python3 .ci/validate-manifest.py <manifest.yml> <schema dir>
"""
import json
import pathlib
import sys

import jsonschema
import referencing
import yaml

manifest_path, schema_dir = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2])
schemas = {p.name: json.loads(p.read_text()) for p in schema_dir.glob("manifest.schema*.json")}


def retrieve(uri: str) -> referencing.Resource:
    name = uri.rsplit("/", 1)[-1]
    if name not in schemas:
        raise referencing.exceptions.NoSuchResource(ref=uri)
    return referencing.Resource.from_contents(schemas[name], default_specification=referencing.jsonschema.DRAFT7)


registry = referencing.Registry(retrieve=retrieve)
manifest = yaml.safe_load(manifest_path.read_text())
# The versioned schema gives errors that point at the field; the dispatching one must agree.
major = (manifest.get("_metadata") or {}).get("major_version", 1)
errors = sorted(
    jsonschema.Draft7Validator(schemas[f"manifest.schema.{major}.0.0.json"], registry=registry).iter_errors(manifest),
    key=lambda e: list(e.path),
) or list(jsonschema.Draft7Validator(schemas["manifest.schema.json"], registry=registry).iter_errors(manifest))
for error in errors:
    print(f"manifest.yml: {'/'.join(map(str, error.path)) or '(root)'}: {error.message}")
print(f"manifest.yml: {'valid' if not errors else f'{len(errors)} errors'} against Slack's manifest schema")
sys.exit(1 if errors else 0)
