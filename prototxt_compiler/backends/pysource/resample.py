"""Upsample (both kinds) and Interp in the generated file, written out (``ops.resample``).

Nearest Upsample by s: ``repeat_interleave`` by s on H and W, top[h][w] = x[h / s][w / s].
SegNet's max-unpooling: per (n, c) plane, position i of the data is written at
int(mask[i]) of a zeroed (height * width) plane, the largest i winning a position written
twice. Interp: the crop (``start``, ``crop``), then bilinear with align_corners, the fork's
``caffe_cpu_interp2``; equal sizes are the crop alone.
"""
from __future__ import annotations

from ...ir import Node
from ...ops.resample import InterpParams, UpsampleParams, interp_geometry
from .registry import HELPERS, PYSOURCE, Module, call

__all__ = ["convert_upsample", "convert_interp"]

HELPERS.define("NearestUpsample", '''
class NearestUpsample(nn.Module):
    """A fork's nearest Upsample: every pixel repeated ``scale`` times on H and W."""

    def __init__(self, scale: int) -> None:
        super().__init__()
        self.scale = scale

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        rows = x.repeat_interleave(self.scale, dim=2)
        return rows.repeat_interleave(self.scale, dim=3)
''')

HELPERS.define("Unpool", '''
class Unpool(nn.Module):
    """SegNet's Upsample: (data, mask) -> (N, C, height, width), data[i] written at
    int(mask[i]), a later i winning a position written twice, zeros elsewhere."""

    def __init__(self, height: int, width: int) -> None:
        super().__init__()
        self.height = height
        self.width = width

    def forward(self, x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        source = x.flatten(2)
        index = mask.flatten(2).to(torch.int64)
        order = torch.arange(source.shape[2], device=x.device).expand_as(index)
        plane = self.height * self.width
        winner = index.new_full((source.shape[0], source.shape[1], plane), -1)
        winner = winner.scatter_reduce(2, index, order, reduce="amax")
        zero = torch.zeros((), dtype=x.dtype, device=x.device)
        top = torch.where(winner >= 0, source.gather(2, winner.clamp(min=0)), zero)
        return top.reshape(top.shape[:2] + (self.height, self.width))
''')

HELPERS.define("Interp", '''
class Interp(nn.Module):
    """PSPNet's Interp: the crop [start, start + crop) on H and W, then bilinear
    (align_corners) to ``out``."""

    def __init__(self, start: int, crop: tuple[int, int], out: tuple[int, int]) -> None:
        super().__init__()
        self.start = start
        self.crop = crop
        self.out = out

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        s, (h, w) = self.start, self.crop
        x = x[:, :, s:s + h, s:s + w]
        if self.crop == self.out:
            return x
        return F.interpolate(x, size=self.out, mode="bilinear", align_corners=True)
''')


@PYSOURCE.register("Upsample")
def convert_upsample(node: Node) -> Module:
    p: UpsampleParams = node.params
    if p.mode == "nearest":
        return Module(call("NearestUpsample", int(p.scale or 1)), (), ("NearestUpsample",))
    height, width = node.output_shapes()[0][2:]
    return Module(call("Unpool", int(height), int(width)), (), ("Unpool",))


@PYSOURCE.register("Interp")
def convert_interp(node: Node) -> Module:
    p: InterpParams = node.params
    g = interp_geometry(p, node.input_shapes())
    return Module(call("Interp", int(g.start), (int(g.crop[0]), int(g.crop[1])),
                       (int(g.out[0]), int(g.out[1]))), (), ("Interp",))
