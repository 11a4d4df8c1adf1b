"""ONNX's padding of convolutions and poolings: explicit ``pads`` or ``auto_pad``, as begin
and end pads per spatial axis.

``auto_pad`` (Conv, MaxPool, AveragePool), per spatial axis of size ``n`` with stride ``s``
and dilated kernel extent ``e``:
    VALID        no padding
    SAME_UPPER   out = ceil(n / s), total = max(0, (out - 1)*s + e - n),
                 begin = total // 2, end = total - begin
    SAME_LOWER   the same total, end = total // 2, begin = total - end
``pads`` is [x1_begin, x2_begin, ..., x1_end, x2_end, ...], all 0 when absent.
"""
from __future__ import annotations

from collections.abc import Sequence

from .model import OnnxNode
from .registry import Refused

__all__ = ["spatial_attr", "begin_end_pads"]


def spatial_attr(node: OnnxNode, key: str, rank: int, default: int) -> tuple[int, ...]:
    """A per-axis attribute (strides, dilations), one value per spatial axis."""
    values = node.attr(key)
    if values is None:
        return (default,) * rank
    values = tuple(int(v) for v in values)
    if len(values) != rank:
        raise Refused(f"its {key} {list(values)} do not give one value per spatial axis "
                      f"({rank})")
    return values


def begin_end_pads(node: OnnxNode, sizes: Sequence[int], strides: Sequence[int],
                   extents: Sequence[int]) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """(begin pads, end pads) per spatial axis."""
    rank = len(sizes)
    auto = node.attr("auto_pad", "NOTSET")
    if auto in ("", "NOTSET"):
        pads = node.attr("pads")
        pads = tuple(int(p) for p in pads) if pads is not None else (0,) * (2 * rank)
        if len(pads) != 2 * rank:
            raise Refused(f"its pads {list(pads)} are not two per spatial axis ({rank})")
        if min(pads, default=0) < 0:
            raise Refused(f"its pads {list(pads)} are negative (a crop); Caffe pads by "
                          "zero or more")
        return pads[:rank], pads[rank:]
    if auto == "VALID":
        return (0,) * rank, (0,) * rank
    if auto not in ("SAME_UPPER", "SAME_LOWER"):
        raise Refused(f"its auto_pad {auto!r} is not NOTSET, VALID, SAME_UPPER or SAME_LOWER")
    begin, end = [], []
    for n, s, e in zip(sizes, strides, extents):
        out = -(-n // s)
        total = max(0, (out - 1) * s + e - n)
        small = total // 2
        begin.append(small if auto == "SAME_UPPER" else total - small)
        end.append(total - small if auto == "SAME_UPPER" else small)
    return tuple(begin), tuple(end)
