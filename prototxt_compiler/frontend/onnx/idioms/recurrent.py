"""Idioms of RNN, LSTM and LSTMUnit (``backends.onnx.recurrent``), which have no node by node
form (a Scan, and the cell's Equal/Where on cont, are no Caffe layers):

    RNN, LSTM  [Reshape] MatMul(LAYER.W_xh / W_xc) Add(LAYER.b_h / b_c)
               [[Reshape] MatMul(LAYER.W_xh_static / W_xc_static) Add]  (static input)
               Unsqueeze(cont)  Squeeze per state (exposed) | Shape, Slice, Concat,
               ConstantOfShape (zero states)
               Scan(states, gates, cont), its body reading LAYER.W_hh / W_hc
               RNN: [Reshape] MatMul(LAYER.W_ho) Add(LAYER.b_o) Tanh;  Unsqueeze per last
               state (exposed)
    LSTMUnit   Unsqueeze(cont), Split(gates), then the cell: bottoms c_prev (the Mul by the
               forget gate), the gates and cont; tops c and h
The layer's blobs are the initializers ``LAYER.NAME`` of ``ops.recurrent``'s blob names,
the matrices stored for MatMul, (in, out), transposed back. A Scan's states count says RNN
(one) or LSTM (two). A top written over a bottom's blob (the backend names the bottom's
earlier version ``blob@k``) is proposed in place first.
"""
from __future__ import annotations

from collections.abc import Iterator, Sequence

import numpy as np

from ....ops.recurrent import LSTMUnitParams, RecurrentParams, recurrent_blob_names
from ..context import Context
from ..model import OnnxNode
from .reading import previous_version
from .registry import IDIOMS, Group, Proposal

__all__ = ["match_recurrent", "match_lstm_unit"]

CELL = ("Unsqueeze", "Split", "Sigmoid", "Mul", "Equal", "Where", "Mul", "Sigmoid", "Tanh",
        "Mul", "Add", "Sigmoid", "Tanh", "Mul")


def _in_place(ctx: Context, type: str, params: object, bottoms: tuple[str, ...],
              tops: tuple[str, ...], blobs: tuple[np.ndarray, ...] = ()) -> Iterator[Proposal]:
    """The layer in place where a top is the next version of a bottom's blob, then not."""
    sources = tuple(bottoms.index(before) if (before := previous_version(ctx, top)) in bottoms
                    else None for top in tops)
    if any(s is not None for s in sources):
        yield Proposal(type, params, bottoms=bottoms, tops=tops, blobs=blobs,
                       in_place=sources)
    yield Proposal(type, params, bottoms=bottoms, tops=tops, blobs=blobs)


def _source(group: Group, node: OnnxNode) -> str:
    """The bottom a transform reads: its MatMul's input, or the Reshape's before it."""
    x = node.inputs[0]
    for earlier in group.nodes:
        if earlier.op_type == "Reshape" and earlier.outputs[0] == x:
            return earlier.inputs[0]
    return x


def _blobs(ctx: Context, layer: str, names: Sequence[str]) -> tuple[np.ndarray, ...] | None:
    found = []
    for name in names:
        array = ctx.const(f"{layer}.{name}")
        if array is None or array.dtype != np.float32 or array.ndim not in (1, 2):
            return None
        found.append(array.T if array.ndim == 2 else array)
    return tuple(found)


@IDIOMS.register("Reshape", "MatMul", layer="RNN/LSTM")
def match_recurrent(ctx: Context, group: Group) -> Iterator[Proposal]:
    scan = group.node("Scan")
    if scan is None or group.node("Scan", 1) is not None:
        return
    states = len(scan.inputs) - 2
    kind = {1: "RNN", 2: "LSTM"}.get(states)
    if kind is None:
        return
    layer = group.name
    recurrent = "W_hh" if kind == "RNN" else "W_hc"
    weight = ctx.const(f"{layer}.{recurrent}")
    static_name = "W_xh_static" if kind == "RNN" else "W_xc_static"
    static = f"{layer}.{static_name}"
    if weight is None or weight.ndim != 2:
        return
    params = RecurrentParams(num_output=int(weight.shape[0]), kind=kind,
                             expose_hidden=group.node("Squeeze") is not None,
                             static_input=ctx.const(static) is not None)
    blobs = _blobs(ctx, layer, recurrent_blob_names(params))
    cont = next((n for n in group.nodes if n.op_type == "Unsqueeze"
                 and n.outputs[0] == scan.inputs[-1]), None)
    transform = group.node("MatMul")
    if blobs is None or cont is None or transform is None:
        return
    bottoms = [_source(group, transform), cont.inputs[0]]
    if params.static_input:
        reader = next((n for n in group.nodes if n.op_type == "MatMul"
                       and n.input(1) == static), None)
        if reader is None:
            return
        bottoms.append(_source(group, reader))
    bottoms += [n.inputs[0] for n in group.nodes if n.op_type == "Squeeze"]
    after = group.nodes[group.nodes.index(scan) + 1:]
    tanh = [n for n in after if n.op_type == "Tanh"]
    top = scan.outputs[-1] if kind == "LSTM" else tanh[-1].outputs[0] if tanh else ""
    tops = (top,) + tuple(n.outputs[0] for n in after
                          if n.op_type == "Unsqueeze" and n.inputs[0] in scan.outputs)
    yield from _in_place(ctx, kind, params, tuple(bottoms), tops, blobs)


@IDIOMS.register("Unsqueeze", layer="LSTMUnit")
def match_lstm_unit(ctx: Context, group: Group) -> Iterator[Proposal]:
    if group.ops() != CELL:
        return
    nodes = group.nodes
    bottoms = (nodes[6].inputs[1], nodes[1].inputs[0], nodes[0].inputs[0])
    yield from _in_place(ctx, "LSTMUnit", LSTMUnitParams(), bottoms,
                         (nodes[10].outputs[0], nodes[13].outputs[0]))
