"""The torch backend's converter registry.

A converter turns one IR node into a ``torch.nn.Module`` whose ``forward`` takes the node's
bottoms as positional tensors and returns one tensor (one top) or a tuple (several tops):

    @TORCH.register("Convolution", "Deconvolution")
    def convert_convolution(node: Node, blobs: Sequence[np.ndarray]) -> nn.Module: ...

``node.params`` are bound (every value concrete) and every value has its Caffe shape;
``blobs`` are the layer's parameter blobs as Caffe stores them (float32, the shapes
``OpDef.blobs`` gives). Parameters and buffers are registered under readable names
(``weight``, ``bias``, ...) so state_dict keys read ``LAYER.weight``. The batch size at run
time may differ from the prototxt's: never bake dimension 0 into a module.
"""
from __future__ import annotations

from ..registry import ConverterRegistry

__all__ = ["TORCH"]

TORCH = ConverterRegistry("torch")
