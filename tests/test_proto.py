"""protos/caffe.proto against the schema real Caffe 1.0 reports, field for field, and the
generated module against the proto."""
from __future__ import annotations

import importlib.util
import json
import pathlib
import subprocess
import sys

import numpy as np
import pytest
from google.protobuf.descriptor import FieldDescriptor

from prototxt_compiler.proto import caffe_pb2

ROOT = pathlib.Path(__file__).resolve().parents[1]
SCHEMA_PATH = ROOT.parent / "shared" / "caffe-oracle" / "schema.json"


def label(field: FieldDescriptor) -> str:
    """protobuf 7 dropped FieldDescriptor.label for is_repeated/is_required."""
    if hasattr(field, "is_repeated"):
        return "repeated" if field.is_repeated else (
            "required" if field.is_required else "optional")
    return {1: "optional", 2: "required", 3: "repeated"}[field.label]


def load_schema() -> dict:
    if not SCHEMA_PATH.exists():
        from tests.conftest import corpus_path
        corpus_path()  # skips outside CI, fails under CI
    return json.loads(SCHEMA_PATH.read_text())


def all_messages():
    out = {}

    def walk(desc):
        out[desc.full_name] = desc
        for nested in desc.nested_types:
            walk(nested)

    for desc in caffe_pb2.DESCRIPTOR.message_types_by_name.values():
        walk(desc)
    return out


def all_enums():
    out = {e.full_name: e for e in caffe_pb2.DESCRIPTOR.enum_types_by_name.values()}
    for desc in all_messages().values():
        for e in desc.enum_types:
            out[e.full_name] = e
    return out


def describe(field: FieldDescriptor) -> dict:
    item = {"name": field.name, "number": field.number, "label": label(field),
            "type": field.type}
    if field.message_type is not None:
        item["message"] = field.message_type.full_name
    if field.enum_type is not None:
        item["enum"] = field.enum_type.full_name
    if field.has_default_value:
        default = field.default_value
        if field.enum_type is not None:
            default = field.enum_type.values_by_number[default].name
        item["default"] = default
    return item


def same_default(ours, theirs, kind: int) -> bool:
    if kind == FieldDescriptor.TYPE_FLOAT:
        return np.float32(ours) == np.float32(theirs)
    return ours == theirs


def test_messages_match_caffe_schema() -> None:
    schema = load_schema()
    ours = all_messages()
    assert sorted(ours) == sorted(schema["messages"])
    problems = []
    for name, fields in schema["messages"].items():
        mine = [describe(f) for f in ours[name].fields]
        if [f["name"] for f in mine] != [f["name"] for f in fields]:
            problems.append(f"{name}: fields {[f['name'] for f in mine]}")
            continue
        for a, b in zip(mine, fields):
            for key in ("number", "label", "type", "message", "enum"):
                if a.get(key) != b.get(key):
                    problems.append(f"{name}.{a['name']}: {key} {a.get(key)} vs {b.get(key)}")
            if ("default" in a) != ("default" in b) or (
                    "default" in a and not same_default(a["default"], b["default"], a["type"])):
                problems.append(f"{name}.{a['name']}: default {a.get('default')!r} vs "
                                f"{b.get('default')!r}")
    assert problems == []


def test_enums_match_caffe_schema() -> None:
    schema = load_schema()
    ours = {name: {v.name: v.number for v in e.values} for name, e in all_enums().items()}
    assert ours == schema["enums"]


def test_blob_arrays_are_packed_as_caffe_writes_them() -> None:
    blob = caffe_pb2.BlobProto(data=[1.0, 2.0, 3.0])
    # packed: one tag, one length byte, 12 bytes of floats
    assert blob.SerializeToString() == b"\x2a\x0c" + np.array([1, 2, 3], "<f4").tobytes()


@pytest.mark.skipif(importlib.util.find_spec("grpc_tools") is None,
                    reason="grpcio-tools (the test extra) is not installed")
def test_generated_module_is_fresh() -> None:
    run = subprocess.run([sys.executable, str(ROOT / "tools" / "gen_proto.py"), "--check"],
                         capture_output=True, text=True)
    assert run.returncode == 0, run.stdout + run.stderr
