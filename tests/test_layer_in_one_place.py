"""A layer type is defined in one place: its ops module (params, reading, writing, blobs,
shape rule) and one converter per backend. The test lists, for each in-package type, the
files that define it: the ops module its rules live in, and the module of each backend's
converter; and no converter module of a backend is shared by the ops of two families."""
from __future__ import annotations

import pytest

from prototxt_compiler.ops import OPS

pytest.importorskip("torch")

from prototxt_compiler.backends.onnx import ONNX  # noqa: E402
from prototxt_compiler.backends.torch import TORCH  # noqa: E402


def _file(module: str) -> str:
    return "/".join(module.split(".")[1:]) + ".py"


def definitions() -> dict[str, list[str]]:
    out = {}
    for op in OPS:
        files = [_file(op.infer.__module__)]
        files += [_file(reg[op.type].__module__) for reg in (ONNX, TORCH) if op.type in reg]
        out[op.type] = files
    return out


def test_each_type_is_defined_by_one_ops_module_and_one_converter_per_backend() -> None:
    where = definitions()
    for kind, files in where.items():
        op = OPS[kind]
        assert files[0] == f"ops/{op.family}.py", (kind, files)
        if op.role == "layer":  # a node of a graph: every backend converts it
            assert [f.rsplit("/", 1)[0] for f in files] == ["ops", "backends/onnx",
                                                            "backends/torch"], (kind, files)
            assert files[1:] == [f"backends/onnx/{op.family}.py",
                                 f"backends/torch/{op.family}.py"], (kind, files)
    assert where["Convolution"] == ["ops/conv.py", "backends/onnx/conv.py",
                                    "backends/torch/conv.py"]
