"""Pooling and SPP in the generated file.

Caffe's pooled size per axis is round((in + 2*pad - kernel) / stride) + 1, rounded up (CEIL,
the default) or down, and, when the layer has any padding, one less if the last window would
start past the input plus its pad (``ops.pooling``). torch's ``ceil_mode`` applies that clip
on every axis, padded or not, and asks for pad <= kernel / 2; its AVE divisor with
``count_include_pad`` is Caffe's (padding counts, the overhang past it does not). So
``nn.MaxPool2d`` / ``nn.AvgPool2d`` with ``ceil_mode`` are exactly Caffe's pooling whenever
pad <= kernel // 2 on both axes and either the layer pads or every kernel is at least its
stride (without padding, a kernel smaller than the stride lets Caffe keep a last window that
starts past the input, which torch drops); FLOOR rounding is ``ceil_mode=False``. A global
pooling is ``nn.AdaptiveMaxPool2d(1)`` / ``nn.AdaptiveAvgPool2d(1)``.

Everything else (a larger pad, an empty last window, the MAX mask top) uses the written-out
``caffe_pool2d``, which computes Caffe's windows from the input's size at run time. SPP's
levels are Caffe's ``SPPLayer`` rule on the run-time size, each pooled by it.
"""
from __future__ import annotations

from ...ir import Node
from ...ops.pooling import PoolingParams, SPPParams, refuse_stochastic
from .registry import HELPERS, PYSOURCE, Module, call

__all__ = ["convert_pooling", "convert_spp", "native_pooling"]

HELPERS.define("FLT_MAX", '''
FLT_MAX = 3.4028234663852886e38  # Caffe's float32 FLT_MAX: an empty MAX window's
''')

HELPERS.define("caffe_pool2d", '''
def caffe_pooled_size(size: int, kernel: int, stride: int, pad: int, ceil: bool,
                      clip: bool) -> int:
    """Caffe's pooled size on one axis; ``clip``: the layer pads on some axis."""
    span = size + 2 * pad - kernel
    out = (-(-span // stride) if ceil else span // stride) + 1
    if clip and (out - 1) * stride >= size + pad:
        out -= 1
    return out


def caffe_pool2d(x: torch.Tensor, method: str, kernel: tuple[int, int],
                 stride: tuple[int, int], pad: tuple[int, int], ceil: bool = True,
                 mask: bool = False):
    """Caffe's MAX or AVE pooling of (N, C, H, W), windows from the run-time size.

    Window i on an axis: start = i*stride - pad, end = min(start + kernel, size + pad).
    MAX: the largest real element (padding never wins); a window holding none gives
    -FLT_MAX, and -1 in the mask (the winner's h*W + w, a float). AVE: the sum of the
    real elements over (end - start), which counts padding but not the overhang past
    it.
    """
    size = (x.shape[2], x.shape[3])
    clip = pad[0] > 0 or pad[1] > 0
    out = [caffe_pooled_size(size[i], kernel[i], stride[i], pad[i], ceil, clip)
           for i in range(2)]
    if method == "MAX":  # windows that start inside the input; the rest are empty
        pooled = [min(n, (s + p - 1) // t + 1)
                  for n, s, p, t in zip(out, size, pad, stride)]
    else:
        pooled = out
    after = [(n - 1) * t + k - s - p
             for n, t, k, s, p in zip(pooled, stride, kernel, size, pad)]
    padding = (pad[1], after[1], pad[0], after[0])  # a negative amount crops
    empty = (0, out[1] - pooled[1], 0, out[0] - pooled[0])
    if method == "AVE":
        total = F.avg_pool2d(F.pad(x, padding), kernel, stride, divisor_override=1)
        spans = []
        for i in range(2):
            start = torch.arange(out[i], device=x.device) * stride[i] - pad[i]
            end = torch.clamp(start + kernel[i], max=size[i] + pad[i])
            spans.append((end - start).to(x.dtype))
        return total / (spans[0][:, None] * spans[1][None, :])
    x = F.pad(x, padding, value=float("-inf"))
    if not mask:
        return F.pad(F.max_pool2d(x, kernel, stride), empty, value=-FLT_MAX)
    top, index = F.max_pool2d(x, kernel, stride, return_indices=True)
    width = size[1] + pad[1] + after[1]  # the padded plane's indices -> the input's
    index = index - (index // width) * (width - size[1]) - (pad[0] * size[1] + pad[1])
    top = F.pad(top, empty, value=-FLT_MAX)
    return top, F.pad(index.to(top.dtype), empty, value=-1.0)
''', needs=("FLT_MAX",))

HELPERS.define("CaffePool2d", '''
class CaffePool2d(nn.Module):
    """Caffe's pooling where torch's differs (see ``caffe_pool2d``); with ``mask`` MAX
    also returns the argmax mask top."""

    def __init__(self, method: str, kernel: tuple[int, int], stride: tuple[int, int],
                 pad: tuple[int, int] = (0, 0), ceil: bool = True,
                 mask: bool = False) -> None:
        super().__init__()
        self.method = method
        self.kernel = kernel
        self.stride = stride
        self.pad = pad
        self.ceil = ceil
        self.mask = mask

    def forward(self, x: torch.Tensor):
        return caffe_pool2d(x, self.method, self.kernel, self.stride, self.pad,
                            self.ceil, self.mask)
''', needs=("caffe_pool2d",))

HELPERS.define("SPP", '''
class SPP(nn.Module):
    """Caffe's spatial pyramid pooling: level l cuts the input into 2**l bins per axis
    (kernel = stride = ceil(size / bins), pad = (kernel * bins - size + 1) // 2); one
    level gives its pooled top, several their tops flattened to (N, -1) and
    concatenated."""

    def __init__(self, pyramid_height: int, method: str) -> None:
        super().__init__()
        self.pyramid_height = pyramid_height
        self.method = method

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        size = (x.shape[2], x.shape[3])
        tops = []
        for level in range(self.pyramid_height):
            bins = 2**level
            kernel = (-(-size[0] // bins), -(-size[1] // bins))
            pad = tuple((k * bins - s + 1) // 2 for k, s in zip(kernel, size))
            tops.append(caffe_pool2d(x, self.method, kernel, kernel, pad))
        if self.pyramid_height == 1:
            return tops[0]
        return torch.cat([top.flatten(1) for top in tops], dim=1)
''', needs=("caffe_pool2d",))


def _one(values: tuple[int, int]) -> object:
    return values[0] if values[0] == values[1] else values


def native_pooling(p: PoolingParams) -> bool:
    """Whether torch's MaxPool2d/AvgPool2d computes exactly Caffe's pooling ``p``."""
    halves = all(pad <= k // 2 for pad, k in zip(p.pad, p.kernel))
    rounding = p.round_mode == "FLOOR" or p.pad != (0, 0) or \
        all(k >= s for k, s in zip(p.kernel, p.stride))
    return halves and rounding


@PYSOURCE.register("Pooling")
def convert_pooling(node: Node) -> Module:
    p: PoolingParams = node.params
    refuse_stochastic(p.pool)
    mask = len(node.outputs) == 2
    if p.global_pooling and not mask:
        return Module(f"nn.Adaptive{'Max' if p.pool == 'MAX' else 'Avg'}Pool2d(1)")
    ceil = p.round_mode == "CEIL"
    if native_pooling(p) and not mask:
        extra: dict[str, object] = {"stride": _one(p.stride)}
        if p.pad != (0, 0):
            extra["padding"] = _one(p.pad)
        if ceil:
            extra["ceil_mode"] = True
        kind = "nn.MaxPool2d" if p.pool == "MAX" else "nn.AvgPool2d"
        return Module(call(kind, _one(p.kernel), **extra))
    extra = {"pad": p.pad} if p.pad != (0, 0) else {}
    if not ceil:
        extra["ceil"] = False
    if mask:
        extra["mask"] = True
    return Module(call("CaffePool2d", p.pool, p.kernel, p.stride, **extra), (),
                  ("CaffePool2d",))


@PYSOURCE.register("SPP")
def convert_spp(node: Node) -> Module:
    p: SPPParams = node.params
    refuse_stochastic(p.pool)
    return Module(call("SPP", p.pyramid_height, p.pool), (), ("SPP",))
