"""The fork layers held to their references, layer by layer, through both backends.

Every fork net of tests/fixtures/fork_nets/ (small nets we wrote: an SE unit with Axpy, the
MXNet SE block with Broadcastmul, MobileNet's depthwise convolutions and ReLU6, ShuffleNet
units, a YOLO neck, the forks' BN, PSPNet's pyramid module with Interp, SegNet encoder/decoder
pairs, YOLOv2's Reorg) runs with the weights real Caffe wrote for its BVLC twin
(``fork_twins``: the same blobs, BN's mapped from BatchNorm + Scale), and every layer's output
is compared with the twin's: Caffe's own outputs, and for the layers Caffe has no twin of,
the fork's loops and OpenCV dnn on what Caffe gave their bottoms (``make_fork_twins``). The
bound is the project's: max |diff| <= 1e-4 x max(1, max |ref|).
"""
from __future__ import annotations

import pathlib

import numpy as np
import onnx
import pytest

torch = pytest.importorskip("torch")
ort = pytest.importorskip("onnxruntime")

from prototxt_compiler import layer_outputs, load, to_torch  # noqa: E402
from prototxt_compiler.backends.onnx import to_onnx  # noqa: E402
from prototxt_compiler.backends.onnx.lower import value_names  # noqa: E402
from prototxt_compiler.errors import LayerError  # noqa: E402
from prototxt_compiler.frontend.weights import attach_weights, read_caffemodel  # noqa: E402
from prototxt_compiler.ir import Graph  # noqa: E402
from prototxt_compiler.passes.fold_batchnorm import fold_batchnorm  # noqa: E402
from prototxt_compiler.passes.remove_identity import remove_identity_layers  # noqa: E402
from tests.backends.test_onnx_vs_caffe import expose_everything, run  # noqa: E402
from tests.fixtures.fork_twins import FORK_NETS, fork_blobs, twin_of  # noqa: E402
from tests.tolerance import mismatch  # noqa: E402

NETS = sorted(p for p in FORK_NETS.glob("*.prototxt") if not p.name.endswith(".twin.prototxt"))
# where the fork keeps a position's last write, which ONNX needs opset 18 for
OPSET = {"segnet_overlap": 18}
# nets with a layer that normalises by the batch's statistics (no per-sample run)
BATCH_STATISTICS = {"bn_forks"}


def reference(path: pathlib.Path) -> tuple[Graph, dict[str, np.ndarray]]:
    """The fork net with its twin's Caffe-written weights, and the references."""
    twin = twin_of(path)
    base = path if twin.cut else twin.numeric
    graph = load(path)
    attach_weights(graph, fork_blobs(graph, read_caffemodel(base.with_suffix(".caffemodel"))))
    return graph, dict(np.load(base.with_suffix(".npz")))


def feeds(graph: Graph, ref: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    return {v.blob: ref[f"input:{v.blob}"] for v in graph.inputs}


def compare(ours: dict[str, np.ndarray], ref: dict[str, np.ndarray]) -> list[str]:
    return [p for key, value in ours.items() if (p := mismatch(value, ref[f"layer:{key}"], key))]


@pytest.mark.parametrize("path", NETS, ids=lambda p: p.stem)
def test_twin_is_the_one_the_fixtures_were_made_from(path: pathlib.Path) -> None:
    twin = twin_of(path)
    assert twin.numeric.read_text() == twin.text, "run tests/fixtures/make_fork_twins.py"
    for suffix in (".caffemodel", ".npz"):
        assert twin.numeric.with_suffix(suffix).exists() if not twin.cut else \
            path.with_suffix(suffix).exists()


@pytest.mark.parametrize("path", NETS, ids=lambda p: p.stem)
def test_torch_every_layer_matches_the_reference(path: pathlib.Path) -> None:
    graph, ref = reference(path)
    module = to_torch(graph)
    inputs = [torch.from_numpy(ref[f"input:{name}"]) for name in module.input_names]
    ours = {k: v.numpy() for k, v in layer_outputs(module, *inputs).items()
            if not k.startswith("input:")}
    fork_layers = [n for n in graph.nodes if n.type not in ("Convolution", "BatchNorm",
                                                           "Scale", "ReLU", "Pooling")]
    assert fork_layers and all(f"{n.name}:{n.outputs[0].blob}" in ours for n in fork_layers)
    assert len(ours) == sum(len(n.outputs) for n in graph.nodes) + len(graph.inputs)
    assert compare(ours, ref) == []


@pytest.mark.parametrize("path", NETS, ids=lambda p: p.stem)
def test_torch_folded_outputs_match_the_reference(path: pathlib.Path) -> None:
    graph, ref = reference(path)
    fold_batchnorm(graph)
    remove_identity_layers(graph)
    module = to_torch(graph)
    with torch.no_grad():
        outputs = module(*[torch.from_numpy(ref[f"input:{name}"])
                           for name in module.input_names])
    outputs = outputs if isinstance(outputs, tuple) else (outputs,)
    problems = [p for blob, ours in zip(module.output_names, outputs)
                if (p := mismatch(ours.numpy(), ref[f"output:{blob}"], blob))]
    assert problems == []


@pytest.mark.parametrize("path", NETS, ids=lambda p: p.stem)
def test_onnx_every_layer_matches_the_reference(path: pathlib.Path) -> None:
    graph, ref = reference(path)
    model = to_onnx(graph, opset=OPSET.get(path.stem, 17))
    onnx.checker.check_model(model, full_check=True)
    keys = expose_everything(model, graph, value_names(graph))
    names = list(keys)
    results = run(model, feeds(graph, ref), names)
    assert compare({keys[n]: r for n, r in zip(names, results)}, ref) == []
    assert len(names) == sum(len(n.outputs) for n in graph.nodes)


@pytest.mark.parametrize("path", NETS, ids=lambda p: p.stem)
def test_onnx_folded_outputs_match_the_reference(path: pathlib.Path) -> None:
    graph, ref = reference(path)
    fold_batchnorm(graph)
    remove_identity_layers(graph)
    model = to_onnx(graph, opset=OPSET.get(path.stem, 17))
    onnx.checker.check_model(model, full_check=True)
    onnx.shape_inference.infer_shapes(model, check_type=True, strict_mode=True)
    results = run(model, feeds(graph, ref))
    problems = [p for value, ours in zip(graph.outputs, results)
                if (p := mismatch(ours, ref[f"output:{value.blob}"], value.blob))]
    assert problems == []


@pytest.mark.parametrize("path", [p for p in NETS if p.stem not in BATCH_STATISTICS],
                         ids=lambda p: p.stem)
def test_onnx_runs_another_batch_size(path: pathlib.Path) -> None:
    """The batch stays symbolic: the first sample alone gives the first sample's outputs."""
    graph, ref = reference(path)
    model = to_onnx(graph, opset=OPSET.get(path.stem, 17))
    one = {name: array[:1] for name, array in feeds(graph, ref).items()}
    results = run(model, one)
    problems = [p for value, ours in zip(graph.outputs, results)
                if (p := mismatch(ours, ref[f"output:{value.blob}"][:1], value.blob))]
    assert problems == []


def test_overlapping_unpooling_needs_opset_18_in_onnx() -> None:
    graph, _ = reference(FORK_NETS / "segnet_overlap.prototxt")
    with pytest.raises(LayerError, match="opset 18") as error:
        to_onnx(graph, opset=17)
    assert error.value.layer == "unpool"


@pytest.mark.parametrize("opset", [13, 21])
def test_other_opsets(opset: int) -> None:
    """Every fork layer at the oldest and a newer opset (the overlapping unpooling aside)."""
    for path in NETS:
        if OPSET.get(path.stem, 13) > opset:
            continue
        graph, ref = reference(path)
        model = to_onnx(graph, opset=opset)
        onnx.checker.check_model(model, full_check=True)
        results = run(model, feeds(graph, ref))
        problems = [p for value, ours in zip(graph.outputs, results)
                    if (p := mismatch(ours, ref[f"output:{value.blob}"], value.blob))]
        assert problems == [], path.stem


@pytest.mark.parametrize("name,left", [
    ("bn_forks", ["conv4/bn"]),  # SegNet's LEARN BN normalises by the batch: it stays
    ("mobilenet_dw", []),         # BatchNorm + Scale fold into both depthwise types
    ("pspnet_pyramid", []),       # BN after the pyramid's convolutions
    ("se_resnext_small", ["scale_bn_data"]),  # the input's BatchNorm merges into its Scale
])
def test_folding_folds_the_fork_layers(name: str, left: list[str]) -> None:
    """The folded outputs are checked above; here, that the folds happened (and where one
    must not: a batch-statistics BN)."""
    graph, _ = reference(FORK_NETS / f"{name}.prototxt")
    assert fold_batchnorm(graph)
    assert [n.name for n in graph.nodes if n.type in ("BN", "BatchNorm", "Scale")] == left


@pytest.mark.parametrize("path", NETS, ids=lambda p: p.stem)
def test_torch_modules_trace_and_export(path: pathlib.Path) -> None:
    """The fork layers' modules survive torch.jit.trace and torch.export, computing the same."""
    graph, ref = reference(path)
    module = to_torch(graph)
    inputs = tuple(torch.from_numpy(ref[f"input:{name}"]) for name in module.input_names)
    with torch.no_grad():
        expected = module(*inputs)
        traced = torch.jit.trace(module, inputs, check_trace=False)(*inputs)
        exported = torch.export.export(module, inputs).module()(*inputs)
    for got in (traced, exported):
        for ours, want in zip(got if isinstance(got, tuple) else (got,),
                              expected if isinstance(expected, tuple) else (expected,)):
            assert torch.equal(ours, want)
