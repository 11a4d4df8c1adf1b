"""RNN, LSTM and LSTMUnit from the nodes this project's backend writes for them
(``idioms.recurrent``): the round trip's fixtures show them coming back; these show the
backend's own export (``idioms.verify``) turning down a Scan whose body reads an edited
constant, which only a subgraph reads, and so no node input shows."""
from __future__ import annotations

import numpy as np
import onnx
import pytest
from onnx import numpy_helper

from prototxt_compiler.frontend.onnx import UnsupportedNodesError
from prototxt_compiler.to_caffe import from_onnx
from tests.frontend.onnx.exported import edit_initializer, exported


def _edit(model: onnx.ModelProto, name: str, change) -> None:
    read = {i for n in model.graph.node for i in n.input}
    assert name not in read  # only the Scan body reads it
    edit_initializer(model, name, change)


def test_an_lstm_whose_scan_body_compares_cont_with_another_zero_is_refused() -> None:
    """The cell resets the memory where cont equals LAYER/zero, read inside the Scan; at
    0.5 the group is no LSTM's export, and the Scan has no Caffe layer."""
    model = exported("recurrent_lstm")
    assert {n.name: n.type for n in from_onnx(model).nodes}["lstm_reset"] == "LSTM"
    _edit(model, "lstm_reset/zero", lambda a: a + np.float32(0.5))
    with pytest.raises(UnsupportedNodesError) as caught:
        from_onnx(model)
    assert [(n, op) for n, op, _ in caught.value.nodes] == [("lstm_reset/Scan", "Scan")]


def test_an_lstm_with_an_edited_recurrent_weight_is_that_lstm() -> None:
    """LAYER.W_hc, read inside the Scan too, is a blob of the layer: edited, it is another
    LSTM's export, which comes back with that weight (Caffe's (4H, H), stored transposed)."""
    model = exported("recurrent_lstm")
    _edit(model, "lstm_reset.W_hc", lambda a: a + np.float32(0.5))
    stored = next(numpy_helper.to_array(t) for t in model.graph.initializer
                  if t.name == "lstm_reset.W_hc")
    layer = next(n for n in from_onnx(model).nodes if n.name == "lstm_reset")
    assert layer.type == "LSTM"
    assert np.array_equal(layer.weights()[2], stored.T)  # W_xc, b_c, W_hc
