"""Where each Caffe fork's schema comes from: repository, path and commit of the text that
tools/extract_fork_fields.py reads, and what a reader of the table should know about it."""
from __future__ import annotations

from dataclasses import dataclass

__all__ = ["SOURCES", "ForkSources", "Source"]


@dataclass(frozen=True)
class Source:
    repo: str
    path: str
    commit: str
    # "proto": the fork's whole caffe.proto; "snippet": a Markdown page whose code block is
    # the fork's patch to caffe.proto; "layers-only": the fork ships layers and no schema
    kind: str = "proto"

    def as_json(self) -> dict[str, str]:
        return {"repo": self.repo, "path": self.path, "commit": self.commit, "kind": self.kind}


@dataclass(frozen=True)
class ForkSources:
    title: str
    sources: tuple[Source, ...]
    notes: tuple[str, ...] = ()


PROTO = "src/caffe/proto/caffe.proto"

SOURCES: dict[str, ForkSources] = {
    "ssd": ForkSources(
        "SSD (weiliu89/caffe, branch ssd)",
        (Source("weiliu89/caffe", PROTO, "4817bf8b4200b35ada8ed0dc378dceaf38c539e4"),),
        ("the head of branch ssd, tagged ssdv1.0",)),
    "pspnet": ForkSources(
        "PSPNet (hszhao/PSPNet)",
        (Source("hszhao/PSPNet", PROTO, "798bdc907c8630e8c3997ebfdd0d7cae0c5ab03b"),),
        (("built on DeepLab v2's Caffe: interp_param keeps DeepLab's number 143, which BVLC "
         "later gave to input_param"),)),
    "deeplab": ForkSources(
        "DeepLab v2 (deeplab-public-ver2, as first committed to xmyqsh/deeplab-v2)",
        (Source("xmyqsh/deeplab-v2", PROTO, "cb3479b368aa4abb6eb202f6e4e9ec3d9b850d7a"),),
        (("the commit is Jay Chen's import of deeplab-public-ver2, the code DeepLab v2's "
         "models were trained with; the repository's later merge with BVLC master "
         "renumbers the DeepLab fields (interp_param 153, ...), and those numbers are not "
         "what DeepLab v2's .caffemodel files carry"),)),
    "segnet": ForkSources(
        "SegNet (alexgkendall/caffe-segnet, branch segnet-cleaned)",
        (Source("alexgkendall/caffe-segnet", PROTO,
                "344c113bf1832886f1cbe9f33ffe28a3beeaf412"),),
        (("built on a 2015 Caffe: upsample_param takes 137, which BVLC later gave to "
         "embed_param; its BNParameter is not PSPNet's"),)),
    "yolo": ForkSources(
        "YOLO ports (ChenYingpeng's YOLOv3/v4 layers; quhezheng/caffe_yolo_v2)",
        (Source("ChenYingpeng/darknet2caffe", "README.md",
                "f6d9ea33c199dc0881531f75651f2a9abafca73f", "snippet"),
         Source("quhezheng/caffe_yolo_v2", PROTO, "6a1e658199a4357bf5238d308b4ba2eeca027215")),
        (("Upsample and Mish are the layers of ChenYingpeng/caffe-yolov3 (caffe_layers/), whose "
         "nets (e.g. prototxt/mobilenet_v1_yolov3.prototxt) use them; their schema is the "
         "patch published in the same author's darknet2caffe README (lines marked ++)"),
         ("Reorg, Region, RegionLoss and YOLO's DetectionOutput are quhezheng/caffe_yolo_v2's; "
         "its detection_output_param (204) is not SSD's DetectionOutputParameter"),
         ("other YOLOv2 ports number reorg_param differently (148, 155, 159 are all found): "
         "a binary net needs the port it was written by"))),
    "shufflenet": ForkSources(
        "ShuffleNet (farmingyard/ShuffleNet)",
        (Source("farmingyard/ShuffleNet", "README.md",
                "b9624442bd410bbd2aadc820122b138e63039d70", "snippet"),),
        ("the repository ships the layer and its patch to caffe.proto in the README",)),
    "fastrcnn": ForkSources(
        "Faster R-CNN (rbgirshick/caffe-fast-rcnn, as py-faster-rcnn pins it)",
        (Source("rbgirshick/caffe-fast-rcnn", PROTO,
                "0dcd397b29507b8314e252e850518c5695efbb83"),),
        (("the commit py-faster-rcnn's caffe-fast-rcnn submodule points at (branch "
         "faster-rcnn-upstream-33f2445)"),)),
    "caffe_priv": ForkSources(
        "caffe-priv (soeaver/py-RFCN-priv, the Caffe of soeaver/caffe-model)",
        (Source("soeaver/py-RFCN-priv", "caffe-priv/src/caffe/proto/caffe.proto",
                "ec89b8656c750454c0cbfc64b630fcb4a95d2129"),),
        (("PoolingParameter.ceil_mode (13, default true) is BVLC pull request 3057's; "
         "soeaver/caffe-model's nets (ResNeXt, ...) set it"),)),
    "senet": ForkSources(
        "SENet (hujie-frank/SENet)",
        (Source("hujie-frank/SENet", "include/caffe/layers/axpy_layer.hpp",
                "0262d43d44c561fd53c3dba210cc8bacfc60500d", "layers-only"),),
        (("no caffe.proto in the repository: Axpy reads no parameter message (axpy_layer.cpp "
         "reads no *_param), and its faster global average pooling keeps BVLC's "
         "PoolingParameter"),)),
    "mobilenet": ForkSources(
        ("MobileNet depthwise ports (farmingyard/caffe-mobilenet, "
         "yonghenglh6/DepthwiseConvolution)"),
        (Source("farmingyard/caffe-mobilenet", "conv_dw_layer.hpp",
                "f7d7d130761727560f201c1ff5c274e938888b5f", "layers-only"),
         Source("yonghenglh6/DepthwiseConvolution",
                "caffe/include/caffe/layers/depthwise_conv_layer.hpp",
                "2b9cf52a5ce24af390d6739cd728847e21c4f154", "layers-only")),
        (("no caffe.proto in either repository: ConvolutionDepthwise (farmingyard) and "
         "DepthwiseConvolution (yonghenglh6) read BVLC's convolution_param"),)),
}
