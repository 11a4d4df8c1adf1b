"""RNN, LSTM and LSTMUnit as ONNX: the input transforms as MatMul over the whole sequence,
the recurrence as one ``Scan`` over the run-time timesteps (ONNX's own RNN and LSTM ops
cannot reset their state by cont, nor multiply it by a real-valued cont).

Outside the loop (``ops.recurrent`` has the rules; W^T below is stored as MatMul takes it,
(in, out), under the Caffe name, as ``dense`` stores an InnerProduct for MatMul):
    xg   = Reshape(x, [0, 0, -1]) @ LAYER.W_xc (W_xc^T) + LAYER.b_c      (T, N, G)
           [+ Reshape(x_static, [0, -1]) @ LAYER.W_xc_static, added to every step]
    cont = Unsqueeze(cont, [2])                                           (T, N, 1)
    states at t = 0: Squeeze(h_0 / c_0, [0]) when exposed, else zeros of (N, H), N read
    from cont's run-time shape
The Scan body, per step, with k = cont_t (N, 1):
    RNN   h = Tanh(Mul(h, k) @ W_hh^T + xg_t)
    LSTM  g = Mul(h, k) @ W_hc^T + xg_t;  i, f, o, u = Split(g, 4, axis 1)
          c = Where(k == 0, 0, k * Sigmoid(f)) * c + Sigmoid(i) * Tanh(u)
          h = Sigmoid(o) * Tanh(c)
Its scan output is every step's h (T, N, H); RNN's top is then Tanh(h @ W_ho^T + b_o). The
last states come out of the Scan and, with ``expose_hidden``, are Unsqueezed to (1, N, H).
LSTMUnit is the LSTM step alone on its (1, N, .) bottoms (Split on axis 2).
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from onnx import TensorProto, helper

from ...errors import OpError
from ...ir import Node, Shape
from ...ops.recurrent import LSTMUnitParams, RecurrentParams, recurrent_blob_names
from .registry import ONNX, Emitter

__all__ = ["convert_recurrent", "convert_lstm_unit"]

Op = Callable[..., list[str]]


class _Body:
    """A Scan body under construction: nodes named uniquely through the layer's emitter."""

    def __init__(self, emit: Emitter) -> None:
        self.emit = emit
        self.nodes: list[Any] = []
        self.inputs: list[Any] = []

    def input(self, hint: str, shape: Shape) -> str:
        name = self.emit.temp(hint)
        dims = [d if isinstance(d, int) else None for d in shape]
        self.inputs.append(helper.make_tensor_value_info(name, TensorProto.FLOAT, dims))
        return name

    def op(self, op_type: str, inputs: Sequence[str], outputs: Sequence[str] | None = None,
           **attrs: Any) -> list[str]:
        outs = list(outputs) if outputs is not None else [self.emit.temp(op_type.lower())]
        self.nodes.append(helper.make_node(op_type, list(inputs), outs,
                                           name=self.emit.temp(op_type), **attrs))
        return outs

    def graph(self, outputs: Sequence[str]) -> Any:
        infos = [helper.make_tensor_value_info(o, TensorProto.FLOAT, None) for o in outputs]
        return helper.make_graph(self.nodes, self.emit.temp("body"), self.inputs, infos)


def _lstm_cell(op: Op, emit: Emitter, gates: str, c_prev: str, cont: str, hidden: int,
               axis: int, out: Sequence[str | None] = (None, None)) -> tuple[str, str]:
    """The LSTMUnit rule on ``gates`` (4H on ``axis``): returns (c, h)."""
    split = emit.const("split", [hidden] * 4)
    i, f, o, u = op("Split", [gates, split], [emit.temp(g) for g in "ifou"], axis=axis)
    zero = emit.const("zero", 0.0, np.float32)
    scaled = op("Mul", [cont, op("Sigmoid", [f])[0]])[0]
    reset = op("Equal", [cont, zero])[0]
    forget = op("Where", [reset, zero, scaled])[0]
    kept = op("Mul", [forget, c_prev])[0]
    fresh = op("Mul", [op("Sigmoid", [i])[0], op("Tanh", [u])[0]])[0]
    c = op("Add", [kept, fresh], [out[0]] if out[0] else None)[0]
    h = op("Mul", [op("Sigmoid", [o])[0], op("Tanh", [c])[0]], [out[1]] if out[1] else None)[0]
    return c, h


def _transform(emit: Emitter, x: str, rank: int, keep: int, weight: np.ndarray, name: str,
               bias: np.ndarray | None = None, bias_name: str = "") -> str:
    """``x`` flattened from axis ``keep`` times ``weight``^T (+ bias)."""
    if rank != keep + 1:
        x = emit.op("Reshape", [x, emit.const("shape", [0] * keep + [-1])])[0]
    y = emit.op("MatMul", [x, emit.weight(name, np.asarray(weight, np.float32).T)])[0]
    if bias is not None:
        y = emit.op("Add", [y, emit.weight(bias_name, bias)])[0]
    return y


@ONNX.register("RNN", "LSTM")
def convert_recurrent(node: Node, blobs: Sequence[np.ndarray], emit: Emitter) -> None:
    p: RecurrentParams = node.params
    names = recurrent_blob_names(p)
    if len(blobs) != len(names):
        raise OpError(f"expected {len(names)} blobs ({', '.join(names)}), got {len(blobs)}: "
                      "attach the weights before exporting")
    weights = dict(zip(names, blobs))
    lstm = p.kind == "LSTM"
    x_name, hidden = names[0], p.num_output
    inputs = _transform(emit, emit.input(0), len(emit.input_shape(0)), 2, weights[x_name],
                        x_name, weights[names[1]], names[1])
    if p.static_input:
        static = _transform(emit, emit.input(2), len(emit.input_shape(2)), 1,
                            weights[names[2]], names[2])
        inputs = emit.op("Add", [inputs, static])[0]
    cont = emit.op("Unsqueeze", [emit.input(1), emit.const("axes", [2])])[0]
    first = 2 + int(p.static_input)
    if p.expose_hidden:
        states = [emit.op("Squeeze", [emit.input(first + i), emit.const("axes", [0])])[0]
                  for i in range(p.states)]
    else:
        streams = emit.op("Slice", [emit.op("Shape", [emit.input(1)])[0],
                                    emit.const("one", [1]), emit.const("two", [2])])[0]
        size = emit.op("Concat", [streams, emit.const("hidden", [hidden])], axis=0)[0]
        zeros = emit.op("ConstantOfShape", [size],
                        value=helper.make_tensor("zero", TensorProto.FLOAT, [1], [0.0]))[0]
        states = [zeros] * p.states
    streams_dim = emit.input_shape(0)[1]
    body = _Body(emit)
    h_in = body.input("h", (streams_dim, hidden))
    c_in = body.input("c", (streams_dim, hidden)) if lstm else ""
    g_in = body.input("gates", (streams_dim, p.gates))
    k_in = body.input("cont", (streams_dim, 1))
    recurrent_name = "W_hc" if lstm else "W_hh"
    recurrent = emit.weight(recurrent_name, np.asarray(weights[recurrent_name], np.float32).T)
    summed = body.op("Add", [body.op("MatMul", [body.op("Mul", [h_in, k_in])[0], recurrent])[0],
                             g_in])[0]
    if lstm:
        c, h = _lstm_cell(body.op, emit, summed, c_in, k_in, hidden, axis=1)
        body_outs = [h, c]
    else:
        h = body.op("Tanh", [summed])[0]
        body_outs = [h]
    body_outs.append(body.op("Identity", [h])[0])
    out_all = emit.output(0) if lstm else emit.temp("h")
    finals = [emit.temp("h_T")] + ([emit.temp("c_T")] if lstm else [])
    emit.op("Scan", states + [inputs, cont], finals + [out_all],
            body=body.graph(body_outs), num_scan_inputs=2)
    if not lstm:
        o = _transform(emit, out_all, 3, 2, weights["W_ho"], "W_ho", weights["b_o"], "b_o")
        emit.op("Tanh", [o], [emit.output(0)])
    if p.expose_hidden:
        for i, final in enumerate(finals):
            emit.op("Unsqueeze", [final, emit.const("axes", [0])], [emit.output(1 + i)])


@ONNX.register("LSTMUnit")
def convert_lstm_unit(node: Node, blobs: Sequence[np.ndarray], emit: Emitter) -> None:
    p: LSTMUnitParams = node.params  # noqa: F841 - the layer has no params
    cont = emit.op("Unsqueeze", [emit.input(2), emit.const("axes", [2])])[0]
    _lstm_cell(emit.op, emit, emit.input(1), emit.input(0), cont,
               emit.input_shape(0)[2], axis=2, out=(emit.output(0), emit.output(1)))
