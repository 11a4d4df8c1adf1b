"""Pooling and SPP from the nodes this project's backend writes for them (``idioms.pooling``):
the round trip's fixtures show them coming back; these show the backend's own export
(``idioms.verify``) turning down a group that was edited after the export."""
from __future__ import annotations

import numpy as np
import pytest

from prototxt_compiler.frontend.onnx import UnsupportedNodesError
from prototxt_compiler.to_caffe import from_onnx
from tests.frontend.onnx.exported import edit_initializer, exported


def test_a_mask_whose_plane_size_was_edited_is_refused() -> None:
    """m1's mask is MaxPool's Indices modulo H*W (7*6 = 42); modulo 43 the group is not the
    export of any Pooling, and MaxPool's Indices have no Caffe form node by node."""
    model = exported("pool_max_mask")
    assert [n.type for n in from_onnx(model).nodes if n.name == "m1"] == ["Pooling"]
    edit_initializer(model, "m1/plane", lambda a: a + 1)
    with pytest.raises(UnsupportedNodesError) as caught:
        from_onnx(model)
    assert [(name, op) for name, op, _ in caught.value.nodes] == [("m1", "MaxPool")]


def test_an_edited_divisor_map_comes_back_as_the_layers_it_computes() -> None:
    """ave_pad (kernel 3, stride 2, pad 1 on 8 x 7) divides its last row of windows by 6;
    with the divisor map edited, no Pooling writes it: the nodes come back one by one
    (pooling, the Scale of ONNX's pooling rule, Power and Scale)."""
    model = exported("pool_ave_pad")
    back = {n.name: n.type for n in from_onnx(model).nodes}
    assert back["ave_pad"] == "Pooling"
    edit_initializer(model, "ave_pad/divisor", lambda a: a + np.float32(1))
    edited = {n.name: n.type for n in from_onnx(model).nodes}
    assert "ave_pad" not in edited
    assert edited["ave_pad/Div"] == "Scale" and edited["max_pad"] == "Pooling"


def test_an_spp_whose_levels_were_reordered_comes_back_as_its_poolings() -> None:
    model = exported("spp_pyramid")
    assert {n.name: n.type for n in from_onnx(model).nodes}["spp2"] == "SPP"
    concat = next(n for n in model.graph.node if n.name == "spp2/Concat")
    inputs = list(concat.input)
    del concat.input[:]
    concat.input.extend(reversed(inputs))
    edited = {n.name: n.type for n in from_onnx(model).nodes}
    assert edited["spp2"] == "Pooling" and edited["spp2/Concat"] == "Concat"
