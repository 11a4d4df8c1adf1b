"""ShuffleChannel and Reorg as torch modules: reshapes and one transpose (``ops.channels``).

ShuffleChannel: x (N, C, ...) viewed (N, g, C/g, ...), axes 1 and 2 swapped, viewed back, so
output channel j*g + i is input channel i*(C/g) + j. Reorg: ``ops.channels.reorg_plan``'s
reshape, transpose and reshape, with the batch axis read from the tensor (-1).
"""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch
from torch import nn

from ...ir import Node
from ...ops.channels import ReorgParams, ShuffleChannelParams, reorg_plan
from .registry import TORCH

__all__ = ["CaffeShuffleChannel", "CaffeReorg", "convert_shuffle_channel", "convert_reorg"]


class CaffeShuffleChannel(nn.Module):
    fresh_output = True  # returns new storage (see lower.writable)

    def __init__(self, group: int, channels: int) -> None:
        super().__init__()
        self.group = group
        self.channels = channels

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        rest = tuple(x.shape[2:])
        grouped = x.reshape((-1, self.group, self.channels // self.group) + rest)
        return grouped.transpose(1, 2).reshape((-1, self.channels) + rest)


class CaffeReorg(nn.Module):
    fresh_output = True  # returns new storage (see lower.writable)

    def __init__(self, view: tuple[int, ...], perm: tuple[int, ...],
                 top: tuple[int, ...]) -> None:
        super().__init__()
        self.view = (-1,) + view
        self.perm = perm
        self.top = (-1,) + top

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x.reshape(self.view).permute(self.perm).reshape(self.top)


@TORCH.register("ShuffleChannel")
def convert_shuffle_channel(node: Node, blobs: Sequence[np.ndarray]) -> nn.Module:
    p: ShuffleChannelParams = node.params
    return CaffeShuffleChannel(p.group, int(node.input_shapes()[0][1]))


@TORCH.register("Reorg")
def convert_reorg(node: Node, blobs: Sequence[np.ndarray]) -> nn.Module:
    p: ReorgParams = node.params
    plan = reorg_plan(p, node.input_shapes()[0])
    return CaffeReorg(tuple(int(d) for d in plan.view[1:]), plan.perm,
                      tuple(int(d) for d in plan.top[1:]))
