"""The round trip Caffe -> ONNX (this project's backend) -> Caffe (this frontend) on every
golden numeric fixture (tests/fixtures/numeric/: small nets run by real Caffe).

- Every fixture the frontend imports computes Caffe's committed outputs again (run in the
  PyTorch backend, itself held to Caffe layer by layer).
- EXACT: the same layers come back: names, types, parameters and blobs. What the comparison
  sets aside is not a difference in Caffe: BatchNorm's statistics normalised to a
  moving-average factor of 1, which is how the backend writes them; Split, Dropout and
  other identities are not layers of an ONNX graph, and a graph output that an identity
  passed through comes back as a one-top Split; a pooling whose kernel is its input's size
  comes back as a global pooling, the same windows; the legacy concat_dim and slice_dim
  come back as axis; a WITHIN_CHANNEL LRN's ``k``, which Caffe never reads (its
  LRNLayer::LayerSetUp builds that region's Power with shift 1, whatever k says).
- EQUIVALENT: other BVLC layers computing the same come back, each for the reason given:
  the ONNX the backend writes holds less than the layer (the export is the same for
  several layers, and the frontend takes the likeliest), or the frontend has no idiom
  for the layer yet and imports its nodes one by one. The test checks that the
  comparison above does fail for them, so that a fixture that comes back exact moves up.
- REFUSED: each node listed with why: the backend writes those layers with ONNX ops that
  have no BVLC Caffe layer.
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
from prototxt_compiler.frontend.onnx.fork_layers import FORK_LAYERS
from prototxt_compiler.frontend.weights import attach_weights, read_caffemodel
from prototxt_compiler.to_caffe import from_onnx
from tests.tolerance import mismatch

NUMERIC = pathlib.Path(__file__).resolve().parents[2] / "fixtures" / "numeric"
CASES = sorted(p.stem for p in NUMERIC.glob("*.prototxt"))
EXACT = {"act_exp_log", "act_nan", "act_relu_prelu", "act_smooth", "act_threshold_clip",
         "argmax_top_k", "bias_forms", "bn_2d_eps", "bn_fresh_stats", "bn_scale_apart", "bn_scale_inplace",
         "concat_axes", "conv_group_dilation", "conv_short_input", "crop_axes", "embed_lookup",
         "flatten_axes", "fork_mobilenet_dw", "fork_se_axpy", "fork_se_broadcastmul",
         "fork_se_resnext_small", "fork_shufflenet_unit", "fork_yolo_neck", "frag_conv",
         "lrn_across", "lrn_within", "mvn_variants", "net_inception", "net_resnet_kaiming",
         "net_resnext_seed", "net_v1_alexnet_small", "net_v1_memory_data_twin", "parameter_blob",
         "pool_ave_pad", "pool_clip", "pool_global", "pool_max_mask", "pool_past_input",
         "pool_round_modes", "recurrent_rnn", "reduction_ops", "scale_axes", "scale_two_bottoms",
         "slice_batch_points", "slice_points", "softmax_axes", "split_tops", "tile_axes"}
EQUIVALENT = {
    "act_power": "a Power of scale 0 is written as the constant it computes "
                 "(ConstantOfShape), which holds only that constant",
    "batch_reindex_gather": "as reshape_rules: its Reshapes to dim -1 come back as the "
                            "Flatten written alike",
    "bn_batch_stats": "a BatchNorm using the batch's statistics is written without the "
                      "stored ones, which Caffe does not read then: they come back 0 and 1",
    "fork_bn_forks": "as bn_batch_stats",
    "eltwise_inplace": "an in-place SUM's first coefficient multiplies the cleared top in "
                       "Caffe and is not written: it comes back 1",
    "eltwise_ops": "MAX's coefficients (unread) and an in-place SUM's first are not written",
    "im2col_variants": "force_nd_im2col (Caffe's N-d code for 2-D, the same data) and how "
                       "a 2-D layer spells its values are not written: they come back false "
                       "and as *_h/*_w where the two axes differ",
    "ip_axis_transpose": "transpose: true is written as transpose: false with the weight "
                         "transposed, which computes the same: it comes back false",
    "lrn_inplace": "a Power of the identity is written as Identity, as Dropout is: the copy "
                   "an in-place LRN needs comes back under the LRN's name",
    "recurrent_lstm": "as lrn_inplace: the copy (a Power of the identity) that an in-place "
                      "LSTMUnit writes over is written as Identity, as Dropout is: it "
                      "comes back as none",
    "reshape_rules": "Flatten and Reshape are written alike, and a Reshape's dims past "
                     "the batch as their bound values: the likeliest form comes back",
    "spp_pyramid": "an SPP of pyramid_height 1 is written as the one global pooling it "
                   "computes, and comes back as that Pooling",
}
REFUSED = {"filter_select": {"Equal"}}
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
    if node.type == "LRN" and params.get("norm_region") == "WITHIN_CHANNEL":
        params["k"] = None  # Caffe's WITHIN_CHANNEL LRN adds 1, never k
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
    assert not [n.name for n in back.nodes if n.type in FORK_LAYERS]  # no fork= named
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
    difference = first_difference(graph, back)
    if stem in EXACT:
        assert difference is None
    else:
        assert difference is not None, f"{stem} comes back exact: move it to EXACT"


def first_difference(graph, back) -> str | None:
    """Where the layers coming back first differ from the fixture's (None: nowhere)."""
    layers = [n for n in graph.nodes if not is_identity(n)]
    kept = [n for n in back.nodes if not is_identity(n)]
    for theirs, ours in zip(layers, kept):
        if layer_form(ours) != layer_form(theirs):
            return f"{layer_form(theirs)} came back as {layer_form(ours)}"
        expected, found = caffemodel_blobs(theirs), caffemodel_blobs(ours)
        if len(found) != len(expected) or any(
                not np.array_equal(a, np.asarray(b, np.float32), equal_nan=True)
                for a, b in zip(found, expected)):
            return f"the blobs of {theirs.name}"
    if len(layers) != len(kept):
        return f"{len(layers)} layers came back as {len(kept)}"
    return None


def test_every_fixture_has_one_expectation() -> None:
    sets = [EXACT, set(EQUIVALENT), set(REFUSED)]
    assert sorted(name for names in sets for name in names) == CASES
