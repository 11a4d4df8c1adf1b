"""The detection nets as a user meets them: `compile` writes an ONNX whose outputs are Caffe's
output blobs with their names, the detections' row count a dynamic dimension; the torch
module traces and exports with its NMS and ROI-pooling loops kept; PriorBox of a fragment's
symbolic sizes is a computed subgraph that is right at any size; the prototxt round trip
keeps the fork layers; the training companions are dropped with a note."""
from __future__ import annotations

import pathlib

import numpy as np
import onnx
import pytest

torch = pytest.importorskip("torch")
ort = pytest.importorskip("onnxruntime")

from prototxt_compiler import load, to_torch  # noqa: E402
from prototxt_compiler.backends.onnx import to_onnx  # noqa: E402
from prototxt_compiler.backends.prototxt import to_prototxt  # noqa: E402
from prototxt_compiler.frontend.weights import attach_weights, read_caffemodel  # noqa: E402
from prototxt_compiler.ops.detection import prior_boxes  # noqa: E402
from tests.conftest import run_cli  # noqa: E402
from tests.tolerance import assert_close  # noqa: E402

HERE = pathlib.Path(__file__).parents[1] / "fixtures" / "detection"
SSD = HERE / "ssd_tiny.prototxt"
FASTER = HERE / "faster_rcnn_tiny.prototxt"


def weighted(case: pathlib.Path):
    graph = load(case)
    attach_weights(graph, read_caffemodel(case.with_suffix(".caffemodel")))
    return graph


def test_compile_keeps_caffe_output_names(tmp_path) -> None:
    out = tmp_path / "ssd.onnx"
    run = run_cli("compile", str(SSD), "-w", str(SSD.with_suffix(".caffemodel")), "-o", str(out))
    assert run.returncode == 0, run.stderr
    model = onnx.load(out)
    onnx.checker.check_model(model, full_check=True)
    (output,) = model.graph.output
    assert output.name == "detection_out"
    dims = output.type.tensor_type.shape.dim
    # (the exporter names dim 0 of every output of the input's batch size N; this top's is 1
    # at any batch, which the run below shows)
    assert [dims[1].dim_value, dims[3].dim_value] == [1, 7]
    assert dims[2].dim_param == "K"
    assert [i.name for i in model.graph.input] == ["data"]
    ref = dict(np.load(SSD.with_suffix(".npz")))
    session = ort.InferenceSession(str(out), providers=["CPUExecutionProvider"])
    (rows,) = session.run(None, {"data": ref["input:data"]})
    assert rows.shape[0:2] == (1, 1) and rows.shape[2] > 0
    (rows,) = session.run(None, {"data": np.concatenate([ref["input:data"]] * 3)})
    assert rows.shape[0:2] == (1, 1) and set(rows[0, 0, :, 0]) == {0.0, 1.0, 2.0}


def test_compile_faster_rcnn(tmp_path) -> None:
    out = tmp_path / "frcnn.onnx"
    run = run_cli("compile", str(FASTER), "-w", str(FASTER.with_suffix(".caffemodel")),
                  "-o", str(out))
    assert run.returncode == 0, run.stderr
    model = onnx.load(out)
    assert sorted(o.name for o in model.graph.output) == ["bbox_pred", "cls_prob"]
    dims = model.graph.output[0].type.tensor_type.shape.dim
    assert dims[0].dim_param == "R"


def test_trace_keeps_the_loops() -> None:
    """Traced on one input, the module gives the eager result on another: NMS and ROI
    pooling are operators, not unrolled loops."""
    for case, shapes in ((SSD, {"data": (1, 3, 64, 64)}),
                         (FASTER, {"data": (1, 3, 64, 80), "im_info": None})):
        module = to_torch(weighted(case))
        rng = np.random.default_rng(1)
        ref = dict(np.load(case.with_suffix(".npz")))

        def make(seed: int) -> tuple:
            rng = np.random.default_rng(seed)
            return tuple(torch.from_numpy(ref[f"input:{n}"] if shapes[n] is None else
                                          rng.standard_normal(shapes[n]).astype(np.float32))
                         for n in module.input_names)

        with torch.no_grad():
            traced = torch.jit.trace(module, make(1), check_trace=False)
        for seed in (2, 3):
            with torch.no_grad():
                eager = module(*make(seed))
                got = traced(*make(seed))
            eager = eager if isinstance(eager, tuple) else (eager,)
            got = got if isinstance(got, tuple) else (got,)
            for a, b in zip(got, eager):
                assert a.shape == b.shape
                assert_close(a.detach().numpy(), b.detach().numpy(), f"{case.stem} traced")
        del rng


def fixture_inputs(case: pathlib.Path) -> tuple:
    ref = np.load(case.with_suffix(".npz"))
    return tuple(torch.from_numpy(ref[k]) for k in ref.files if k.startswith("input:"))


@pytest.mark.parametrize("case", [SSD, FASTER], ids=["ssd", "faster_rcnn"])
def test_export_of_the_torch_module_and_of_its_model_py(case: pathlib.Path,
                                                       tmp_path: pathlib.Path) -> None:
    """Both keep the data-dependent loops (NMS, ROI pooling) as operators of their own, so
    torch.export takes them, the row counts symbolic; the exported program computes what
    the module does (the modules are held to the forks' references elsewhere)."""
    from tests.backends.test_pysource import write_graph

    graph = weighted(case)
    inputs = fixture_inputs(case)
    for module in (to_torch(graph), write_graph(graph, tmp_path, case.stem)):
        with torch.no_grad():
            eager = module(*inputs)
            exported = torch.export.export(module, inputs).module()(*inputs)
        eager = eager if isinstance(eager, tuple) else (eager,)
        exported = exported if isinstance(exported, tuple) else (exported,)
        assert len(exported) == len(graph.outputs)
        for value, a, b in zip(graph.outputs, exported, eager):
            assert a.shape == b.shape and torch.equal(a, b), value.blob


FRAGMENT = """
layer { name: "prior" type: "PriorBox" bottom: "feature" bottom: "image" top: "prior"
  prior_box_param { min_size: 4 max_size: 9 aspect_ratio: 2 flip: true clip: true
                    variance: 0.1 variance: 0.1 variance: 0.2 variance: 0.2 } }
"""


def test_prior_box_of_symbolic_sizes(tmp_path) -> None:
    path = tmp_path / "fragment.prototxt"
    path.write_text(FRAGMENT)
    graph = load(path)
    model = to_onnx(graph)
    onnx.checker.check_model(model, full_check=True)
    assert not any(n.op_type == "Constant" for n in model.graph.node)
    session = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
    module = to_torch(graph)
    for fh, fw, ih, iw in ((2, 3, 16, 24), (5, 4, 37, 30), (1, 1, 8, 8)):
        feeds = {"feature": np.zeros((1, 2, fh, fw), np.float32),
                 "image": np.zeros((1, 3, ih, iw), np.float32)}
        expected = prior_boxes(graph.nodes[0].params, (fh, fw), (ih, iw))
        (got,) = session.run(None, feeds)
        assert_close(got, expected, f"onnx {fh}x{fw}")
        eager = module(*[torch.from_numpy(feeds[n]) for n in module.input_names])
        assert_close(eager.numpy(), expected, f"torch {fh}x{fw}")


@pytest.mark.parametrize("case", [SSD, FASTER], ids=lambda p: p.stem)
def test_prototxt_round_trip(tmp_path, case: pathlib.Path) -> None:
    graph = load(case)
    text = to_prototxt(graph)
    again = tmp_path / "again.prototxt"
    again.write_text(text)
    back = load(again)
    assert [(n.name, n.type, n.params) for n in back.nodes] == \
        [(n.name, n.type, n.params) for n in graph.nodes]
    assert to_prototxt(back) == text


TRAIN = """
layer { name: "data" type: "AnnotatedData" top: "data" top: "label"
  data_param { source: "x" batch_size: 2 } }
layer { name: "conv" type: "Convolution" bottom: "data" top: "conv"
  convolution_param { num_output: 8 kernel_size: 1 } }
layer { name: "loss" type: "MultiBoxLoss" bottom: "conv" bottom: "conv" bottom: "conv"
  bottom: "label" top: "loss" }
layer { name: "eval" type: "DetectionEvaluate" bottom: "conv" bottom: "label" top: "eval" }
layer { name: "l1" type: "SmoothL1Loss" bottom: "conv" bottom: "conv" top: "l1" }
"""


def test_training_companions_are_dropped(tmp_path) -> None:
    path = tmp_path / "train.prototxt"
    path.write_text(TRAIN)
    graph = load(path, input_shapes={"data": (2, 3, 8, 8)})
    assert [n.type for n in graph.nodes] == ["Convolution"]
    assert graph.dropped == ["loss", "eval", "l1"]
    assert graph.removed_inputs == ["label"]
    assert any("'loss' (MultiBoxLoss) has no place in a deploy graph" in n for n in graph.notes)
