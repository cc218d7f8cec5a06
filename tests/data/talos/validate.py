#!/usr/bin/python3
"""validate.py - check a rendered Talos machine configuration stream.

Usage: validate.py SCHEMA FILE...   (FILE "-" reads standard input)

Every document of each YAML stream must validate on its own against SCHEMA
(a Talos config.schema.json, JSON Schema draft 2020-12) with
Draft202012Validator. The stream is read like yaml.safe_load_all, except that
a duplicate key in a mapping is an error (Talos's Go decoder rejects it,
PyYAML keeps the last value). An empty stream or an empty document is an
error too. When a document fails the schema's top-level oneOf, the errors are
shown against the definition its kind selects, which is far more readable.

Exit 0 when everything is valid, 1 listing every error, 2 on a usage or read
error. Needs Debian's python3-jsonschema and python3-yaml.
"""
import json
import sys

import jsonschema
import yaml


class UniqueKeyLoader(yaml.SafeLoader):
    """yaml.SafeLoader that rejects duplicate mapping keys."""

    def construct_mapping(self, node, deep=False):
        seen = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    None, None, "duplicate key %r" % (key,),
                    key_node.start_mark)
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


def definition_for(schema, doc):
    """The $defs entry that a document's kind (or version) selects, or None."""
    defs = schema.get("$defs", {})
    if not isinstance(doc, dict):
        return None
    if "kind" not in doc and doc.get("version") == "v1alpha1":
        return "v1alpha1.Config"
    for name, d in defs.items():
        kind = d.get("properties", {}).get("kind", {}).get("enum", [])
        if doc.get("kind") in kind:
            return name
    return None


def check(schema, validator, name, text):
    errors = []
    try:
        docs = list(yaml.load_all(text, Loader=UniqueKeyLoader))
    except yaml.YAMLError as exc:
        return ["%s: not YAML: %s" % (name, exc)]
    if not docs:
        return ["%s: no documents" % name]
    for i, doc in enumerate(docs):
        where = "%s: document %d" % (name, i + 1)
        if doc is None:
            errors.append("%s: empty document" % where)
            continue
        if validator.is_valid(doc):
            continue
        ref = definition_for(schema, doc)
        if ref is None:
            errors.append("%s: kind %r is not in the schema" %
                          (where, doc.get("kind") if isinstance(doc, dict)
                           else None))
            continue
        sub = dict(schema)
        sub.pop("oneOf", None)
        sub["$ref"] = "#/$defs/" + ref
        found = False
        for err in jsonschema.Draft202012Validator(sub).iter_errors(doc):
            path = ".".join(str(p) for p in err.absolute_path) or "(root)"
            errors.append("%s (%s): %s: %s" % (where, ref, path, err.message))
            found = True
        if not found:
            errors.append("%s (%s): fails the schema's oneOf" % (where, ref))
    return errors


def main(argv):
    if len(argv) < 3:
        print("usage: validate.py SCHEMA FILE...", file=sys.stderr)
        return 2
    try:
        with open(argv[1], encoding="utf-8") as f:
            schema = json.load(f)
        jsonschema.Draft202012Validator.check_schema(schema)
    except (OSError, ValueError, jsonschema.SchemaError) as exc:
        print("validate.py: cannot load schema %s: %s" % (argv[1], exc),
              file=sys.stderr)
        return 2
    validator = jsonschema.Draft202012Validator(schema)
    errors = []
    for name in argv[2:]:
        try:
            if name == "-":
                text = sys.stdin.read()
            else:
                with open(name, encoding="utf-8") as f:
                    text = f.read()
        except OSError as exc:
            print("validate.py: cannot read %s: %s" % (name, exc),
                  file=sys.stderr)
            return 2
        errors.extend(check(schema, validator, name, text))
    for e in errors:
        print(e)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
