"""RNN, LSTM and LSTMUnit in the generated file, written out, step by step as Caffe's
unrolled net computes (``ops.recurrent``).

The input transform of every timestep is one ``F.linear`` over the (T, N, K) sequence
(plus the static input's, computed once), then a loop over the input's timesteps; each step
scales the previous state by cont before the hidden transform:
    RNN   h = tanh(W_hh (cont_t * h) + xh_t);  o_t = tanh(W_ho h + b_o)
    LSTM  g = W_hc (cont_t * h) + xc_t;  i, f, o, u = split(g, 4)
          c = where(cont_t == 0, 0, cont_t * sigmoid(f)) * c + sigmoid(i) * tanh(u)
          h = sigmoid(o) * tanh(c)
The states start at zero, or at the exposed h_0 / c_0; with expose_hidden the last states
are returned too. The parameters keep Caffe's names (``W_xc``, ``b_c``, ``W_xc_static``,
``W_hc``; ``W_xh``, ``b_h``, ``W_xh_static``, ``W_hh``, ``W_ho``, ``b_o``).
"""
from __future__ import annotations

from math import prod

import numpy as np

from ...errors import OpError
from ...ir import Node
from ...ops.recurrent import RecurrentParams, recurrent_blob_names
from .registry import HELPERS, PYSOURCE, Module, call

__all__ = ["convert_recurrent", "convert_lstm_unit"]

HELPERS.define("lstm_cell", '''
def lstm_cell(gates: torch.Tensor, c_prev: torch.Tensor, cont: torch.Tensor):
    """One LSTMUnit step: gates (N, 4H), c_prev (N, H), cont (N, 1) -> (c, h)."""
    i, f, o, u = gates.chunk(4, dim=-1)
    forget = torch.where(cont == 0, torch.zeros_like(f), cont * torch.sigmoid(f))
    c = forget * c_prev + torch.sigmoid(i) * torch.tanh(u)
    return c, torch.sigmoid(o) * torch.tanh(c)
''')

HELPERS.define("Recurrent", '''
class Recurrent(nn.Module):
    """What Caffe's RNN and LSTM share: the input transforms and the first states.
    ``gates`` is H (RNN) or 4H (LSTM); ``static`` the static input's size (0: none)."""

    def __init__(self, x_size: int, hidden: int, gates: int, static: int,
                 expose_hidden: bool, names: tuple[str, ...]) -> None:
        super().__init__()
        self.hidden = hidden
        self.static = static
        self.exposed = expose_hidden
        self.names = names
        setattr(self, names[0], nn.Parameter(torch.zeros(gates, x_size)))
        setattr(self, names[1], nn.Parameter(torch.zeros(gates)))
        if static:
            setattr(self, names[2], nn.Parameter(torch.zeros(gates, static)))

    def transform(self, x: torch.Tensor, extra: tuple) -> torch.Tensor:
        weight, bias = getattr(self, self.names[0]), getattr(self, self.names[1])
        gates = F.linear(x.flatten(2), weight, bias)
        if self.static:
            static = F.linear(extra[0].flatten(1), getattr(self, self.names[2]))
            gates = gates + static.unsqueeze(0)
        return gates

    def state(self, x: torch.Tensor, extra: tuple, i: int) -> torch.Tensor:
        if self.exposed:
            return extra[int(bool(self.static)) + i][0]
        return x.new_zeros((x.shape[1], self.hidden))
''')

HELPERS.define("RNN", '''
class RNN(Recurrent):
    """Caffe's RNN: forward(x, cont[, x_static][, h_0]) -> o (T, N, H) [, h_T]."""

    def __init__(self, x_size: int, hidden: int, static: int = 0,
                 expose_hidden: bool = False) -> None:
        names = ("W_xh", "b_h") + (("W_xh_static",) if static else ())
        super().__init__(x_size, hidden, hidden, static, expose_hidden, names)
        self.W_hh = nn.Parameter(torch.zeros(hidden, hidden))
        self.W_ho = nn.Parameter(torch.zeros(hidden, hidden))
        self.b_o = nn.Parameter(torch.zeros(hidden))

    def forward(self, x: torch.Tensor, cont: torch.Tensor, *extra: torch.Tensor):
        inputs = self.transform(x, extra)
        h = self.state(x, extra, 0)
        hs = []
        for t in range(x.shape[0]):
            h = torch.tanh(F.linear(h * cont[t].unsqueeze(1), self.W_hh) + inputs[t])
            hs.append(h)
        o = torch.tanh(F.linear(torch.stack(hs), self.W_ho, self.b_o))
        return (o, h.unsqueeze(0)) if self.exposed else o
''', needs=("Recurrent",))

HELPERS.define("LSTM", '''
class LSTM(Recurrent):
    """Caffe's LSTM: forward(x, cont[, x_static][, h_0, c_0]) -> h (T, N, H) [, h_T,
    c_T]."""

    def __init__(self, x_size: int, hidden: int, static: int = 0,
                 expose_hidden: bool = False) -> None:
        names = ("W_xc", "b_c") + (("W_xc_static",) if static else ())
        super().__init__(x_size, hidden, 4 * hidden, static, expose_hidden, names)
        self.W_hc = nn.Parameter(torch.zeros(4 * hidden, hidden))

    def forward(self, x: torch.Tensor, cont: torch.Tensor, *extra: torch.Tensor):
        inputs = self.transform(x, extra)
        h = self.state(x, extra, 0)
        c = self.state(x, extra, 1)
        hs = []
        for t in range(x.shape[0]):
            gate_cont = cont[t].unsqueeze(1)
            gates = F.linear(h * gate_cont, self.W_hc) + inputs[t]
            c, h = lstm_cell(gates, c, gate_cont)
            hs.append(h)
        top = torch.stack(hs)
        return (top, h.unsqueeze(0), c.unsqueeze(0)) if self.exposed else top
''', needs=("Recurrent", "lstm_cell"))

HELPERS.define("LSTMUnit", '''
class LSTMUnit(nn.Module):
    """Caffe's LSTMUnit: (c_prev (1, N, H), gates (1, N, 4H), cont (1, N)) -> (c, h)."""

    def forward(self, c_prev: torch.Tensor, gates: torch.Tensor, cont: torch.Tensor):
        c, h = lstm_cell(gates[0], c_prev[0], cont[0].unsqueeze(1))
        return c.unsqueeze(0), h.unsqueeze(0)
''', needs=("lstm_cell",))


@PYSOURCE.register("RNN", "LSTM")
def convert_recurrent(node: Node) -> Module:
    p: RecurrentParams = node.params
    names = recurrent_blob_names(p)
    blobs = node.blobs or ()
    if len(blobs) != len(names):
        raise OpError(f"expected {len(names)} blobs ({', '.join(names)}), got {len(blobs)}")
    x_size = int(prod(node.input_shapes()[0][2:]))
    static = int(prod(node.input_shapes()[2][1:])) if p.static_input else 0
    extra: dict[str, object] = {}
    if static:
        extra["static"] = static
    if p.expose_hidden:
        extra["expose_hidden"] = True
    state = tuple((name, np.array(blob, np.float32)) for name, blob in zip(names, blobs))
    return Module(call(node.type, x_size, p.num_output, **extra), state, (node.type,))


@PYSOURCE.register("LSTMUnit")
def convert_lstm_unit(node: Node) -> Module:
    return Module("LSTMUnit()", (), ("LSTMUnit",))
