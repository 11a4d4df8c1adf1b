"""Each Caffe fork's generated messages (protos/forks/FORK.proto) against the table extracted
from the fork's own caffe.proto by tools/extract_fork_fields.py (tests/fixtures/forks/FORK.json):
names, numbers, labels, types, defaults, packing and enum values, both ways; the modules
fresh; a text sample of each fork's layer fields parsed by protobuf's own text_format."""
from __future__ import annotations

import importlib
import importlib.util
import json
import pathlib
import subprocess
import sys

import numpy as np
import pytest
from google.protobuf import descriptor_pb2, text_format
from google.protobuf.descriptor import Descriptor, EnumDescriptor, FieldDescriptor

from prototxt_compiler.proto import caffe_pb2
from prototxt_compiler.proto.forks import FORKS

ROOT = pathlib.Path(__file__).resolve().parents[1]
TABLES = ROOT / "tests" / "fixtures" / "forks"
NAMES = sorted(path.stem for path in TABLES.glob("*.json"))
TYPES = {number: name[len("TYPE_"):].lower()
         for name, number in descriptor_pb2.FieldDescriptorProto.Type.items()}


def table(fork: str) -> dict:
    return json.loads((TABLES / f"{fork}.json").read_text())


def module(fork: str):
    return importlib.import_module(f"prototxt_compiler.proto.forks.{fork}_pb2")


def label(field: FieldDescriptor) -> str:
    """protobuf 7 dropped FieldDescriptor.label for is_repeated/is_required."""
    if hasattr(field, "is_repeated"):
        return "repeated" if field.is_repeated else (
            "required" if field.is_required else "optional")
    return {1: "optional", 2: "required", 3: "repeated"}[field.label]


def default_text(field: FieldDescriptor, text: str):
    """What the descriptor's default_value must be, from the table's protoc-written text."""
    kind = TYPES[field.type]
    if kind in ("float", "double"):
        return float(np.float32(text)) if kind == "float" else float(text)
    if kind == "bool":
        return {"true": True, "false": False}[text]
    if kind == "enum":
        return field.enum_type.values_by_name[text].number
    if kind in ("string", "bytes"):
        return text
    return int(text)


def full_type_name(fork: str, record: dict) -> str:
    """The table names types as the fork does, inside package caffe; here BVLC's live in
    caffe, the fork's own in prototxt_compiler.forks.FORK, and a type the fork nests in a
    BVLC message in that fork's BvlcChanges."""
    name = record["type_name"]
    if record["from"] == "bvlc":
        return f"caffe.{name}"
    if name.split(".")[0] in caffe_pb2.DESCRIPTOR.message_types_by_name:
        return f"prototxt_compiler.forks.{fork}.BvlcChanges.{name}"
    return f"prototxt_compiler.forks.{fork}.{name}"


def actual(field: FieldDescriptor) -> dict:
    out: dict = {"number": field.number, "label": label(field), "type": TYPES[field.type]}
    if field.message_type is not None:
        out["type_name"] = field.message_type.full_name
    if field.enum_type is not None:
        out["type_name"] = field.enum_type.full_name
    if field.has_default_value:
        out["default"] = field.default_value
    if field.GetOptions().HasField("packed"):
        out["packed"] = field.GetOptions().packed
    return out


def expected(fork: str, field: FieldDescriptor | None, record: dict) -> dict:
    out: dict = {"number": record["number"], "label": record["label"], "type": record["type"]}
    if "type_name" in record:
        out["type_name"] = full_type_name(fork, record)
    if "default" in record:
        out["default"] = (record["default"] if field is None
                          else default_text(field, record["default"]))
    if "packed" in record:
        out["packed"] = record["packed"]
    return out


def field_problems(fork: str, descriptor: Descriptor, records: list[dict]) -> list[str]:
    """How DESCRIPTOR's fields differ from the table's RECORDS (none: equal, both ways)."""
    ours = {f.name: actual(f) for f in descriptor.fields}
    theirs = {r["name"]: expected(fork, descriptor.fields_by_name.get(r["name"]), r)
              for r in records}
    return [f"{descriptor.full_name}.{name}: ours {ours.get(name)}, the fork's {theirs.get(name)}"
            for name in sorted(set(ours) | set(theirs)) if ours.get(name) != theirs.get(name)]


def enum_problems(descriptor: Descriptor, enums: dict[str, dict[str, int]]) -> list[str]:
    ours = {e.name: {v.name: v.number for v in e.values} for e in descriptor.enum_types}
    return [f"{descriptor.full_name}.{name}: ours {ours.get(name)}, the fork's {enums.get(name)}"
            for name in sorted(set(ours) | set(enums)) if ours.get(name) != enums.get(name)]


def nested(descriptor: Descriptor | EnumDescriptor, prefix: str) -> list[str]:
    names = [prefix + descriptor.name]
    if isinstance(descriptor, Descriptor):
        for inner in descriptor.nested_types:
            names += nested(inner, f"{prefix}{descriptor.name}.")
    return names


def test_every_fork_has_its_table_proto_and_module() -> None:
    protos = sorted(path.stem for path in (ROOT / "protos" / "forks").glob("*.proto"))
    assert NAMES == protos == sorted(FORKS)
    assert list(FORKS) == [name for name in FORKS]  # insertion order is the stable order
    for name, fork in FORKS.items():
        assert fork.name == name


@pytest.mark.parametrize("fork", NAMES)
def test_title_and_source_are_the_tables(fork: str) -> None:
    data = table(fork)
    assert FORKS[fork].title == data["title"]
    for source in data["sources"]:
        assert f"{source['repo']} {source['path']} @ {source['commit']}" in FORKS[fork].source


@pytest.mark.parametrize("fork", NAMES)
def test_layer_fields_are_exactly_the_tables(fork: str) -> None:
    layer_fields = FORKS[fork].layer_fields.DESCRIPTOR
    assert layer_fields.full_name == f"prototxt_compiler.forks.{fork}.LayerFields"
    assert field_problems(fork, layer_fields, table(fork)["layer_fields"]) == []


@pytest.mark.parametrize("fork", NAMES)
def test_messages_and_enums_are_exactly_the_tables(fork: str) -> None:
    data, file = table(fork), module(fork).DESCRIPTOR
    package = f"prototxt_compiler.forks.{fork}"
    assert file.package == package
    problems = []
    for name, message in data["messages"].items():
        descriptor = file.pool.FindMessageTypeByName(f"{package}.{name}")
        problems += field_problems(fork, descriptor, message["fields"])
        problems += enum_problems(descriptor, message["enums"])
    assert problems == []
    ours = set()
    for top in file.message_types_by_name.values():
        if top.name not in ("LayerFields", "BvlcChanges"):
            ours.update(nested(top, ""))
    assert ours == set(data["messages"])
    top_enums = {e.name: {v.name: v.number for v in e.values}
                 for e in file.enum_types_by_name.values()}
    assert top_enums == data["enums"]


@pytest.mark.parametrize("fork", NAMES)
def test_changed_bvlc_messages_are_exactly_the_tables(fork: str) -> None:
    data, changed = table(fork), FORKS[fork].changed
    assert set(changed) == set(data["changed"])
    holder = getattr(module(fork), "BvlcChanges", None)
    problems = []
    for full_name, change in data["changed"].items():
        bvlc = caffe_pb2.DESCRIPTOR.pool.FindMessageTypeByName(full_name)  # it exists in BVLC
        descriptor = holder.DESCRIPTOR.nested_types_by_name[bvlc.name]
        problems += field_problems(fork, descriptor, change["fields"])
        problems += enum_problems(descriptor, change["enums"])
        assert dict(changed[full_name]) == dict(descriptor.fields_by_name)
    assert problems == []


# One layer's parameters per fork, as the fork's nets write them (values read back below).
SAMPLES = {
    "ssd": (("prior_box_param { min_size: 30 max_size: 60 aspect_ratio: 2 flip: true "
            "variance: 0.1 step: 8 offset: 0.5 } "
            "detection_output_param { num_classes: 21 nms_param { nms_threshold: 0.45 "
            "top_k: 400 } code_type: CENTER_SIZE keep_top_k: 200 } "
            "permute_param { order: 0 order: 2 order: 3 order: 1 } "
            "norm_param { across_spatial: false scale_filler { type: 'constant' value: 20 } }"),
            ("prior_box_param.min_size", [30.0]), ("detection_output_param.code_type", 2)),
    "pspnet": (("interp_param { zoom_factor: 8 } bn_param { momentum: 0.95 frozen: true "
               "slope_filler { type: 'constant' value: 1 } }"),
               ("interp_param.zoom_factor", 8), ("bn_param.frozen", True)),
    "deeplab": (("interp_param { height: 65 width: 65 } seg_accuracy_param { metric: PixelIOU "
                "ignore_label: 255 }"),
                ("interp_param.height", 65), ("seg_accuracy_param.metric", 2)),
    "segnet": (("upsample_param { scale: 2 upsample_h: 45 upsample_w: 60 } "
               "bn_param { bn_mode: INFERENCE scale_filler { type: 'constant' value: 1 } }"),
               ("upsample_param.upsample_h", 45), ("bn_param.bn_mode", 1)),
    "yolo": (("upsample_param { scale: 2 } reorg_param { stride: 2 } "
             "region_param { classes: 20 coords: 4 boxes_of_each_grid: 5 softmax: true }"),
             ("upsample_param.scale", 2), ("reorg_param.stride", 2)),
    "shufflenet": ("shuffle_channel_param { group: 3 }", ("shuffle_channel_param.group", 3),
                   ("shuffle_channel_param.group", 3)),
    "fastrcnn": (("roi_pooling_param { pooled_w: 7 pooled_h: 7 spatial_scale: 0.0625 } "
                 "smooth_l1_loss_param { sigma: 3 }"),
                 ("roi_pooling_param.spatial_scale", 0.0625),
                 ("smooth_l1_loss_param.sigma", 3.0)),
    "caffe_priv": (("roi_align_param { pooled_w: 7 pooled_h: 7 spatial_scale: 0.0625 } "
                   "interp_param { zoom_factor: 2 }"),
                   ("roi_align_param.pooled_w", 7), ("interp_param.zoom_factor", 2)),
}


def read(message, dotted: str):
    for part in dotted.split("."):
        message = getattr(message, part)
    if hasattr(message, "__len__") and not isinstance(message, str):
        return list(message)  # a repeated field
    return message


@pytest.mark.parametrize("fork", sorted(SAMPLES))
def test_a_text_sample_parses_into_the_forks_layer_fields(fork: str) -> None:
    text, *checks = SAMPLES[fork]
    parsed = text_format.Parse(text, FORKS[fork].layer_fields())
    for dotted, value in checks:
        assert read(parsed, dotted) == value, dotted
    again = FORKS[fork].layer_fields.FromString(parsed.SerializeToString())
    assert again == parsed


def sample(field: FieldDescriptor) -> tuple[str, object]:
    """A value of FIELD's type as prototxt text, and what protobuf must read from it."""
    kind = TYPES[field.type]
    if kind == "enum":
        last = field.enum_type.values[-1]
        return last.name, last.number
    if kind == "bool":
        return "true", True
    if kind in ("float", "double"):
        return "0.25", 0.25  # exact in float32
    if kind in ("string", "bytes"):
        return '"x"', "x" if kind == "string" else b"x"
    if kind.startswith(("u", "fixed")):
        return "7", 7
    return "-3", -3


PARAMS = [(fork, field.name) for fork in NAMES
          for field in FORKS[fork].layer_fields.DESCRIPTOR.fields]


@pytest.mark.parametrize(("fork", "name"), PARAMS, ids=[f"{f}-{n}" for f, n in PARAMS])
def test_every_param_message_reads_every_field_from_text(fork: str, name: str) -> None:
    message = FORKS[fork].layer_fields.DESCRIPTOR.fields_by_name[name].message_type
    lines, wanted = [], {}
    for field in message.fields:
        if field.message_type is not None:
            lines.append(f"{field.name} {{ }}")
            continue
        text, value = sample(field)
        lines.append(f"{field.name}: {text}")
        wanted[field.name] = [value] if label(field) == "repeated" else value
    parsed = getattr(text_format.Parse(f"{name} {{ {' '.join(lines)} }}",
                                       FORKS[fork].layer_fields()), name)
    assert {key: read(parsed, key) for key in wanted} == wanted
    assert all(parsed.HasField(f.name) for f in message.fields if label(f) != "repeated")


@pytest.mark.parametrize("fork", sorted(set(NAMES) - set(SAMPLES)))
def test_a_fork_without_samples_adds_nothing(fork: str) -> None:
    data = table(fork)
    assert data["layer_fields"] == [] and data["changed"] == {}
    assert all(source["kind"] == "layers-only" for source in data["sources"])
    assert len(FORKS[fork].layer_fields.DESCRIPTOR.fields) == 0


def test_the_forks_leave_caffe_proto_as_it_is() -> None:
    for fork in NAMES:
        file = module(fork).DESCRIPTOR
        assert [d.name for d in file.dependencies] in ([], ["caffe.proto"])
        assert file.name == f"forks/{fork}.proto"
    assert "caffe.proto" not in {f"forks/{n}.proto" for n in NAMES}
    layer = caffe_pb2.LayerParameter.DESCRIPTOR
    assert layer.fields_by_number[143].name == "input_param"
    assert layer.fields_by_number[137].name == "embed_param"


def test_importing_the_forks_loads_neither_torch_nor_onnx() -> None:
    code = ("import sys, prototxt_compiler.proto.forks as f; "
            "print(sorted(m for m in ('torch', 'onnx') if m in sys.modules), len(f.FORKS))")
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         cwd=ROOT, check=False)
    assert run.returncode == 0, run.stderr
    assert run.stdout.split() == ["[]", str(len(NAMES))]


@pytest.mark.skipif(importlib.util.find_spec("grpc_tools") is None,
                    reason="grpcio-tools (the test extra) is not installed")
def test_generated_fork_modules_are_fresh() -> None:
    run = subprocess.run([sys.executable, str(ROOT / "tools" / "gen_proto.py"), "--check"],
                         capture_output=True, text=True, check=False)
    assert run.returncode == 0, run.stdout + run.stderr
