"""Writes protos/caffe.proto from the schema dumped by real Caffe (caffe-oracle schema).

Used once to bootstrap our caffe.proto and kept so the file can be rebuilt if the reference
schema changes:

    python tools/write_caffe_proto.py ../shared/caffe-oracle/schema.json > protos/caffe.proto

Field names, numbers, labels, types and defaults are facts of the wire format; the layout and
comments are ours. `[packed = true]` is not in the schema: BVLC Caffe packs the numeric arrays
of BlobShape and BlobProto, and so do we, so that written .caffemodel files match Caffe's.
"""
from __future__ import annotations

import json
import sys

import numpy as np

SCALARS = {1: "double", 2: "float", 3: "int64", 4: "uint64", 5: "int32", 8: "bool",
           9: "string", 12: "bytes", 13: "uint32"}
PACKED = {("caffe.BlobShape", "dim"), ("caffe.BlobProto", "data"), ("caffe.BlobProto", "diff"),
          ("caffe.BlobProto", "double_data"), ("caffe.BlobProto", "double_diff")}


def short(name: str) -> str:
    return name.split(".")[-1]


def default_text(field: dict) -> str:
    value = field["default"]
    kind = field["type"]
    if kind == 8:
        return "true" if value else "false"
    if kind == 2:
        return str(np.float32(value)) if value != int(value) else repr(float(value))
    if kind == 9:
        return json.dumps(value)
    return str(value)


def main(path: str) -> None:
    schema = json.load(open(path))
    enums = schema["enums"]
    out = ['// Caffe\'s network description schema, wire- and text-compatible with BVLC Caffe 1.0.',
           '// Held field for field to the schema real Caffe reports (tests/test_proto.py).',
           '// Regenerate the Python module after editing: python tools/gen_proto.py',
           'syntax = "proto2";', '', 'package caffe;', '']

    def enum_lines(full: str, indent: str) -> list[str]:
        lines = [f"{indent}enum {short(full)} {{"]
        for name, number in sorted(enums[full].items(), key=lambda kv: kv[1]):
            lines.append(f"{indent}  {name} = {number};")
        lines.append(f"{indent}}}")
        return lines

    for full in sorted(e for e in enums if e.count(".") == 1):
        out += enum_lines(full, "") + [""]
    for full, fields in schema["messages"].items():
        out.append(f"message {short(full)} {{")
        for nested in sorted(e for e in enums if e.rsplit(".", 1)[0] == full):
            out += enum_lines(nested, "  ")
        for f in fields:
            if "message" in f:
                kind = short(f["message"])
            elif "enum" in f:
                kind = f["enum"][len("caffe."):]
                parent = f["enum"].rsplit(".", 1)[0]
                if parent == full:
                    kind = short(f["enum"])
            else:
                kind = SCALARS[f["type"]]
            options = []
            if "default" in f:
                options.append(f"default = {default_text(f)}")
            if (full, f["name"]) in PACKED:
                options.append("packed = true")
            tail = f" [{', '.join(options)}]" if options else ""
            out.append(f"  {f['label']} {kind} {f['name']} = {f['number']}{tail};")
        out += ["}", ""]
    sys.stdout.write("\n".join(out))


if __name__ == "__main__":
    main(sys.argv[1])
