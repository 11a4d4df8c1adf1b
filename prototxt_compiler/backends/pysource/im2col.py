"""Im2col in the generated file, written out: data moved, never computed on
(``ops.im2col``).

The bottom is zero-padded on its spatial axes by ``pads`` (before, after: enough for every
window Caffe counts); each kernel tap is one strided slice of the padded input (``taps``:
per axis start, stop, step), and the taps, stacked right after the channel axis, flatten
to channel c*K + k, Caffe's order.
"""
from __future__ import annotations

from ...ir import Node
from ...ops.im2col import Im2colParams, im2col_plan
from .registry import HELPERS, PYSOURCE, Module, call

__all__ = ["convert_im2col"]

HELPERS.define("Im2col", '''
class Im2col(nn.Module):
    """Caffe's Im2col: x[:axis] + (C * K,) + the output sizes, K the kernel's taps."""

    def __init__(self, axis: int, pads: tuple[tuple[int, int], ...],
                 taps: tuple[tuple[tuple[int, int, int], ...], ...]) -> None:
        super().__init__()
        self.axis = axis
        self.pad = tuple(v for before, after in reversed(pads) for v in (before, after))
        self.taps = taps

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = F.pad(x, self.pad)
        lead = (slice(None),) * (self.axis + 1)
        slices = [x[lead + tuple(slice(*w) for w in tap)] for tap in self.taps]
        return torch.stack(slices, dim=self.axis + 1).flatten(self.axis, self.axis + 1)
''')


@PYSOURCE.register("Im2col")
def convert_im2col(node: Node) -> Module:
    p: Im2colParams = node.params
    pads, taps = im2col_plan(p, node.input_shapes()[0])
    plain_pads = tuple((int(a), int(b)) for a, b in pads)
    plain_taps = tuple(tuple(tuple(int(v) for v in w) for w in tap) for tap in taps)
    return Module(call("Im2col", p.axis, plain_pads, plain_taps), (), ("Im2col",))
