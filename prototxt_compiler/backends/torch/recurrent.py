"""RNN, LSTM and LSTMUnit as torch modules, step by step as Caffe's unrolled net computes.

The rules are ``ops.recurrent``'s. The input transform of every timestep is one
``F.linear`` over the whole (T, N, K) sequence (with the static input's transform, computed
once, added to it), then a loop over the run-time number of timesteps; each step scales the
previous state by cont before the hidden transform:
    RNN   h = tanh(W_hh (cont_t * h) + xh_t);  o_t = tanh(W_ho h + b_o)
    LSTM  g = W_hc (cont_t * h) + xc_t;  i, f, o, u = split(g, 4)
          c = where(cont_t == 0, 0, cont_t * sigmoid(f)) * c + sigmoid(i) * tanh(u)
          h = sigmoid(o) * tanh(c)
The states start at zero, or at the exposed h_0 / c_0 (1, N, H); with ``expose_hidden`` the
module also returns the last states (1, N, H). Parameters keep Caffe's names (``W_xc``,
``b_c``, ``W_xc_static``, ``W_hc``; ``W_xh``, ``b_h``, ``W_xh_static``, ``W_hh``, ``W_ho``,
``b_o``), so state_dict keys read ``LAYER.W_hc``. The loop follows the input's own T, so
``torch.jit.trace`` and ``torch.export`` unroll it for the traced length.
"""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from ...errors import OpError
from ...ir import Node
from ...ops.recurrent import LSTMUnitParams, RecurrentParams, recurrent_blob_names
from .registry import TORCH

__all__ = ["CaffeRNN", "CaffeLSTM", "CaffeLSTMUnit", "lstm_cell", "convert_rnn",
           "convert_lstm", "convert_lstm_unit"]


def lstm_cell(gates: torch.Tensor, c_prev: torch.Tensor, cont: torch.Tensor
              ) -> tuple[torch.Tensor, torch.Tensor]:
    """One LSTMUnit step: gates (N, 4H), c_prev (N, H), cont (N, 1) -> (c, h)."""
    i, f, o, u = gates.chunk(4, dim=-1)
    forget = torch.where(cont == 0, torch.zeros_like(f), cont * torch.sigmoid(f))
    c = forget * c_prev + torch.sigmoid(i) * torch.tanh(u)
    return c, torch.sigmoid(o) * torch.tanh(c)


class _Recurrent(nn.Module):
    """What RNN and LSTM share: the named parameters and the input transforms."""

    def __init__(self, p: RecurrentParams, blobs: Sequence[np.ndarray]) -> None:
        super().__init__()
        names = recurrent_blob_names(p)
        if len(blobs) != len(names):
            raise OpError(f"expected {len(names)} blobs ({', '.join(names)}), got "
                          f"{len(blobs)}: attach the weights before lowering")
        for name, blob in zip(names, blobs):
            data = torch.from_numpy(np.array(blob, dtype=np.float32, copy=True))
            self.register_parameter(name, nn.Parameter(data))
        self.hidden = p.num_output
        self.static = p.static_input
        self.exposed = p.expose_hidden
        self._names = names

    def _inputs(self, x: torch.Tensor, extra: Sequence[torch.Tensor]) -> torch.Tensor:
        """The input (and static input) transform of every timestep: (T, N, G)."""
        weight, bias = (self.get_parameter(n) for n in self._names[:2])
        gates = F.linear(x.flatten(2), weight, bias)
        if self.static:
            static = F.linear(extra[0].flatten(1), self.get_parameter(self._names[2]))
            gates = gates + static.unsqueeze(0)
        return gates

    def _state(self, x: torch.Tensor, extra: Sequence[torch.Tensor], i: int) -> torch.Tensor:
        """State ``i`` at t = 0: the exposed bottom's (N, H), else zeros."""
        if self.exposed:
            return extra[int(self.static) + i][0]
        return x.new_zeros((x.shape[1], self.hidden))

    def extra_repr(self) -> str:
        return (f"num_output={self.hidden}, static_input={self.static}, "
                f"expose_hidden={self.exposed}")


class CaffeRNN(_Recurrent):
    """forward(x, cont[, x_static][, h_0]) -> o (T, N, H) [, h_T (1, N, H)]."""

    def forward(self, x: torch.Tensor, cont: torch.Tensor, *extra: torch.Tensor):
        inputs = self._inputs(x, extra)
        recurrent = self.get_parameter("W_hh")
        h = self._state(x, extra, 0)
        hs = []
        for t in range(x.shape[0]):
            h = torch.tanh(F.linear(h * cont[t].unsqueeze(1), recurrent) + inputs[t])
            hs.append(h)
        out_weight, out_bias = self.get_parameter("W_ho"), self.get_parameter("b_o")
        o = torch.tanh(F.linear(torch.stack(hs), out_weight, out_bias))
        return (o, h.unsqueeze(0)) if self.exposed else o


class CaffeLSTM(_Recurrent):
    """forward(x, cont[, x_static][, h_0, c_0]) -> h (T, N, H) [, h_T, c_T (1, N, H)]."""

    def forward(self, x: torch.Tensor, cont: torch.Tensor, *extra: torch.Tensor):
        inputs = self._inputs(x, extra)
        recurrent = self.get_parameter("W_hc")
        h = self._state(x, extra, 0)
        c = self._state(x, extra, 1)
        hs = []
        for t in range(x.shape[0]):
            gate_cont = cont[t].unsqueeze(1)
            gates = F.linear(h * gate_cont, recurrent) + inputs[t]
            c, h = lstm_cell(gates, c, gate_cont)
            hs.append(h)
        top = torch.stack(hs)
        return (top, h.unsqueeze(0), c.unsqueeze(0)) if self.exposed else top


class CaffeLSTMUnit(nn.Module):
    """forward(c_prev (1, N, H), gates (1, N, 4H), cont (1, N)) -> (c, h), each (1, N, H)."""

    def forward(self, c_prev: torch.Tensor, gates: torch.Tensor, cont: torch.Tensor):
        c, h = lstm_cell(gates[0], c_prev[0], cont[0].unsqueeze(1))
        return c.unsqueeze(0), h.unsqueeze(0)


@TORCH.register("RNN")
def convert_rnn(node: Node, blobs: Sequence[np.ndarray]) -> nn.Module:
    return CaffeRNN(node.params, blobs)


@TORCH.register("LSTM")
def convert_lstm(node: Node, blobs: Sequence[np.ndarray]) -> nn.Module:
    return CaffeLSTM(node.params, blobs)


@TORCH.register("LSTMUnit")
def convert_lstm_unit(node: Node, blobs: Sequence[np.ndarray]) -> nn.Module:
    p: LSTMUnitParams = node.params  # noqa: F841 - the layer has no params
    return CaffeLSTMUnit()
