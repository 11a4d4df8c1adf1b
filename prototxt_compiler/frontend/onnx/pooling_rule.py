"""The pooling rule: the Caffe pooling that computes exactly ONNX's MaxPool or AveragePool.

ONNX (as onnxruntime computes it at every opset; onnx's own shape inference agrees from
opset 22, and before that omits the ceil-mode clip below), per spatial axis of size n,
kernel k, stride s, begin and end pads b and e, ``ceil_mode`` c:
    out = floor_or_ceil((n + b + e - k) / s) + 1, and with c, out -= 1 while the last
          window would start at or past n + b (the begin padding plus the input)
    window i covers [i*s - b, i*s - b + k)
    MAX   the largest input element in the window (padding never counts)
    AVE   the window's input elements summed, divided by
          count_include_pad 0: the number of input elements in the window
          count_include_pad 1: the window's size clipped to [-b, n + e)
Caffe (``ops.pooling``), with pad p on both ends and ``round_mode`` CEIL or FLOOR:
    out = round((n + 2p - k) / s) + 1, and, when the layer pads at all (on either axis), out
          -= 1 when the last window would start at or past n + p
    window i covers [i*s - p, i*s - p + k); AVE divides by its size clipped to [-p, n + p).

The rule. Windows must start at the same places, so Caffe's pad is ONNX's begin pad b (on
each axis). Then round_mode CEIL (the default, and what every Caffe port reads), else FLOOR,
is taken when it gives ONNX's output size on both axes:
  - MAX is then exact: the same windows over the same elements.
  - AVE: where some window's Caffe divisor differs from ONNX's (count_include_pad 0 with
    padding; end padding unlike the begin's; ceil_mode's last window), a Scale layer
    multiplies the output by Caffe's divisor over ONNX's, one factor per output position
    (a blob of (out_h, out_w), axis 2): (sum / d_caffe) * (d_caffe / d_onnx).
When neither round mode gives ONNX's size:
  - AVE: the input is zero-padded explicitly by (b, e) (``Context.zero_pad``; the zeros
    add nothing to a sum) and pooled without pad, CEIL or FLOOR as it matches, the divisors
    corrected as above;
  - MAX: refused (zero padding is not ONNX's ignored padding), naming both sizes.
A window holding no input element is refused too (ONNX and Caffe fill it differently).
Caffe refuses a pad as large as the kernel, and pooling dilation has no Caffe field.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ...errors import OpError
from ...ops.pooling import PoolingParams, pooled_hw
from .fold import check_size
from .registry import Refused

__all__ = ["OnnxPool", "PoolPlan", "onnx_size", "onnx_divisors", "caffe_divisors",
           "plan_pooling"]


@dataclass(frozen=True)
class OnnxPool:
    """An ONNX pooling's geometry: (h, w) pairs."""

    max: bool
    kernel: tuple[int, int]
    stride: tuple[int, int]
    begin: tuple[int, int]
    end: tuple[int, int]
    ceil: bool = False
    count_include_pad: bool = False


@dataclass(frozen=True)
class PoolPlan:
    """What to emit: an explicit zero pad (or none), the Caffe pooling, and the AVE
    correction factors (or none)."""

    params: PoolingParams
    pad_begin: tuple[int, int] | None = None
    pad_end: tuple[int, int] | None = None
    correction: np.ndarray | None = None


def onnx_size(n: int, k: int, s: int, b: int, e: int, ceil: bool) -> int:
    span = n + b + e - k
    out = (-(-span // s) if ceil else span // s) + 1
    if ceil and (out - 1) * s >= n + b:
        out -= 1
    return out


def onnx_divisors(n: int, out: int, k: int, s: int, b: int, e: int,
                  include_pad: bool) -> list[int]:
    starts = [i * s - b for i in range(out)]
    if include_pad:
        return [min(t + k, n + e) - t for t in starts]
    return [min(t + k, n) - max(t, 0) for t in starts]


def caffe_divisors(n: int, out: int, k: int, s: int, p: int) -> list[int]:
    return [min(i * s - p + k, n + p) - (i * s - p) for i in range(out)]


def _real(n: int, out: int, k: int, s: int, b: int) -> list[int]:
    """The number of input elements in each window."""
    return [min(i * s - b + k, n) - max(i * s - b, 0) for i in range(out)]


def _caffe(pool: OnnxPool, pad: tuple[int, int], mode: str, h: int, w: int
           ) -> PoolingParams | None:
    """The Caffe pooling with this pad and round mode, or None where Caffe refuses it."""
    params = PoolingParams(pool="MAX" if pool.max else "AVE", kernel=pool.kernel,
                           stride=pool.stride, pad=pad, round_mode=mode)
    if any(p >= k for p, k in zip(pad, pool.kernel)) and pad != (0, 0):
        return None
    try:
        pooled_hw(params, h, w)
    except OpError:
        return None
    return params


def _correction(pool: OnnxPool, params: PoolingParams, sizes: tuple[int, int],
                caffe_sizes: tuple[int, int], out: tuple[int, int]) -> np.ndarray | None:
    """Caffe's divisor over ONNX's per output position, None when they agree everywhere."""
    check_size(out[0] * out[1], "a divisor map")
    factors = []
    for axis in range(2):
        k, s = pool.kernel[axis], pool.stride[axis]
        ours = caffe_divisors(caffe_sizes[axis], out[axis], k, s, params.pad[axis])
        theirs = onnx_divisors(sizes[axis], out[axis], k, s, pool.begin[axis],
                               pool.end[axis], pool.count_include_pad)
        if min(ours) <= 0:
            raise Refused(f"Caffe's AVE divisor would be {min(ours)} for a window")
        factors.append(np.array(ours, np.float64) / np.array(theirs, np.float64))
    table = np.outer(factors[0], factors[1])
    return None if np.all(table == 1.0) else table.astype(np.float32)


def plan_pooling(pool: OnnxPool, h: int, w: int) -> PoolPlan:
    """The Caffe form of ``pool`` on an (h, w) input (module docstring), or ``Refused``."""
    sizes = (h, w)
    out = tuple(onnx_size(n, k, s, b, e, pool.ceil) for n, k, s, b, e in
                zip(sizes, pool.kernel, pool.stride, pool.begin, pool.end))
    if min(out) < 1:
        raise Refused(f"it leaves no output for a {h}x{w} input")
    for axis in range(2):
        real = _real(sizes[axis], out[axis], pool.kernel[axis], pool.stride[axis],
                     pool.begin[axis])
        if min(real) <= 0:
            raise Refused(f"a window on axis {axis + 2} holds only padding; Caffe and ONNX "
                          "fill such windows differently")
    tried = []
    for mode in ("CEIL", "FLOOR"):
        params = _caffe(pool, pool.begin, mode, h, w)
        caffe_out = pooled_hw(params, h, w) if params is not None else None
        tried.append(f"{mode} {'x'.join(map(str, caffe_out)) if caffe_out else 'refused'}")
        if caffe_out != out:
            continue
        if pool.max:
            return PoolPlan(params)  # type: ignore[arg-type]
        return PoolPlan(params, correction=_correction(pool, params, sizes, sizes, out))  # type: ignore[arg-type]
    if not pool.max:
        padded = (h + pool.begin[0] + pool.end[0], w + pool.begin[1] + pool.end[1])
        for mode in ("CEIL", "FLOOR"):
            params = _caffe(pool, (0, 0), mode, *padded)
            if params is not None and pooled_hw(params, *padded) == out:
                return PoolPlan(params, pad_begin=pool.begin, pad_end=pool.end,
                                correction=_correction(pool, params, sizes, padded, out))
    raise Refused(f"ONNX pools a {h}x{w} input to {out[0]}x{out[1]} (kernel "
                  f"{list(pool.kernel)}, stride {list(pool.stride)}, pads begin "
                  f"{list(pool.begin)} end {list(pool.end)}, ceil_mode "
                  f"{int(pool.ceil)}); Caffe with pad {list(pool.begin)} gives "
                  f"{' or '.join(tried)}, and MAX pooling cannot take explicit zero padding")
