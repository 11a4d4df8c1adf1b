"""ShuffleChannel and Reorg in the generated file: reshapes and one transpose
(``ops.channels``), written out.

ShuffleChannel: x (N, C, ...) viewed (N, g, C/g, ...), axes 1 and 2 swapped, viewed back, so
output channel j*g + i is input channel i*(C/g) + j. Reorg: ``ops.channels.reorg_plan``'s
reshape, transpose and reshape, the batch read from the tensor (-1).
"""
from __future__ import annotations

from ...ir import Node
from ...ops.channels import ReorgParams, ShuffleChannelParams, reorg_plan
from .registry import HELPERS, PYSOURCE, Module, call

__all__ = ["convert_shuffle_channel", "convert_reorg"]

HELPERS.define("ShuffleChannel", '''
class ShuffleChannel(nn.Module):
    """ShuffleNet's channel shuffle: (N, g, C/g, ...) with axes 1 and 2 swapped."""

    def __init__(self, group: int) -> None:
        super().__init__()
        self.group = group

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        channels, rest = x.shape[1], tuple(x.shape[2:])
        grouped = x.reshape((-1, self.group, channels // self.group) + rest)
        return grouped.transpose(1, 2).reshape((-1, channels) + rest)
''')

HELPERS.define("Reorg", '''
class Reorg(nn.Module):
    """YOLO's Reorg (space to depth, Darknet's order): a reshape to ``view``, the axes
    permuted by ``perm``, a reshape to ``top``; the batch is the input's (-1)."""

    def __init__(self, view: tuple[int, ...], perm: tuple[int, ...],
                 top: tuple[int, ...]) -> None:
        super().__init__()
        self.view = (-1,) + view
        self.perm = perm
        self.top = (-1,) + top

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x.reshape(self.view).permute(self.perm).reshape(self.top)
''')


@PYSOURCE.register("ShuffleChannel")
def convert_shuffle_channel(node: Node) -> Module:
    p: ShuffleChannelParams = node.params
    return Module(call("ShuffleChannel", p.group), (), ("ShuffleChannel",))


@PYSOURCE.register("Reorg")
def convert_reorg(node: Node) -> Module:
    p: ReorgParams = node.params
    plan = reorg_plan(p, node.input_shapes()[0])
    return Module(call("Reorg", tuple(int(d) for d in plan.view[1:]), tuple(plan.perm),
                       tuple(int(d) for d in plan.top[1:])), (), ("Reorg",))
