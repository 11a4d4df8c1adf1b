"""Extracts what a Caffe fork adds to BVLC's schema into the table tests/fixtures/forks/FORK.json.

    python tools/extract_fork_fields.py FORK [FILE ...] [-o OUT]

Each FILE is one of the fork's sources as SOURCES lists them, in that order, exactly as the
fork ships it (``git show COMMIT:PATH > FILE`` in a clone of the repository): a caffe.proto,
or a Markdown page whose code block is the fork's published patch to caffe.proto. Nothing of
the fork is kept in the project; the table is rebuilt from its text by this script.

Both the fork's text and protos/caffe.proto are compiled with protoc (grpcio-tools), and the
two descriptor sets are compared:

- ``layer_fields``: the LayerParameter fields the fork has and BVLC does not (or has with
  another number or type), with their numbers;
- ``messages``/``enums``: the fork's own message and enum types those fields reach, each
  field with its number, label, type, default and packing, each enum with its values;
- ``changed``: BVLC messages a net can carry whose fork version adds or alters fields or
  enum values (the fork's version of each such field and enum);
- per whole-caffe.proto source, ``bvlc_absent``: the BVLC LayerParameter fields, messages
  and message fields the fork, built on an older Caffe, does not have.

A type the fork uses that BVLC also defines, by the same name, is marked ``"from": "bvlc"``,
unless it is an enum the fork gives other values: then it, and every field of that type, is
the fork's own.
"""
from __future__ import annotations

import argparse
import json
import pathlib
import re
import subprocess
import sys
import tempfile

from google.protobuf import descriptor_pb2

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
from fork_sources import SOURCES, Source  # after the path: the script's own folder

ROOT = pathlib.Path(__file__).resolve().parent.parent
BVLC = ROOT / "protos" / "caffe.proto"
F = descriptor_pb2.FieldDescriptorProto
LABELS = {F.LABEL_OPTIONAL: "optional", F.LABEL_REQUIRED: "required",
          F.LABEL_REPEATED: "repeated"}
TYPES = {number: name[len("TYPE_"):].lower() for name, number in F.Type.items()}


def compile_text(text: str) -> descriptor_pb2.FileDescriptorProto:
    with tempfile.TemporaryDirectory() as tmp:
        (pathlib.Path(tmp) / "caffe.proto").write_text(text)
        out = pathlib.Path(tmp) / "caffe.desc"
        run = subprocess.run([sys.executable, "-m", "grpc_tools.protoc", f"-I{tmp}",
                              f"--descriptor_set_out={out}", "caffe.proto"],
                             capture_output=True, text=True, check=False)
        if run.returncode != 0:
            raise SystemExit(f"protoc refused the text:\n{run.stderr}")
        (file_proto,) = descriptor_pb2.FileDescriptorSet.FromString(out.read_bytes()).file
    return file_proto


def snippet_text(markdown: str) -> str:
    """The patch a fork publishes in its README as a caffe.proto file of its own. Where the
    block marks added lines with ``++``, only those (and the message/enum braces around
    them) are the fork's; elsewhere every line but the ``...`` elisions is."""
    blocks = re.findall(r"```[^\n]*\n(.*?)```", markdown, re.DOTALL)
    code = "\n".join(block for block in blocks if "message " in block)
    marked = any(line.lstrip().startswith("++") for line in code.splitlines())
    kept = []
    for line in code.splitlines():
        stripped = line.strip()
        brace = stripped == "}" or re.match(r"^(message|enum)\s+\w+\s*\{$", stripped)
        if stripped.startswith("++"):
            kept.append(stripped[2:])
        elif brace or (not marked and stripped and stripped.strip(".")):
            kept.append(stripped)
    return 'syntax = "proto2";\npackage caffe;\n' + "\n".join(kept) + "\n"


class Schema:
    """One compiled caffe.proto, its messages and enums by name relative to package caffe."""

    def __init__(self, file_proto: descriptor_pb2.FileDescriptorProto) -> None:
        self.messages: dict[str, descriptor_pb2.DescriptorProto] = {}
        self.enums: dict[str, descriptor_pb2.EnumDescriptorProto] = {}
        for enum in file_proto.enum_type:
            self.enums[enum.name] = enum
        stack = [(message.name, message) for message in file_proto.message_type]
        while stack:
            name, message = stack.pop()
            self.messages[name] = message
            stack += [(f"{name}.{nested.name}", nested) for nested in message.nested_type]
            for enum in message.enum_type:
                self.enums[f"{name}.{enum.name}"] = enum

    def reachable(self, start: str) -> list[str]:
        seen, stack = [], [start]
        while stack:
            name = stack.pop()
            if name in seen or name not in self.messages:
                continue
            seen.append(name)
            stack += [relative(f.type_name) for f in self.messages[name].field
                      if f.type == F.TYPE_MESSAGE]
        return seen


def relative(type_name: str) -> str:
    return type_name.removeprefix(".caffe.")


def enum_values(enum: descriptor_pb2.EnumDescriptorProto) -> dict[str, int]:
    return {value.name: value.number for value in enum.value}


def changed_enums(fork: Schema, bvlc: Schema) -> set[str]:
    """BVLC enums the fork gives other values: a field of such a type is the fork's own."""
    return {name for name, enum in bvlc.enums.items()
            if name in fork.enums and enum_values(fork.enums[name]) != enum_values(enum)}


def field_record(field: descriptor_pb2.FieldDescriptorProto, bvlc: Schema,
                 altered: set[str]) -> dict:
    record: dict = {"name": field.name, "number": field.number,
                    "label": LABELS[field.label], "type": TYPES[field.type]}
    if field.type_name:
        name = relative(field.type_name)
        record["type_name"] = name
        known = bvlc.messages if field.type == F.TYPE_MESSAGE else bvlc.enums
        record["from"] = "bvlc" if name in known and name not in altered else "fork"
    if field.HasField("default_value"):
        record["default"] = field.default_value
    if field.options.HasField("packed"):
        record["packed"] = field.options.packed
    return record


def same_field(a: descriptor_pb2.FieldDescriptorProto, b: descriptor_pb2.FieldDescriptorProto,
               altered: set[str]) -> bool:
    keys = ("number", "label", "type", "default_value")
    return all(getattr(a, k) == getattr(b, k) for k in keys) and (
        relative(a.type_name) == relative(b.type_name)
        and relative(a.type_name) not in altered
        and a.options.packed == b.options.packed)


class Extraction:
    """The walk from the fork's new LayerParameter fields to every type they reach, and the
    diff of each BVLC message on the way (and of every BVLC message a net can carry)."""

    def __init__(self, fork: Schema, bvlc: Schema) -> None:
        self.fork, self.bvlc = fork, bvlc
        self.messages: dict[str, dict] = {}
        self.enums: dict[str, dict] = {}
        self.candidates = [n for n in bvlc.reachable("NetParameter") if n != "LayerParameter"]
        self.absent_fields: dict[str, list[str]] = {}
        self.altered = changed_enums(fork, bvlc)

    def record(self, field: descriptor_pb2.FieldDescriptorProto) -> dict:
        return field_record(field, self.bvlc, self.altered)

    def same(self, field: descriptor_pb2.FieldDescriptorProto,
             bvlc_field: descriptor_pb2.FieldDescriptorProto) -> bool:
        return same_field(field, bvlc_field, self.altered)

    def reach(self, type_name: str) -> None:
        """Takes in the type a field names: BVLC's (to diff) or the fork's (whole)."""
        name = relative(type_name)
        top = name.split(".")[0]
        if top in self.bvlc.messages or ("." not in name and name in self.bvlc.enums):
            if top in self.bvlc.messages and top not in self.candidates:
                self.candidates.append(top)
        elif "." not in name and name in self.fork.enums:
            self.enums[name] = enum_values(self.fork.enums[name])
        elif top not in self.messages:
            for full, message in self.fork.messages.items():
                if full == top or full.startswith(top + "."):
                    self.messages[full] = {
                        "fields": [self.record(f) for f in message.field],
                        "enums": {e.name: enum_values(e) for e in message.enum_type}}
            for full in [m for m in self.messages if m == top or m.startswith(top + ".")]:
                for field in self.fork.messages[full].field:
                    if field.type_name:
                        self.reach(field.type_name)

    def diff(self, name: str) -> dict | None:
        """The fork's changes to BVLC message NAME, or None where it has none."""
        ours, theirs = self.bvlc.messages[name], self.fork.messages[name]
        our_fields = {f.name: f for f in ours.field}
        fields = [f for f in theirs.field
                  if f.name not in our_fields or not self.same(f, our_fields[f.name])]
        extra = {n.name for n in theirs.nested_type} - {n.name for n in ours.nested_type}
        if extra:
            raise SystemExit(f"{name}: the fork nests new messages {sorted(extra)} in it")
        our_enums = {e.name: enum_values(e) for e in ours.enum_type}
        enums = {e.name: enum_values(e) for e in theirs.enum_type
                 if our_enums.get(e.name) != enum_values(e)}
        absent = sorted(set(our_fields) - {f.name for f in theirs.field})
        if absent:
            self.absent_fields["caffe." + name] = absent
        for field in fields:
            if field.type_name:
                self.reach(field.type_name)
        if not (fields or enums):
            return None
        return {"fields": [self.record(f) for f in fields], "enums": enums}

    def table(self) -> dict:
        bvlc_layer = {f.name: f for f in self.bvlc.messages["LayerParameter"].field}
        fork_layer = self.fork.messages["LayerParameter"].field
        added = sorted((f for f in fork_layer if f.name not in bvlc_layer
                        or not self.same(f, bvlc_layer[f.name])), key=lambda f: f.number)
        for field in added:
            if field.type_name:
                self.reach(field.type_name)
        changed = {}
        index = 0
        while index < len(self.candidates):  # diff() may append what changed fields reach
            name = self.candidates[index]
            index += 1
            if name in self.fork.messages and (change := self.diff(name)) is not None:
                changed["caffe." + name] = change
        names = {f.name for f in fork_layer}
        return {
            "layer_fields": [self.record(f) for f in added],
            "messages": dict(sorted(self.messages.items())),
            "enums": dict(sorted(self.enums.items())),
            "changed": dict(sorted(changed.items())),
            "bvlc_absent": {
                "layer_fields": sorted(n for n in bvlc_layer if n not in names),
                "messages": sorted(n for n in self.bvlc.reachable("NetParameter")
                                   if n not in self.fork.messages),
                "fields": dict(sorted(self.absent_fields.items()))}}


def merge(parts: list[dict], sources: list[Source]) -> dict:
    """One table from the sources of one fork; a name or number two sources give
    differently is refused, since the fork's schema could not hold both."""
    table: dict = {"layer_fields": [], "messages": {}, "enums": {}, "changed": {}}
    several = len(parts) > 1
    for part, source in zip(parts, sources):
        for field in part["layer_fields"]:
            for other in table["layer_fields"]:
                if other["name"] == field["name"] or other["number"] == field["number"]:
                    raise SystemExit(f"{source.repo}: {field['name']} = {field['number']} "
                                     f"clashes with {other['name']} = {other['number']}")
            table["layer_fields"].append(field | {"source": source.repo} if several else field)
        for key in ("messages", "enums", "changed"):
            for name, value in part[key].items():
                if name in table[key] and table[key][name] != value:
                    raise SystemExit(f"{source.repo}: {name} differs between the sources")
                table[key][name] = value
    table["layer_fields"].sort(key=lambda f: f["number"])
    for key in ("messages", "enums", "changed"):
        table[key] = dict(sorted(table[key].items()))
    return table


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("fork", choices=sorted(SOURCES))
    parser.add_argument("files", nargs="*", type=pathlib.Path)
    parser.add_argument("-o", "--out", type=pathlib.Path)
    args = parser.parse_args(argv)
    fork = SOURCES[args.fork]
    with_text = [s for s in fork.sources if s.kind != "layers-only"]
    if len(args.files) != len(with_text):
        parser.error(f"{args.fork} takes {len(with_text)} file(s): "
                     + ", ".join(f"{s.repo}:{s.path}@{s.commit}" for s in with_text))
    bvlc = Schema(compile_text(BVLC.read_text()))
    parts: list[dict] = []
    sources: list[dict] = []
    for source in fork.sources:
        entry = source.as_json()
        if source.kind != "layers-only":
            text = args.files[len(parts)].read_text()
            text = snippet_text(text) if source.kind == "snippet" else text
            parts.append(Extraction(Schema(compile_text(text)), bvlc).table())
            if source.kind == "proto":  # a patch says nothing of what the fork lacks
                entry["bvlc_absent"] = parts[-1]["bvlc_absent"]
        sources.append(entry)
    out = {"fork": args.fork, "title": fork.title, "sources": sources,
           "notes": list(fork.notes)} | merge(parts, with_text)
    text = json.dumps(out, indent=1) + "\n"
    if args.out:
        args.out.write_text(text)
    else:
        sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
