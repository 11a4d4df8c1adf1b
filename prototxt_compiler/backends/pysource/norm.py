"""BatchNorm, Scale, Bias, LRN and MVN in the generated file.

BatchNorm with global statistics (use_global_stats, or unset in TEST) on a 2-D to 5-D
bottom is ``nn.BatchNorm{1,2,3}d(C, eps, affine=False)``: Caffe divides its stored mean and
variance by the moving-average factor (its third blob; 0 means 0), so the state_dict holds
running_mean = mean * s and running_var = variance * s with s = 1 / factor (0 when the
factor is 0), in float32 as Caffe computes it; the module's momentum is 1 -
moving_average_fraction. Batch statistics (use_global_stats false) are the written-out
``BatchStatsNorm``. Caffe puts the affine part in a Scale layer: the written-out ``Scale``
(y = x * weight (+ bias), weight shaped as the bottom's axes [axis, axis + num_axes) and
broadcast over the rest; with two bottoms the second is the scale), and ``Bias`` likewise.
LRN ACROSS_CHANNELS, not in place, is ``nn.LocalResponseNorm(n, alpha, beta, k)``, the same
x * (k + alpha / n * sum of squares)^-beta; WITHIN_CHANNEL (k ignored, the average of
squares over an n x n window always divided by n^2) and the in-place form (Caffe's CPU code
writes the scale over its bottom first: top = scale^-2beta) are the written-out ``LRN``.
MVN is the written-out ``MVN``.
"""
from __future__ import annotations

import numpy as np

from ...errors import OpError
from ...ir import Node
from ...ops.norm import BatchNormParams, BiasParams, LRNParams, MVNParams, ScaleParams, stats_scale
from .registry import HELPERS, PYSOURCE, Module, call, literal

__all__ = ["convert_batch_norm", "convert_scale", "convert_bias", "convert_lrn",
           "convert_mvn"]

HELPERS.define("BatchStatsNorm", '''
class BatchStatsNorm(nn.Module):
    """Caffe's BatchNorm with use_global_stats false: each channel (axis 1) normalised
    by the batch's own mean and biased variance; the stored statistics are unused."""

    def __init__(self, channels: int, eps: float = 1e-5) -> None:
        super().__init__()
        self.register_buffer("mean", torch.zeros(channels))
        self.register_buffer("variance", torch.zeros(channels))
        self.register_buffer("factor", torch.zeros(1))
        self.eps = eps

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        axes = [0] + list(range(2, x.dim()))
        mean = x.mean(dim=axes, keepdim=True)
        variance = (x - mean).square().mean(dim=axes, keepdim=True)
        return (x - mean) / torch.sqrt(variance + self.eps)
''')

HELPERS.define("Scale", '''
class Scale(nn.Module):
    """Caffe's Scale: y = x * weight (+ bias); weight and bias (``shape``: the bottom's
    axes [axis, axis + num_axes)) broadcast over the ``trailing`` axes after them.
    Without a learned weight (``learned`` false) the scale is the second input."""

    def __init__(self, shape: tuple[int, ...], trailing: int = 2, bias: bool = False,
                 learned: bool = True) -> None:
        super().__init__()
        self.weight = nn.Parameter(torch.ones(shape)) if learned else None
        self.bias = nn.Parameter(torch.zeros(shape)) if bias else None
        self.trailing = trailing

    def expand(self, b: torch.Tensor) -> torch.Tensor:
        return b.reshape(tuple(b.shape) + (1,) * self.trailing)

    def forward(self, x: torch.Tensor,
                scale: torch.Tensor | None = None) -> torch.Tensor:
        y = x * self.expand(self.weight if scale is None else scale)
        return y if self.bias is None else y + self.expand(self.bias)
''')

HELPERS.define("Bias", '''
class Bias(nn.Module):
    """Caffe's Bias: y = x + bias, bias (shaped as the bottom's axes [axis, axis +
    num_axes)) broadcast over the ``trailing`` axes after them; without a learned bias
    (``shape`` None) the second input is added."""

    def __init__(self, shape: tuple[int, ...] | None, trailing: int = 2) -> None:
        super().__init__()
        self.bias = nn.Parameter(torch.zeros(shape)) if shape is not None else None
        self.trailing = trailing

    def forward(self, x: torch.Tensor,
                bias: torch.Tensor | None = None) -> torch.Tensor:
        b = self.bias if bias is None else bias
        return x + b.reshape(tuple(b.shape) + (1,) * self.trailing)
''')

HELPERS.define("LRN", '''
class LRN(nn.Module):
    """Caffe's LRN where torch's LocalResponseNorm differs, with n = local_size:
    WITHIN_CHANNEL  y = x * (1 + alpha * mean of x^2 over an n x n window)^-beta (k is
                    ignored; zeros past the edges count, the mean divides by n^2);
    ACROSS_CHANNELS in place: Caffe's CPU code writes s^-beta over its bottom before
                    multiplying, so y = s^(-2 beta), s = k + alpha / n * sum of x^2
                    over n channels."""

    def __init__(self, size: int, alpha: float, beta: float, k: float = 1.0,
                 within_channel: bool = False) -> None:
        super().__init__()
        self.size = size
        self.alpha = alpha
        self.beta = beta
        self.k = k
        self.within_channel = within_channel

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        n, pad = self.size, (self.size - 1) // 2
        square = x * x
        if self.within_channel:
            mean = F.avg_pool2d(square, n, stride=1, padding=pad)
            return x * (1.0 + self.alpha * mean).pow(-self.beta)
        padded = F.pad(square, (0, 0, 0, 0, pad, pad)).unsqueeze(1)
        mean = F.avg_pool3d(padded, (n, 1, 1), stride=1).squeeze(1)
        scale = (self.k + self.alpha * mean).pow(-self.beta)
        return scale * scale
''')

HELPERS.define("MVN", '''
class MVN(nn.Module):
    """Caffe's MVN: x viewed as (N, C, H, W); each row (N*C, H*W), or (N, C*H*W) across
    channels, has its mean subtracted and, with normalize_variance, is divided by its
    standard deviation + eps."""

    def __init__(self, shape: tuple[int, ...], normalize_variance: bool = True,
                 across_channels: bool = False, eps: float = 1e-9) -> None:
        super().__init__()
        self.shape = shape
        self.normalize_variance = normalize_variance
        self.across_channels = across_channels
        self.eps = eps

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = x.reshape((x.shape[0],) + self.shape)
        rows = x.flatten(1 if self.across_channels else 2)
        centred = rows - rows.mean(dim=-1, keepdim=True)
        if self.normalize_variance:
            std = centred.square().mean(dim=-1, keepdim=True).sqrt()
            centred = centred / (std + self.eps)
        return centred.reshape(x.shape)
''')


def _f32(blob: np.ndarray) -> np.ndarray:
    return np.array(blob, dtype=np.float32)


@PYSOURCE.register("BatchNorm")
def convert_batch_norm(node: Node) -> Module:
    p: BatchNormParams = node.params
    blobs = node.blobs or ()
    shape = node.input_shapes()[0]
    channels = int(shape[1]) if len(shape) > 1 else 1
    if not p.global_stats:
        state = tuple((k, _f32(b)) for k, b in zip(("mean", "variance", "factor"), blobs))
        return Module(call("BatchStatsNorm", channels, eps=p.eps), state, ("BatchStatsNorm",))
    kind = _BATCH_NORM.get(len(shape))
    if kind is None:
        raise OpError(f"a {len(shape)}-axis bottom: BatchNorm with stored statistics is "
                      "written as torch's BatchNorm1d/2d/3d, which take 2 to 5 axes")
    s = stats_scale(blobs[2])
    momentum = 1 - float(literal(p.moving_average_fraction))  # 0.999 -> 0.001
    code = call(kind, channels, eps=p.eps, momentum=momentum, affine=False)
    state = (("running_mean", _f32(blobs[0]) * s), ("running_var", _f32(blobs[1]) * s),
             ("num_batches_tracked", np.array(0, np.int64)))
    return Module(code, state)


_BATCH_NORM = {2: "nn.BatchNorm1d", 3: "nn.BatchNorm1d", 4: "nn.BatchNorm2d",
               5: "nn.BatchNorm3d"}


def _trailing(node: Node, axis: int, num_axes: int) -> int:
    return len(node.input_shapes()[0]) - axis - num_axes


@PYSOURCE.register("Scale")
def convert_scale(node: Node) -> Module:
    p: ScaleParams = node.params
    learned = [_f32(b) for b in node.blobs or ()]
    weight = learned.pop(0) if len(node.inputs) == 1 else None
    bias = learned.pop(0) if p.bias_term else None
    bottom = node.input_shapes()[0]
    shape = tuple(int(d) for d in bottom[p.axis:p.axis + p.num_axes])
    extra: dict[str, object] = {"trailing": _trailing(node, p.axis, p.num_axes)}
    if p.bias_term:
        extra["bias"] = True
    if weight is None:
        extra["learned"] = False
    state = [("weight", weight.reshape(shape))] if weight is not None else []
    if bias is not None:
        state.append(("bias", bias.reshape(shape)))
    return Module(call("Scale", shape, **extra), tuple(state), ("Scale",))


@PYSOURCE.register("Bias")
def convert_bias(node: Node) -> Module:
    p: BiasParams = node.params
    bias = _f32(node.blobs[0]) if len(node.inputs) == 1 and node.blobs else None
    trailing = _trailing(node, p.axis, p.num_axes)
    if bias is None:
        return Module(f"Bias(None, trailing={trailing})", (), ("Bias",))
    return Module(call("Bias", tuple(bias.shape), trailing=trailing), (("bias", bias),),
                  ("Bias",))


@PYSOURCE.register("LRN")
def convert_lrn(node: Node) -> Module:
    p: LRNParams = node.params
    within = p.norm_region == "WITHIN_CHANNEL"
    if not within and not node.in_place:
        return Module(call("nn.LocalResponseNorm", p.local_size, alpha=p.alpha, beta=p.beta,
                           k=p.k))
    extra: dict[str, object] = {"k": p.k}
    if within:
        extra = {"within_channel": True}
    return Module(call("LRN", p.local_size, p.alpha, p.beta, **extra), (), ("LRN",))


@PYSOURCE.register("MVN")
def convert_mvn(node: Node) -> Module:
    p: MVNParams = node.params
    shape = tuple(int(d) for d in node.output_shapes()[0][1:])
    return Module(call("MVN", shape, normalize_variance=p.normalize_variance,
                       across_channels=p.across_channels, eps=p.eps), (), ("MVN",))
