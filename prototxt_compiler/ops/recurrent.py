"""RNN, LSTM and LSTMUnit: Caffe's recurrent layers (RecurrentLayer, which unrolls a net).

Bottoms, in order: ``x`` (T, N, ...) with at least 3 axes (T timesteps of N independent
streams; the input transform is an InnerProduct from axis 2, so K = prod(x.shape[2:])),
``cont`` (T, N) exactly (the sequence continuation indicators), then an optional static
input ``x_static`` (N, ...) with at least 2 axes (an InnerProduct from axis 1, K_s =
prod(x_static.shape[1:])), then, with ``expose_hidden``, the initial states, each
(1, N, num_output): RNN ``h_0``; LSTM ``h_0``, ``c_0``. A static input is present when there
are more bottoms than 2 (+ the exposed states). Tops: the per-timestep output (T, N,
num_output): RNN ``o``, LSTM ``h``; with ``expose_hidden`` also the last states, each
(1, N, num_output): RNN ``h_T``; LSTM ``h_T``, ``c_T``. num_output (H) must be positive.

Per timestep t = 1..T, with k_t = cont[t-1] (one value per stream, any real number; usually
0 at a sequence's first step and 1 after) and the unrolled net's blob names:
    RNN   h_t = tanh(W_hh (k_t * h_{t-1}) + W_xh x_t + b_h [+ W_xh_static x_static])
          o_t = tanh(W_ho h_t + b_o)
    LSTM  g   = W_hc (k_t * h_{t-1}) + W_xc x_t + b_c [+ W_xc_static x_static]   (N, 4H)
          i, f, o, u = sigmoid(g[:, :H]), sigmoid(g[:, H:2H]), sigmoid(g[:, 2H:3H]),
                       tanh(g[:, 3H:])
          f'  = 0 where k_t == 0, else k_t * f
          c_t = f' * c_{t-1} + i * u;   h_t = o * tanh(c_t)
The static term is computed once per forward and added at every step.

Blobs (the unrolled net's parameters in the order Caffe owns them), 2-D weights (out, in):
    RNN   W_xh (H, K), b_h (H), [W_xh_static (H, K_s)], W_hh (H, H), W_ho (H, H), b_o (H)
    LSTM  W_xc (4H, K), b_c (4H), [W_xc_static (4H, K_s)], W_hc (4H, H)
Weights take ``weight_filler``, biases ``bias_filler``.

State: without ``expose_hidden`` Caffe starts from zero states and copies the last states
into the first ones at the start of its next forward, so a later call continues where the
previous ended unless cont is 0 at t = 1. A compiled net is one forward from zero states
(Caffe's first call, or any call whose cont starts with 0); carry the state explicitly with
``expose_hidden`` (h_0/c_0 in, h_T/c_T out).

LSTMUnit (one LSTM step as a layer): bottoms c_prev (1, N, H), gates (1, N, 4H), cont (1, N);
tops c (1, N, H), h (1, N, H), by the rule above with g = gates.

In place (Caffe counts a top as in place only where it names the bottom of its index): h
over x, and an LSTMUnit's c over c_prev or h over its gates, compute what a new top would
(in Caffe as here); a top over cont (index 1) is refused: Caffe corrupts its memory there.

MACs: the InnerProducts of the unrolled net, M x K x N each: T*N*K*G for x, N*K_s*G for
x_static, T*N*H*G for the hidden transform (G = H for RNN, 4H for LSTM), and T*N*H*H more
for RNN's output transform; the gates' element-wise work counts none.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from ..errors import OpError
from ..ir import Shape
from ..proto import caffe_pb2
from .base import OPS, count, known_less, unify_dims
from .fillers import Filler, read_filler
from .writing import write_fields

__all__ = ["RecurrentParams", "LSTMUnitParams", "recurrent_blob_names", "INT_MAX"]

INT_MAX = 2 ** 31 - 1  # Caffe's blob dimensions are C ints
_STATES = {"RNN": ("h_0",), "LSTM": ("h_0", "c_0")}
_GATES = {"RNN": 1, "LSTM": 4}


@dataclass(frozen=True)
class RecurrentParams:
    """``kind`` is "RNN" or "LSTM"; ``static_input``: a bottom ``x_static`` is given (what
    Caffe derives from the number of bottoms)."""

    num_output: int
    kind: str = field(default="LSTM", repr=False)  # the layer type says it
    weight_filler: Filler = Filler()
    bias_filler: Filler = Filler()
    debug_info: bool = False
    expose_hidden: bool = False
    static_input: bool = False

    @property
    def states(self) -> int:
        return len(_STATES[self.kind])

    @property
    def gates(self) -> int:
        """Rows of the input and hidden transforms per output: H (RNN) or 4H (LSTM)."""
        return _GATES[self.kind] * self.num_output


@dataclass(frozen=True)
class LSTMUnitParams:
    pass


def recurrent_blob_names(p: RecurrentParams) -> tuple[str, ...]:
    """The unrolled net's parameter names, in blob order."""
    if p.kind == "RNN":
        names = ("W_xh", "b_h") + (("W_xh_static",) if p.static_input else ())
        return names + ("W_hh", "W_ho", "b_o")
    return ("W_xc", "b_c") + (("W_xc_static",) if p.static_input else ()) + ("W_hc",)


def _read_recurrent(layer: caffe_pb2.LayerParameter, kind: str) -> RecurrentParams:
    p = layer.recurrent_param
    if p.num_output <= 0:
        raise OpError("num_output must be positive (it is 0, the default)",
                      field="recurrent_param.num_output")
    if p.num_output * _GATES[kind] > INT_MAX:
        raise OpError(f"num_output {p.num_output} makes a transform of "
                      f"{p.num_output * _GATES[kind]} rows, past Caffe's int range",
                      field="recurrent_param.num_output")
    states = _STATES[kind]
    least = 2 + (len(states) if p.expose_hidden else 0)
    names = "x, cont, [x_static]" + "".join(f", {s}" for s in states if p.expose_hidden)
    if not least <= len(layer.bottom) <= least + 1:
        raise OpError(f"has {len(layer.bottom)} bottoms, expected {least} or {least + 1} "
                      f"({names})", field="recurrent_param.expose_hidden")
    tops = 1 + (len(states) if p.expose_hidden else 0)
    if len(layer.top) != tops:
        outs = "o" if kind == "RNN" else "h"
        outs += "".join(f", {s[0]}_T" for s in states if p.expose_hidden)
        raise OpError(f"has {len(layer.top)} tops, expected {tops} ({outs})",
                      field="recurrent_param.expose_hidden")
    if len(layer.top) > 1 and len(layer.bottom) > 1 and layer.top[1] == layer.bottom[1]:
        raise OpError(f"top 1 '{layer.top[1]}' would be written over cont, which the layer "
                      "reads on every forward; Caffe corrupts its memory there (expected a "
                      "new top name)")
    return RecurrentParams(num_output=p.num_output, kind=kind,
                           weight_filler=read_filler(p.weight_filler),
                           bias_filler=read_filler(p.bias_filler), debug_info=p.debug_info,
                           expose_hidden=p.expose_hidden,
                           static_input=len(layer.bottom) == least + 1)


def read_rnn(layer: caffe_pb2.LayerParameter) -> RecurrentParams:
    return _read_recurrent(layer, "RNN")


def read_lstm(layer: caffe_pb2.LayerParameter) -> RecurrentParams:
    return _read_recurrent(layer, "LSTM")


def _check_equal(what: str, have: Shape, want: Shape) -> None:
    unify_dims(have, want, f"{what} must be {list(want)}")
    if tuple(have) != tuple(want):
        raise OpError(f"{what} is {list(have)}, expected {list(want)}")


def infer_recurrent(p: RecurrentParams, bottoms: Sequence[Shape], num_tops: int) -> list[Shape]:
    x, cont = tuple(bottoms[0]), tuple(bottoms[1])
    if len(x) < 3:
        raise OpError(f"bottom 0 (x) is {list(x)}: it needs at least 3 axes (T, N, ...), "
                      "since its transform is an InnerProduct from axis 2")
    if len(cont) != 2:
        raise OpError(f"bottom 1 (cont) is {list(cont)}: it must have exactly 2 axes (T, N)")
    _check_equal("bottom 1 (cont)", cont, x[:2])
    steps, streams = x[0], x[1]
    if known_less(steps, 1):
        raise OpError(f"bottom 0 (x) is {list(x)}: it has no timesteps (expected T >= 1)")
    state: Shape = (1, streams, p.num_output)
    if p.static_input:
        static = tuple(bottoms[2])
        if len(static) < 2:
            raise OpError(f"bottom 2 (x_static) is {list(static)}: it needs at least 2 axes "
                          "(N, ...), since its transform is an InnerProduct from axis 1")
        _check_equal("bottom 2 (x_static)'s first axis", static[:1], (streams,))
    first = 2 + p.static_input
    for i, name in enumerate(_STATES[p.kind][:len(bottoms) - first]):
        _check_equal(f"bottom {first + i} ({name})", tuple(bottoms[first + i]), state)
    return [(steps, streams, p.num_output)] + [state] * (num_tops - 1)


def blobs_recurrent(p: RecurrentParams, bottoms: Sequence[Shape]) -> list[Shape]:
    hidden, rows = p.num_output, p.gates
    shapes: list[Shape] = [(rows, count(bottoms[0], 2)), (rows,)]
    if p.static_input:
        shapes.append((rows, count(bottoms[2], 1)))
    shapes.append((rows, hidden))
    if p.kind == "RNN":
        shapes += [(hidden, hidden), (hidden,)]
    return shapes


def fillers_recurrent(p: RecurrentParams, bottoms: Sequence[Shape]) -> list[Filler]:
    return [p.bias_filler if len(s) == 1 else p.weight_filler
            for s in blobs_recurrent(p, bottoms)]


def macs_recurrent(p: RecurrentParams, bottoms: Sequence[Shape], tops: Sequence[Shape]) -> int:
    steps, streams = bottoms[0][0], bottoms[0][1]
    macs = steps * streams * (count(bottoms[0], 2) + p.num_output) * p.gates
    if p.static_input:
        macs += streams * count(bottoms[2], 1) * p.gates
    if p.kind == "RNN":
        macs += steps * streams * p.num_output * p.num_output
    return macs


def write_recurrent(p: RecurrentParams, q: caffe_pb2.RecurrentParameter,
                    bottoms: Sequence[Shape]) -> None:
    """``num_output`` always (Caffe needs it); the rest where not the default."""
    q.num_output = p.num_output
    write_fields(p, q, skip=("num_output",))


def read_lstm_unit(layer: caffe_pb2.LayerParameter) -> LSTMUnitParams:
    return LSTMUnitParams()


def infer_lstm_unit(p: LSTMUnitParams, bottoms: Sequence[Shape], num_tops: int) -> list[Shape]:
    c_prev, gates, cont = (tuple(b) for b in bottoms)
    for i, (shape, axes) in enumerate(((c_prev, 3), (gates, 3), (cont, 2))):
        if len(shape) != axes:
            raise OpError(f"bottom {i} is {list(shape)}: it must have exactly {axes} axes")
        _check_equal(f"bottom {i}'s first axis", shape[:1], (1,))
        _check_equal(f"bottom {i}'s axis 1", shape[1:2], c_prev[1:2])
    _check_equal("bottom 1 (gates)'s axis 2", gates[2:], (4 * c_prev[2],))
    return [c_prev, c_prev]


OPS.define("RNN", family="recurrent", read=read_rnn, infer=infer_recurrent,
           blobs=blobs_recurrent, fillers=fillers_recurrent, macs=macs_recurrent,
           param="recurrent_param", write=write_recurrent, bottoms=(2, 4), tops=(1, 2))
OPS.define("LSTM", family="recurrent", read=read_lstm, infer=infer_recurrent,
           blobs=blobs_recurrent, fillers=fillers_recurrent, macs=macs_recurrent,
           param="recurrent_param", write=write_recurrent, bottoms=(2, 5), tops=(1, 3))
OPS.define("LSTMUnit", family="recurrent", read=read_lstm_unit, infer=infer_lstm_unit,
           bottoms=(3, 3), tops=(2, 2))
