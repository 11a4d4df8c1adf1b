"""tools/extract_fork_fields.py on forks made here from protos/caffe.proto by hand, whose
additions are known: what it finds added, changed, absent, and what it reads of a README
patch."""
from __future__ import annotations

import importlib.util
import pathlib
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.skipif(importlib.util.find_spec("grpc_tools") is None,
                                reason="grpcio-tools (the test extra) is not installed")


@pytest.fixture(scope="module")
def tool():
    sys.path.insert(0, str(ROOT / "tools"))
    try:
        spec = importlib.util.spec_from_file_location(
            "extract_fork_fields", ROOT / "tools" / "extract_fork_fields.py")
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        yield module
    finally:
        sys.path.remove(str(ROOT / "tools"))


@pytest.fixture(scope="module")
def bvlc(tool):
    return tool.Schema(tool.compile_text((ROOT / "protos" / "caffe.proto").read_text()))


def edited(*edits: tuple[str, str]) -> str:
    text = (ROOT / "protos" / "caffe.proto").read_text()
    for old, new in edits:
        assert text.count(old) == 1, old
        text = text.replace(old, new)
    return text


def test_a_fork_with_one_layer_field_and_its_message(tool, bvlc) -> None:
    text = edited(
        ("  optional WindowDataParameter window_data_param = 129;\n",
         ("  optional WindowDataParameter window_data_param = 129;\n"
         "  optional FooParameter foo_param = 9001;\n")),
        ("message PowerParameter {",
         ("message FooParameter {\n  enum Mode { A = 0; B = 2; }\n"
         "  optional Mode mode = 1 [default = B];\n  optional BarParameter bar = 2;\n"
         "  optional FillerParameter filler = 3;\n  repeated float xs = 4 [packed = true];\n}\n"
         "message BarParameter {\n  optional float eps = 1 [default = 1e-5];\n}\n"
         "message PowerParameter {")))
    table = tool.Extraction(tool.Schema(tool.compile_text(text)), bvlc).table()
    assert table["layer_fields"] == [{"name": "foo_param", "number": 9001, "label": "optional",
                                      "type": "message", "type_name": "FooParameter",
                                      "from": "fork"}]
    assert table["messages"] == {
        "BarParameter": {"fields": [{"name": "eps", "number": 1, "label": "optional",
                                     "type": "float", "default": "1e-05"}], "enums": {}},
        "FooParameter": {"fields": [
            {"name": "mode", "number": 1, "label": "optional", "type": "enum",
             "type_name": "FooParameter.Mode", "from": "fork", "default": "B"},
            {"name": "bar", "number": 2, "label": "optional", "type": "message",
             "type_name": "BarParameter", "from": "fork"},
            {"name": "filler", "number": 3, "label": "optional", "type": "message",
             "type_name": "FillerParameter", "from": "bvlc"},
            {"name": "xs", "number": 4, "label": "repeated", "type": "float", "packed": True}],
            "enums": {"Mode": {"A": 0, "B": 2}}}}
    assert table["changed"] == {} and table["enums"] == {}
    assert table["bvlc_absent"] == {"layer_fields": [], "messages": [], "fields": {}}


def test_changed_and_absent_bvlc_fields(tool, bvlc) -> None:
    text = edited(
        ("  optional RoundMode round_mode = 13 [default = CEIL];\n",
         "  optional bool ceil_mode = 13 [default = true];\n"),
        ("    BATCH_SIZE = 2;\n", "    BATCH_SIZE = 2;\n    PRE_FIXED = 5;\n"),
        ("  optional WindowDataParameter window_data_param = 129;\n", ""))
    table = tool.Extraction(tool.Schema(tool.compile_text(text)), bvlc).table()
    assert table["layer_fields"] == []
    assert table["changed"]["caffe.PoolingParameter"] == {
        "fields": [{"name": "ceil_mode", "number": 13, "label": "optional", "type": "bool",
                    "default": "true"}], "enums": {}}
    # a field whose BVLC enum the fork extends is the fork's own
    loss = table["changed"]["caffe.LossParameter"]
    assert [f["name"] for f in loss["fields"]] == ["normalization"]
    assert loss["fields"][0]["from"] == "fork"
    assert loss["enums"]["NormalizationMode"]["PRE_FIXED"] == 5
    absent = table["bvlc_absent"]
    assert absent["layer_fields"] == ["window_data_param"]
    assert absent["fields"] == {"caffe.PoolingParameter": ["round_mode"]}


def test_a_readme_patch_keeps_only_the_marked_lines(tool, bvlc) -> None:
    markdown = """Add this to caffe.proto:

```
message LayerParameter {
  optional TileParameter tile_param = 138;
++optional QuxParameter qux_param = 149; // ours
}
++message QuxParameter{
++  optional int32 scale = 1 [default = 1];
++}
```
"""
    text = tool.snippet_text(markdown)
    assert "tile_param" not in text and "qux_param = 149" in text
    table = tool.Extraction(tool.Schema(tool.compile_text(text)), bvlc).table()
    assert [(f["name"], f["number"]) for f in table["layer_fields"]] == [("qux_param", 149)]
    assert table["messages"]["QuxParameter"]["fields"][0]["default"] == "1"


def test_a_readme_patch_without_marks_drops_the_elisions(tool) -> None:
    markdown = ("```\nmessage LayerParameter {\n...\noptional Q q_param = 164;\n...\n}\n...\n"
                "message Q {\n  optional uint32 group = 1[default = 1];\n}\n```\n")
    text = tool.snippet_text(markdown)
    assert "..." not in text
    schema = tool.Schema(tool.compile_text(text))
    assert [f.number for f in schema.messages["LayerParameter"].field] == [164]
