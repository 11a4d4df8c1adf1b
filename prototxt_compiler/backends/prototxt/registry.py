"""The prototxt backend's converter registry.

A converter writes one node's params into the ``*_param`` of an empty ``LayerParameter``
(name, type, bottoms and tops are written by the lowering), setting only the fields whose
values differ from caffe.proto's defaults, so that the text is canonical:

    @PROTOTXT.register("Convolution", "Deconvolution")
    def convert_convolution(node: Node, layer: caffe_pb2.LayerParameter) -> None: ...

``node.params`` are bound (a kernel given once is a tuple per axis): write the shortest
form Caffe reads the same way (one ``kernel_size`` when every axis agrees). Parsing the
text again must give the same params.
"""
from __future__ import annotations

from ..registry import ConverterRegistry

__all__ = ["PROTOTXT"]

PROTOTXT = ConverterRegistry("prototxt")
