"""RNN, LSTM and LSTMUnit in ``ops``: what the Caffe-run fixtures do not show by themselves.

Shapes and refusals are held to Caffe by tests/fixtures/shapes/recurrent_*.prototxt and
lstm_unit_*.prototxt, the blob shapes by the Caffe-written .caffemodels of
tests/fixtures/numeric/recurrent_*.prototxt (tests/frontend/test_weights.py attaches them).
Here: the blob order and fillers, the MACs and parameter counts by hand, the bottom and top
counts per expose_hidden, Caffe's int range, in place, symbolic sizes, and the params
written back.
"""
from __future__ import annotations

import pathlib

import pytest
from google.protobuf import text_format

import prototxt_compiler as pc
from prototxt_compiler.errors import CompilerError, OpError
from prototxt_compiler.ops import OPS
from prototxt_compiler.ops.fillers import Filler
from prototxt_compiler.ops.recurrent import RecurrentParams, recurrent_blob_names
from prototxt_compiler.proto import caffe_pb2

NUMERIC = pathlib.Path(__file__).parents[1] / "fixtures" / "numeric"


def layer(kind: str, params: str, bottoms: int = 2, tops: int = 1) -> caffe_pb2.LayerParameter:
    message = caffe_pb2.LayerParameter()
    text_format.Parse(f'name: "l" type: "{kind}" {params}', message)
    message.bottom.extend(f"b{i}" for i in range(bottoms))
    message.top.extend(f"t{i}" for i in range(tops))
    return message


def read(kind: str, params: str, bottoms: int = 2, tops: int = 1) -> RecurrentParams:
    return OPS[kind].read(layer(kind, params, bottoms, tops))


def test_blobs_follow_the_unrolled_nets_parameter_order() -> None:
    lstm = read("LSTM", "recurrent_param { num_output: 4 }", bottoms=3)
    bottoms = [(5, 2, 3, 2), (5, 2), (2, 7)]
    assert recurrent_blob_names(lstm) == ("W_xc", "b_c", "W_xc_static", "W_hc")
    assert OPS["LSTM"].blobs(lstm, bottoms) == [(16, 6), (16,), (16, 7), (16, 4)]
    rnn = read("RNN", "recurrent_param { num_output: 3 }")
    assert recurrent_blob_names(rnn) == ("W_xh", "b_h", "W_hh", "W_ho", "b_o")
    assert OPS["RNN"].blobs(rnn, bottoms[:2]) == [(3, 6), (3,), (3, 3), (3, 3), (3,)]


def test_weights_take_weight_filler_and_biases_bias_filler() -> None:
    p = read("RNN", 'recurrent_param { num_output: 3 weight_filler { type: "xavier" } '
                    'bias_filler { type: "constant" value: 0.5 } }', bottoms=3)
    fillers = OPS["RNN"].fillers(p, [(5, 2, 4), (5, 2), (2, 3)])
    weight, bias = Filler(type="xavier"), Filler(type="constant", value=0.5)
    assert fillers == [weight, bias, weight, weight, weight, bias]


def test_costs_by_hand() -> None:
    """layer_costs on the Caffe-run fixtures, counted by hand from the unrolled net's
    InnerProducts (M x K x N each)."""
    costs = {c.name: c for c in pc.layer_costs(pc.load(NUMERIC / "recurrent_lstm.prototxt"))}
    # lstm_reset: T 16, N 2, K 3*2 = 6, H 4, G 4H = 16
    assert costs["lstm_reset"].macs == 16 * 2 * 6 * 16 + 16 * 2 * 4 * 16
    assert costs["lstm_reset"].params == 16 * 6 + 16 + 16 * 4
    # lstm_real: H 3, G 12, static (2, 8): N 2 x K_s 8 x 12 once
    assert costs["lstm_real"].macs == 16 * 2 * 6 * 12 + 2 * 8 * 12 + 16 * 2 * 3 * 12
    assert costs["unit"].macs == 0 and costs["unit"].params == 0
    costs = {c.name: c for c in pc.layer_costs(pc.load(NUMERIC / "recurrent_rnn.prototxt"))}
    # rnn_real: T 16, N 2, K 5, H 3, static (2, 2, 4) so K_s 8; W_xh, W_hh, W_ho per step
    assert costs["rnn_real"].macs == 16 * 2 * 5 * 3 + 2 * 8 * 3 + 16 * 2 * 3 * 3 + 16 * 2 * 3 * 3
    assert costs["rnn_real"].params == 3 * 5 + 3 + 3 * 8 + 3 * 3 + 3 * 3 + 3


@pytest.mark.parametrize("kind,expose,bottoms,tops,ok", [
    ("LSTM", False, 2, 1, True), ("LSTM", False, 3, 1, True), ("LSTM", False, 4, 1, False),
    ("LSTM", True, 4, 3, True), ("LSTM", True, 5, 3, True), ("LSTM", True, 3, 3, False),
    ("LSTM", True, 4, 2, False), ("RNN", True, 3, 2, True), ("RNN", True, 4, 2, True),
    ("RNN", True, 5, 2, False), ("RNN", False, 2, 2, False), ("RNN", True, 3, 1, False),
])
def test_bottom_and_top_counts_follow_expose_hidden(kind: str, expose: bool, bottoms: int,
                                                     tops: int, ok: bool) -> None:
    """Caffe's MinBottomBlobs (2, + the states when exposed), MaxBottomBlobs (one more: the
    static input) and ExactNumTopBlobs (1, + the states when exposed)."""
    params = f"recurrent_param {{ num_output: 2 expose_hidden: {str(expose).lower()} }}"
    if ok:
        states = (2 if kind == "LSTM" else 1) if expose else 0
        assert read(kind, params, bottoms, tops).static_input == (bottoms == 3 + states)
    else:
        with pytest.raises(OpError, match="expected"):
            read(kind, params, bottoms, tops)


def test_num_output_past_caffes_int_range_is_refused() -> None:
    """LSTM's transforms have 4 x num_output rows, which Caffe holds in an int."""
    read("RNN", "recurrent_param { num_output: 536870911 }")  # 4 x that still fits
    with pytest.raises(OpError, match="int range"):
        read("LSTM", "recurrent_param { num_output: 536870912 }")
    with pytest.raises(OpError, match="int range"):
        read("RNN", "recurrent_param { num_output: 2147483648 }")


def test_a_top_over_cont_is_refused() -> None:
    """h_T written in place over cont: Caffe's memory was corrupted when we tried it."""
    message = layer("RNN", "recurrent_param { num_output: 2 expose_hidden: true }", 3, 2)
    message.top[1] = message.bottom[1]
    with pytest.raises(OpError, match="over cont"):
        OPS["RNN"].read(message)


def test_no_timesteps_is_refused() -> None:
    p = read("LSTM", "recurrent_param { num_output: 2 }")
    with pytest.raises(OpError, match="no timesteps"):
        OPS["LSTM"].infer(p, [(0, 2, 3), (0, 2)], 1)


def test_symbolic_fragment_sizes_flow_and_bind(tmp_path: pathlib.Path) -> None:
    """A fragment reading x (left N x C x H x W) and cont (given): x's T and N are bound to
    cont's, H and W stay symbolic, and the weights, which need K = H*W, say which input to
    size."""
    net = tmp_path / "frag.prototxt"
    net.write_text('layer { name: "l" type: "LSTM" bottom: "x" bottom: "c" top: "h" '
                   'recurrent_param { num_output: 3 } }\n')
    graph = pc.load(net, input_shapes={"c": (7, 2)})
    shapes = {v.blob: v.shape for v in graph.values()}
    assert shapes["h"] == (7, 2, 3) and str(shapes["x"][2]) == "H"
    with pytest.raises(CompilerError, match="--input-shape x="):
        pc.init_weights(graph, seed=0)
    with pytest.raises(CompilerError, match="cont"):
        pc.load(net, input_shapes={"x": (7, 2, 5), "c": (6, 2)})


def test_params_are_written_back(tmp_path: pathlib.Path) -> None:
    from prototxt_compiler.backends.prototxt import to_prototxt

    text = to_prototxt(pc.load(NUMERIC / "recurrent_lstm.prototxt"))
    assert "recurrent_param {\n    num_output: 8\n    expose_hidden: true\n  }" in text
    assert "static_input" not in text and "kind" not in text
