"""ArgMax, BatchReindex, Embed, InnerProduct and Im2col from the nodes this project's
backend writes for them (``idioms.select``, ``idioms.dense``, ``idioms.im2col``): the round
trip's fixtures show them coming back; these show the backend's own export
(``idioms.verify``) turning down a group edited after the export, which then meets the node
by node import: its refusal, or (a strided Slice) its own exact form."""
from __future__ import annotations

import onnx
import pytest
from onnx import numpy_helper

from prototxt_compiler.frontend.onnx import UnsupportedNodesError
from prototxt_compiler.to_caffe import from_onnx
from tests.frontend.onnx.exported import exported


def _refused(model: onnx.ModelProto) -> list[tuple[str, str]]:
    with pytest.raises(UnsupportedNodesError) as caught:
        from_onnx(model)
    return [(name, op) for name, op, _ in caught.value.nodes]


def test_an_argmax_whose_last_index_was_edited_is_refused() -> None:
    """a1 ranks the 6*4*5 = 120 elements of each item: the index is 119 - the reversed
    index. With 118 the group is no ArgMax's export, and the reversing Slice (step -1)
    would take 120 runs of one element, past MAX_TAKEN_RUNS."""
    model = exported("argmax_top_k")
    assert {n.name: n.type for n in from_onnx(model).nodes}["a1"] == "ArgMax"
    for tensor in model.graph.initializer:
        if tensor.name == "a1/last":
            assert numpy_helper.to_array(tensor).tolist() == [119]
            tensor.CopyFrom(numpy_helper.from_array(numpy_helper.to_array(tensor) - 1,
                                                    tensor.name))
    with pytest.raises(UnsupportedNodesError) as caught:
        from_onnx(model)
    [(name, op, why)] = caught.value.nodes
    assert (name, op) == ("a1/Slice", "Slice") and "120 separate runs" in why


def test_a_batch_reindex_reading_the_batch_elsewhere_is_refused() -> None:
    """reindex compares the index with the batch size, Shape(x)[0]; reading item 1 of the
    shape instead, the group is no BatchReindex's export."""
    model = exported("batch_reindex_gather")
    assert {n.name: n.type for n in from_onnx(model).nodes}["reindex"] == "BatchReindex"
    for tensor in model.graph.initializer:
        if tensor.name == "reindex/first":
            tensor.CopyFrom(numpy_helper.from_array(numpy_helper.to_array(tensor) + 1,
                                                    tensor.name))
    assert ("reindex/GreaterOrEqual", "GreaterOrEqual") in _refused(model)


def test_an_embed_casting_to_int32_is_refused() -> None:
    """The backend casts an Embed's indices to int64; cast to int32 the lookup is the same
    in ONNX but not the backend's export, and Cast has no Caffe layer."""
    model = exported("embed_lookup")
    assert {n.name: n.type for n in from_onnx(model).nodes}["emb_frac"] == "Embed"
    cast = next(n for n in model.graph.node if n.name == "emb_frac")
    assert [a.name for a in cast.attribute] == ["to"]
    cast.attribute[0].i = onnx.TensorProto.INT32
    assert _refused(model) == [("emb_frac", "Cast")]


def test_an_im2col_with_an_edited_tap_comes_back_node_by_node() -> None:
    """im_past (kernel 3, stride 2 on 2 x 5) reads tap (0, 1) from column 1 on; moved to
    column 0 the taps are no Im2col's, so its nodes are imported one by one (a strided
    Slice is a 1 x 1 Convolution of stride 2), and they compute what onnxruntime does."""
    ort = pytest.importorskip("onnxruntime")
    torch = pytest.importorskip("torch")
    import numpy as np

    from prototxt_compiler.backends.torch import to_torch

    model = exported("im2col_variants")
    assert {n.name: n.type for n in from_onnx(model).nodes}["im_past"] == "Im2col"
    starts = [n.input[1] for n in model.graph.node
              if n.op_type == "Slice" and n.name.startswith("im_past")]
    for tensor in model.graph.initializer:
        if tensor.name == starts[1]:
            assert numpy_helper.to_array(tensor).tolist() == [0, 1]
            tensor.CopyFrom(numpy_helper.from_array(numpy_helper.to_array(tensor) * 0,
                                                    tensor.name))
    graph = from_onnx(model)
    assert "Im2col" not in {n.type for n in graph.nodes if n.name.startswith("im_past")}
    rng = np.random.default_rng(0)
    feeds = {v.name: rng.standard_normal([d.dim_value for d in v.type.tensor_type.shape.dim])
             .astype(np.float32) for v in model.graph.input}
    want = ort.InferenceSession(model.SerializeToString(),
                                providers=["CPUExecutionProvider"]).run(None, feeds)
    with torch.inference_mode():
        got = to_torch(graph)(*(torch.from_numpy(feeds[v.blob]) for v in graph.inputs))
    for ours, theirs in zip(got if isinstance(got, tuple) else (got,), want):
        np.testing.assert_array_equal(ours.numpy(), theirs)