"""What the ONNX frontend's ORT-held tests share: a converted graph run in the PyTorch
backend (itself held to Caffe) against onnxruntime on the ONNX model, output by output."""
from __future__ import annotations

from typing import Any

import numpy as np

from tests.tolerance import assert_close


def both_outputs(model: Any, graph: Any, feeds: dict[str, np.ndarray], *,
                 optimized: bool = True) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """(the outputs of ``graph``, onnxruntime's of ``model``) on ``feeds`` (by ONNX input
    name); ``optimized`` False runs onnxruntime without its graph rewrites."""
    import onnxruntime as ort
    import torch

    from prototxt_compiler import to_torch

    options = ort.SessionOptions()
    if not optimized:
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
    session = ort.InferenceSession(model.SerializeToString(), options,
                                   providers=["CPUExecutionProvider"])
    want = session.run(None, feeds)
    with torch.inference_mode():
        got = to_torch(graph)(*[torch.from_numpy(feeds[i.name]) for i in model.graph.input])
    got = got if isinstance(got, (tuple, list)) else [got]
    assert len(got) == len(want)
    return [g.numpy() for g in got], want


def equals_onnxruntime(model: Any, graph: Any, feeds: dict[str, np.ndarray],
                       what: str = "", *, optimized: bool = True) -> None:
    """Every output of ``graph`` on ``feeds`` within the project's tolerance of
    onnxruntime's on ``model`` (``both_outputs``); ``what`` names the case in a failure."""
    got, want = both_outputs(model, graph, feeds, optimized=optimized)
    for ours, ref, out in zip(got, want, model.graph.output):
        assert_close(ours, ref, f"{out.name} {what}".strip())


def feeds_of(model: Any, seed: int = 3) -> dict[str, np.ndarray]:
    """Seeded N(0, 1) values for each input of ``model``, at its declared shape."""
    rng = np.random.default_rng(seed)
    return {i.name: rng.standard_normal([d.dim_value for d in i.type.tensor_type.shape.dim])
            .astype(np.float32) for i in model.graph.input}
