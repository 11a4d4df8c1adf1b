"""The op registry as a whole: every layer type has a golden case run by real Caffe."""
from __future__ import annotations

import json
import pathlib

from google.protobuf import text_format

from prototxt_compiler.ops import OPS
from prototxt_compiler.proto import caffe_pb2

SHAPES = pathlib.Path(__file__).parents[1] / "fixtures" / "shapes"
# Layers whose data lives outside the net (a database, image list, HDF5 files, window file,
# or data pushed from Python): Caffe cannot run them in a fixture. Their shape rules are
# unit-tested in tests/frontend/test_importer.py.
NEEDS_EXTERNAL_DATA = {"Data", "ImageData", "HDF5Data", "WindowData", "MemoryData",
                       "HDF5Output"}


def types_caffe_ran() -> set[str]:
    seen: set[str] = set()
    for case in SHAPES.glob("*.prototxt"):
        if "caffe_error" in json.loads(case.with_suffix(".json").read_text()):
            continue
        net = text_format.Parse(case.read_text(), caffe_pb2.NetParameter())
        seen |= {layer.type for layer in net.layer}
    return seen


# Families of Caffe forks' layers: BVLC Caffe cannot run them; their references are their
# exact BVLC twins run by Caffe, OpenCV dnn and hand-derived cases (tests/backends/
# test_fork_*.py, test_detection_*.py). Every other family is BVLC's own.
FORK_FAMILIES = {"broadcast", "channels", "resample", "forknorm", "mobilenet", "ssd",
                 "detection", "detection_train", "roi"}


def test_every_op_has_a_golden_case_caffe_ran() -> None:
    bvlc = {op.type for op in OPS if op.family not in FORK_FAMILIES}
    missing = bvlc - types_caffe_ran() - NEEDS_EXTERNAL_DATA
    assert missing == set()


def test_registry_covers_every_bvlc_inference_layer() -> None:
    wanted = """Input Convolution Deconvolution Pooling SPP InnerProduct BatchNorm Scale Bias
        Eltwise Concat Slice Split Flatten Reshape Crop Tile Reduction ArgMax Softmax LRN MVN
        Embed Dropout ReLU PReLU ELU Sigmoid TanH AbsVal Power Exp Log BNLL Threshold Clip
        Swish Parameter DummyData Silence RNN LSTM Im2col BatchReindex Filter""".split()
    assert set(wanted) - set(OPS.types()) == set()


def test_every_op_names_its_family_module() -> None:
    from prototxt_compiler.ops import FAMILIES

    for op in OPS:
        assert op.family in FAMILIES, op.type
        assert op.infer.__module__ == f"prototxt_compiler.ops.{op.family}", op.type
