# SPDX-License-Identifier: MIT
"""tests/json/check.py - check one `retort --format json` output.

usage: check.py COMMAND OUTPUT-FILE [SCHEMA-FILE]

The output must be exactly one JSON document (RFC 8259, parsed strictly:
no NaN, no duplicate keys, valid UTF-8) on one line ending in "\\n": a
top-level object with "format": 1 and "command": COMMAND.  With a schema,
the document must also validate against it (JSON Schema 2020-12, with
python3-jsonschema).  Prints nothing and exits 0 when it passes; prints
why and exits 1 when not; exits 3 when jsonschema is missing.
"""
import json
import sys


def no_dupes(pairs):
    keys = [k for k, _ in pairs]
    dup = {k for k in keys if keys.count(k) > 1}
    if dup:
        raise ValueError("duplicate keys: %s" % ", ".join(sorted(dup)))
    return dict(pairs)


def no_constant(name):
    raise ValueError("not JSON: %s" % name)


def main():
    command, path = sys.argv[1], sys.argv[2]
    schema_path = sys.argv[3] if len(sys.argv) > 3 else None
    raw = open(path, "rb").read()
    try:
        text = raw.decode("utf-8", errors="strict")
    except UnicodeDecodeError as e:
        print("not UTF-8: %s" % e)
        return 1
    if not text.endswith("\n") or "\n" in text[:-1]:
        print("not one line ending in a newline: %r" % text[:200])
        return 1
    try:
        doc = json.loads(text, object_pairs_hook=no_dupes, parse_constant=no_constant)
    except ValueError as e:
        print("not one JSON document: %s" % e)
        return 1
    if not isinstance(doc, dict):
        print("the top level is not an object")
        return 1
    if doc.get("format") != 1 or doc.get("command") != command:
        print("format/command are %r/%r, wanted 1/%r" % (doc.get("format"), doc.get("command"),
                                                        command))
        return 1
    if schema_path:
        try:
            import jsonschema
        except ImportError:
            print("python3-jsonschema is not installed")
            return 3
        schema = json.load(open(schema_path, encoding="utf-8"))
        jsonschema.Draft202012Validator.check_schema(schema)
        errors = sorted(jsonschema.Draft202012Validator(schema).iter_errors(doc),
                        key=lambda e: list(e.absolute_path))
        if errors:
            for e in errors[:5]:
                print("%s: %s" % ("/".join(str(p) for p in e.absolute_path) or "(top)",
                                  e.message))
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
