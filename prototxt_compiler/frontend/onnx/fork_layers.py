"""Which Caffe fork has which layer type, for writing fork layers from ONNX (``fork=``).

A layer type in ``FORK_LAYERS`` is written only when the fork named is one of those that
have it; every other type is BVLC's. The fork names are the fork registry's
(``ops.extras``, ``protos/forks/``); a test holds this table to it (each fork is
registered, and a type with a params field is one its forks define).
"""
from __future__ import annotations

from ..forks import check_fork

__all__ = ["FORK_LAYERS", "fork_allows", "check_fork", "forks_with"]

#: layer type -> the forks that have it (as ``from_onnx`` writes it)
FORK_LAYERS: dict[str, tuple[str, ...]] = {
    "Upsample": ("yolo",),            # nearest, one bottom (the YOLOv3 ports)
    "Reorg": ("yolo",),               # the YOLOv2 ports
    "ShuffleChannel": ("shufflenet",),
    "ReLU6": ("mobilenet",),
    "ConvolutionDepthwise": ("mobilenet",),
    "DepthwiseConvolution": ("mobilenet",),
    "Axpy": ("senet",),
    "Interp": ("pspnet", "deeplab", "caffe_priv"),
    "BN": ("pspnet", "segnet"),
    "Permute": ("ssd",),
}


def fork_allows(layer_type: str, fork: str | None) -> bool:
    """Whether a layer of this type may be written for ``fork`` (None: BVLC Caffe)."""
    forks = FORK_LAYERS.get(layer_type)
    return forks is None or (fork is not None and fork in forks)


def forks_with(layer_type: str) -> tuple[str, ...]:
    return FORK_LAYERS.get(layer_type, ())
