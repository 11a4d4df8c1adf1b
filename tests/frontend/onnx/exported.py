"""What the idiom tests share: a golden numeric fixture exported by this project's ONNX
backend, and an initializer of it edited in place."""
from __future__ import annotations

import pathlib
from collections.abc import Callable

import numpy as np
import onnx
from onnx import numpy_helper

from prototxt_compiler.api import load_with_weights
from prototxt_compiler.backends.onnx import to_onnx

NUMERIC = pathlib.Path(__file__).resolve().parents[2] / "fixtures" / "numeric"


def exported(stem: str) -> onnx.ModelProto:
    """tests/fixtures/numeric/STEM (with its Caffe-written weights) as our backend writes it."""
    graph = load_with_weights(NUMERIC / f"{stem}.prototxt", warn=False)
    return to_onnx(graph, static_batch=True)


def edit_initializer(model: onnx.ModelProto, name: str,
                     change: Callable[[np.ndarray], np.ndarray]) -> None:
    """Replaces the initializer ``name`` by ``change`` of its values."""
    for tensor in model.graph.initializer:
        if tensor.name == name:
            tensor.CopyFrom(numpy_helper.from_array(change(numpy_helper.to_array(tensor)), name))
            return
    raise AssertionError(f"no initializer {name}")
