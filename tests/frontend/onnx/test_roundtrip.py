"""The round trip Caffe -> ONNX (this project's backend) -> Caffe (this frontend) on every
golden numeric fixture (tests/fixtures/numeric/: small nets run by real Caffe).

- Every fixture the frontend imports computes Caffe's committed outputs again (run in the
  PyTorch backend, itself held to Caffe layer by layer).
- Where the backend writes each Caffe layer as ONNX ops the frontend maps back one to one,
  the round trip gives the same layers: names, types, parameters and blobs (BatchNorm's
  statistics normalised to a moving-average factor of 1, which is how the backend writes
  them; Split, Dropout and other identities are not layers of an ONNX graph, and a graph
  output that an identity passed through comes back as a one-top Split; a pooling whose
  kernel is its input's size comes back as a global pooling, the same windows; the legacy
  concat_dim and slice_dim come back as axis).
- The rest are refused, each node listed with why: the backend writes those layers with ONNX
  ops that have no BVLC Caffe layer (Greater/Where for Threshold and for Caffe's NaN rules
  of Clip and MAX, TopK for ArgMax, Gather for Embed, batch-axis means for batch statistics,
  a 3-D average pool for in-place LRN, MaxPool indices for the mask).
The fixtures neither exact nor refused import as other BVLC layers computing the same (an
Exp of base 2 as Power, Exp, Power; the backend's divisor map of an AVE pooling as a
pooling, Power and Scale; a Crop as Slice layers).
"""
from __future__ import annotations

import dataclasses
import pathlib

import numpy as np
import pytest

from prototxt_compiler import load
from prototxt_compiler.backends.onnx import to_onnx
from prototxt_compiler.backends.prototxt.caffemodel import caffemodel_blobs
from prototxt_compiler.frontend.onnx import UnsupportedNodesError
from prototxt_compiler.frontend.weights import attach_weights, read_caffemodel
from prototxt_compiler.to_caffe import from_onnx
from tests.tolerance import mismatch

NUMERIC = pathlib.Path(__file__).resolve().parents[2] / "fixtures" / "numeric"
CASES = sorted(p.stem for p in NUMERIC.glob("*.prototxt"))
EXACT = {"bn_2d_eps", "bn_scale_apart", "bn_scale_inplace", "frag_conv", "lrn_across",
         "net_resnet_kaiming", "net_resnext_seed", "net_v1_alexnet_small",
         "net_v1_memory_data_twin", "pool_global", "reduction_ops", "softmax_axes",
         "split_tops", "concat_axes", "slice_points", "tile_axes"}
REFUSED = {"act_nan": {"Greater"}, "act_threshold_clip": {"Greater"},
           "argmax_top_k": {"Slice"}, "bn_batch_stats": {"ReduceMean"},
           "eltwise_inplace": {"Greater"}, "eltwise_ops": {"Greater"},
           "embed_lookup": {"Cast", "Slice"}, "lrn_inplace": {"AveragePool"},
           "mvn_variants": {"Div"}, "pool_max_mask": {"MaxPool"},
           "pool_past_input": {"AveragePool", "MaxPool"},
           "batch_reindex_gather": {"GreaterOrEqual", "Less", "Slice"},
           "filter_select": {"Equal", "Greater"}, "im2col_variants": {"Pad", "Slice"},
           "recurrent_lstm": {"Greater"}, "recurrent_rnn": {"Greater"},
           "fork_bn_forks": {"ReduceMean"}, "fork_mobilenet_dw": {"Greater"}}
IDENTITIES = ("Split", "Dropout")


def caffe_graph(stem: str):
    graph = load(NUMERIC / f"{stem}.prototxt")
    weights = NUMERIC / f"{stem}.caffemodel"
    if weights.exists():
        attach_weights(graph, read_caffemodel(weights))
    return graph


def round_trip(graph):
    return from_onnx(to_onnx(graph, static_batch=True))


def layer_form(node) -> tuple:
    """What a layer is, fillers aside (they only initialise untrained nets) and with the
    phase's choice of statistics made (TEST: global)."""
    params = {k: v for k, v in dataclasses.asdict(node.params).items()
              if "filler" not in k} if dataclasses.is_dataclass(node.params) else {}
    if node.type == "BatchNorm" and params.get("use_global_stats") is None:
        params["use_global_stats"] = True
    if node.type == "Pooling":  # a kernel of the input's size is a global pooling, bound
        params["global_pooling"] = False
    params.pop("legacy_dim", None)  # concat_dim / slice_dim: the legacy spelling of axis
    return node.name, node.type, params


def is_identity(node) -> bool:
    return node.type in IDENTITIES or (node.type in ("Concat", "Flatten", "Reshape", "Tile",
                                                     "Slice")
                                       and len(node.inputs) == len(node.outputs) == 1
                                       and node.outputs[0].shape == node.inputs[0].shape)


@pytest.mark.parametrize("stem", CASES)
def test_round_trip(stem: str) -> None:
    graph = caffe_graph(stem)
    if stem in REFUSED:
        with pytest.raises(UnsupportedNodesError) as caught:
            round_trip(graph)
        assert {op for _, op, _ in caught.value.nodes} == REFUSED[stem]
        return
    back = round_trip(graph)
    torch = pytest.importorskip("torch")
    from prototxt_compiler.backends.torch import layer_outputs, to_torch

    ref = np.load(NUMERIC / f"{stem}.npz")
    inputs = [torch.from_numpy(ref[f"input:{v.blob}"].reshape(v.shape)) for v in graph.inputs]
    with torch.inference_mode():
        outs = layer_outputs(to_torch(back), *inputs)
    problems = [p for theirs, ours in zip(graph.outputs, back.outputs)
                if (p := mismatch(outs[f"{ours.producer.name}:{ours.blob}"].numpy(),
                                  ref[f"output:{theirs.blob}"], theirs.blob))]
    assert problems == []
    if stem not in EXACT:
        return
    layers = [n for n in graph.nodes if not is_identity(n)]
    kept = [n for n in back.nodes if not is_identity(n)]
    assert [layer_form(n) for n in kept] == [layer_form(n) for n in layers]
    for theirs, ours in zip(layers, kept):
        expected, found = caffemodel_blobs(theirs), caffemodel_blobs(ours)
        assert len(found) == len(expected), theirs.name
        for a, b in zip(found, expected):
            np.testing.assert_array_equal(a, np.asarray(b, np.float32), err_msg=theirs.name)


def test_every_expectation_names_a_fixture() -> None:
    assert EXACT <= set(CASES) and set(REFUSED) <= set(CASES)
