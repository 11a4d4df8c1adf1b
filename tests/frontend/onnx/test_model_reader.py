"""Reading ONNX files in place (memory-mapped initializers, external data) gives the same
graph as reading the ModelProto; names are valid, unique and stable."""
from __future__ import annotations

import pathlib

import numpy as np
import onnx
import pytest

from prototxt_compiler.backends.prototxt import to_prototxt
from prototxt_compiler.frontend.onnx.model import read_onnx
from prototxt_compiler.frontend.onnx.names import Namer, caffe_name
from prototxt_compiler.to_caffe import from_onnx
from tests.frontend.onnx.builder import Builder
from tests.frontend.onnx.cases import CASES

FIXTURES = pathlib.Path(__file__).resolve().parents[2] / "fixtures" / "onnx"


def same_graph(a, b) -> None:
    assert to_prototxt(a) == to_prototxt(b)
    for x, y in zip(a.nodes, b.nodes):
        assert len(x.blobs or ()) == len(y.blobs or ())
        for u, v in zip(x.blobs or (), y.blobs or ()):
            np.testing.assert_array_equal(u, v)


@pytest.mark.parametrize("name", ["conv", "norm", "dense"])
def test_a_file_reads_as_its_model_and_holds_views(name: str, tmp_path: pathlib.Path) -> None:
    model = next(c for c in CASES if c.name == name).build(13)
    path = tmp_path / "model.onnx"
    onnx.save_model(model, path)
    from_file, in_memory = from_onnx(path), from_onnx(model)
    same_graph(from_file, in_memory)
    first = next(n for n in from_file.nodes if n.type in ("Convolution", "BatchNorm",
                                                           "InnerProduct"))
    assert not first.blobs[0].flags.writeable  # a view of the mapped file, not a copy


def test_external_data_reads_in_place(tmp_path: pathlib.Path) -> None:
    source = FIXTURES / "resnet18_style_opset13.onnx"
    path = tmp_path / "model.onnx"
    onnx.save_model(onnx.load(source), path, save_as_external_data=True,
                    all_tensors_to_one_file=True, location="model.onnx.data", size_threshold=0)
    assert (tmp_path / "model.onnx.data").stat().st_size > 100_000
    assert path.stat().st_size < 20_000
    same_graph(from_onnx(path), from_onnx(onnx.load(source)))


def test_external_data_outside_the_folder_is_refused(tmp_path: pathlib.Path) -> None:
    model = next(c for c in CASES if c.name == "conv").build(13)
    onnx.save_model(model, tmp_path / "model.onnx", save_as_external_data=True,
                    location="weights.bin", size_threshold=0)
    text = (tmp_path / "model.onnx").read_bytes().replace(b"weights.bin", b"../escape.b")
    (tmp_path / "model.onnx").write_bytes(text)
    with pytest.raises(Exception, match="not a file beside the model"):
        read_onnx(tmp_path / "model.onnx")


def test_caffe_names() -> None:
    assert caffe_name("/layer1/layer1.0/conv1/Conv") == "layer1/layer1.0/conv1/Conv"
    assert caffe_name("input.1") == "input.1"
    assert caffe_name("a b:c@d") == "a_b_c_d"
    assert caffe_name("") == "unnamed"
    names = Namer()
    assert [names.layer("x"), names.layer("x"), names.layer("x_1")] == ["x", "x_1", "x_1_1"]
    assert names.blob("/fc/Gemm_output_0", node="/fc/Gemm") == "fc/Gemm"
    assert names.blob("/fc/Gemm_output_2", node="/fc/Gemm") == "fc/Gemm_2"
    assert names.blob("x") == "x" and names.layer("x_2") == "x_2"


def test_names_are_stable_and_unique() -> None:
    model = onnx.load(FIXTURES / "inception_block_opset11.onnx")
    first, second = from_onnx(model), from_onnx(model)
    assert to_prototxt(first) == to_prototxt(second)
    layers = [n.name for n in first.nodes]
    assert len(set(layers)) == len(layers)
    blobs = [v.blob for v in first.values()]
    assert len(set(blobs)) == len(blobs)


def test_colliding_names_stay_apart() -> None:
    b = Builder("clash", 13)
    x = b.input("data", (1, 2))
    one = b.node("Relu", [x], "a:b")
    b.output(b.node("Sigmoid", [one], "a_b"))
    graph = from_onnx(b.model())
    assert [n.name for n in graph.nodes] == ["a_b", "a_b_1"]
    assert [v.blob for v in graph.values()] == ["data", "a_b_1", "a_b"]  # the output's name
    assert graph.outputs[0].blob == "a_b"
