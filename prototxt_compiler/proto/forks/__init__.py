"""The Caffe forks' own parameter messages, each fork in a package of its own.

Most Caffe models still about were trained with a fork of Caffe whose prototxts carry
``*_param`` blocks BVLC does not know. Each fork's messages are generated from
protos/forks/FORK.proto (tools/gen_proto.py) with the names, numbers, labels and defaults
that fork gives them, and held to a table extracted from the fork's own caffe.proto
(tests/fixtures/forks/FORK.json, made by tools/extract_fork_fields.py).

Field numbers collide across forks (PSPNet's ``interp_param`` is 143, BVLC's
``input_param`` too; SegNet's ``upsample_param`` is 137, BVLC's ``embed_param`` too), so a
binary NetParameter can only be read with its fork named; text resolves a fork field by
its name. Per fork:

- ``layer_fields``: the message class ``LayerFields``, whose fields are exactly those the
  fork adds to ``caffe.LayerParameter``, with the fork's names and numbers;
- ``changed``: for each BVLC message the fork extends or alters, its full name
  (``caffe.TransformationParameter``) mapped to the fork's version of each such field.

Importing this package loads protobuf and nothing else.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType, ModuleType
from typing import Any

from prototxt_compiler.proto.forks import (
    caffe_priv_pb2,
    deeplab_pb2,
    fastrcnn_pb2,
    mobilenet_pb2,
    pspnet_pb2,
    segnet_pb2,
    senet_pb2,
    shufflenet_pb2,
    ssd_pb2,
    yolo_pb2,
)

__all__ = ["FORKS", "Fork"]


@dataclass(frozen=True)
class Fork:
    """One Caffe fork's schema additions."""

    name: str  # "ssd"
    title: str  # "SSD (weiliu89/caffe, branch ssd)"
    source: str  # repository, path and commit the numbers come from
    layer_fields: Any  # the fork's LayerFields message class
    changed: Mapping[str, Mapping[str, Any]]  # BVLC message full name -> {field: FieldDescriptor}


def _changed(module: ModuleType) -> Mapping[str, Mapping[str, Any]]:
    """``BvlcChanges.X`` in a fork's file holds the fork's version of the fields of
    ``caffe.X`` that it adds or alters."""
    holder = getattr(module, "BvlcChanges", None)
    if holder is None:
        return MappingProxyType({})
    return MappingProxyType({
        f"caffe.{nested.name}": MappingProxyType(dict(nested.fields_by_name))
        for nested in holder.DESCRIPTOR.nested_types})


_TABLE: tuple[tuple[ModuleType, str, str], ...] = (
    (ssd_pb2, "SSD (weiliu89/caffe, branch ssd)",
     "weiliu89/caffe src/caffe/proto/caffe.proto @ 4817bf8b4200b35ada8ed0dc378dceaf38c539e4"),
    (pspnet_pb2, "PSPNet (hszhao/PSPNet)",
     "hszhao/PSPNet src/caffe/proto/caffe.proto @ 798bdc907c8630e8c3997ebfdd0d7cae0c5ab03b"),
    (deeplab_pb2, "DeepLab v2 (deeplab-public-ver2, as first committed to xmyqsh/deeplab-v2)",
     "xmyqsh/deeplab-v2 src/caffe/proto/caffe.proto @ cb3479b368aa4abb6eb202f6e4e9ec3d9b850d7a"),
    (segnet_pb2, "SegNet (alexgkendall/caffe-segnet, branch segnet-cleaned)",
     ("alexgkendall/caffe-segnet src/caffe/proto/caffe.proto @ "
     "344c113bf1832886f1cbe9f33ffe28a3beeaf412")),
    (yolo_pb2, "YOLO ports (ChenYingpeng's YOLOv3/v4 layers; quhezheng/caffe_yolo_v2)",
     ("ChenYingpeng/darknet2caffe README.md @ f6d9ea33c199dc0881531f75651f2a9abafca73f; "
     "quhezheng/caffe_yolo_v2 src/caffe/proto/caffe.proto @ "
     "6a1e658199a4357bf5238d308b4ba2eeca027215")),
    (shufflenet_pb2, "ShuffleNet (farmingyard/ShuffleNet)",
     "farmingyard/ShuffleNet README.md @ b9624442bd410bbd2aadc820122b138e63039d70"),
    (fastrcnn_pb2, "Faster R-CNN (rbgirshick/caffe-fast-rcnn, as py-faster-rcnn pins it)",
     ("rbgirshick/caffe-fast-rcnn src/caffe/proto/caffe.proto @ "
     "0dcd397b29507b8314e252e850518c5695efbb83")),
    (caffe_priv_pb2, "caffe-priv (soeaver/py-RFCN-priv, the Caffe of soeaver/caffe-model)",
     ("soeaver/py-RFCN-priv caffe-priv/src/caffe/proto/caffe.proto @ "
     "ec89b8656c750454c0cbfc64b630fcb4a95d2129")),
    (senet_pb2, "SENet (hujie-frank/SENet)",
     ("hujie-frank/SENet include/caffe/layers/axpy_layer.hpp @ "
     "0262d43d44c561fd53c3dba210cc8bacfc60500d")),
    (mobilenet_pb2,
     "MobileNet depthwise ports (farmingyard/caffe-mobilenet, yonghenglh6/DepthwiseConvolution)",
     ("farmingyard/caffe-mobilenet conv_dw_layer.hpp @ f7d7d130761727560f201c1ff5c274e938888b5f; "
     "yonghenglh6/DepthwiseConvolution caffe/include/caffe/layers/depthwise_conv_layer.hpp @ "
     "2b9cf52a5ce24af390d6739cd728847e21c4f154")),
)

FORKS: dict[str, Fork] = {
    module.__name__.rpartition(".")[2].removesuffix("_pb2"): Fork(
        name=module.__name__.rpartition(".")[2].removesuffix("_pb2"), title=title,
        source=source, layer_fields=module.LayerFields, changed=_changed(module))
    for module, title, source in _TABLE}
