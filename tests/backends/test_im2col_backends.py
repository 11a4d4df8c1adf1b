"""Im2col in the torch and ONNX backends, beyond the generic fixture tests
(test_torch_vs_caffe.py and test_onnx_vs_caffe.py hold im2col_variants to real Caffe).

- The fixture at the oldest and a newer opset, and through torch.export.
- Both backends only move data: NaN and infinities come out where Caffe's im2col_cpu loop
  puts them (the reference below is that loop, written out), at any batch size.
"""
from __future__ import annotations

import itertools
import pathlib

import numpy as np
import pytest

torch = pytest.importorskip("torch")
ort = pytest.importorskip("onnxruntime")

import prototxt_compiler as pc  # noqa: E402
from prototxt_compiler.backends.onnx import to_onnx  # noqa: E402
from tests.backends.test_recurrent_backends import (  # noqa: E402
    OPSETS,
    export_matches_caffe,
    matches_caffe_at_opset,
)


@pytest.mark.parametrize("opset", OPSETS, ids=lambda o: f"opset{o}")
def test_fixture_matches_caffe_at_opset(opset: int) -> None:
    matches_caffe_at_opset("im2col_variants", opset)


def test_exported_module_still_equals_caffe() -> None:
    export_matches_caffe("im2col_variants")


def caffe_im2col(x: np.ndarray, kernel: tuple, stride: tuple, pad: tuple,
                 dilation: tuple) -> np.ndarray:
    """Caffe's im2col_cpu for one (C, H, W) item, loop for loop: channel c*kh*kw + tap, the
    output sizes with C++'s truncating division, taps outside the input read 0."""
    channels, height, width = x.shape
    sizes = []
    for size, k, s, p, d in zip((height, width), kernel, stride, pad, dilation):
        span = size + 2 * p - (d * (k - 1) + 1)
        sizes.append(int(span / s) + 1)  # int() truncates toward zero, as C++
    out = np.zeros((channels * kernel[0] * kernel[1], *sizes), np.float32)
    for c, i, j in itertools.product(range(channels), range(kernel[0]), range(kernel[1])):
        row = c * kernel[0] * kernel[1] + i * kernel[1] + j
        for oy, ox in itertools.product(range(sizes[0]), range(sizes[1])):
            y = oy * stride[0] - pad[0] + i * dilation[0]
            z = ox * stride[1] - pad[1] + j * dilation[1]
            if 0 <= y < height and 0 <= z < width:
                out[row, oy, ox] = x[c, y, z]
    return out


NET = ('layer {{ name: "data" type: "Input" top: "x" input_param {{ shape {{ dim: 2 dim: 2 '
       'dim: 4 dim: 5 }} }} }}\nlayer {{ name: "im" type: "Im2col" bottom: "x" top: "y" '
       'convolution_param {{ kernel_h: {k[0]} kernel_w: {k[1]} stride_h: {s[0]} '
       'stride_w: {s[1]} pad_h: {p[0]} pad_w: {p[1]} dilation: {d[0]} dilation: {d[1]} }} }}\n')


@pytest.mark.parametrize("kernel,stride,pad,dilation", [
    ((3, 3), (1, 1), (1, 1), (1, 1)), ((2, 3), (2, 3), (0, 2), (2, 1)),
    ((3, 2), (2, 2), (0, 0), (1, 1)),  # a last window past the input (height 4, kernel 3)
])
def test_values_are_moved_exactly(tmp_path: pathlib.Path, kernel: tuple, stride: tuple,
                                  pad: tuple, dilation: tuple) -> None:
    path = tmp_path / "net.prototxt"
    path.write_text(NET.format(k=kernel, s=stride, p=pad, d=dilation))
    graph = pc.load(path)
    module = pc.to_torch(graph)
    session = ort.InferenceSession(to_onnx(graph).SerializeToString(),
                                   providers=["CPUExecutionProvider"])
    rng = np.random.default_rng(1)
    for batch in (2, 3):  # the prototxt's and another (ONNX's batch is symbolic)
        x = rng.standard_normal((batch, 2, 4, 5)).astype(np.float32)
        x[0, 0, 1, 2], x[0, 1, 3, 4], x[-1, 1, 0, 0] = np.nan, np.inf, -np.inf
        expected = np.stack([caffe_im2col(item, kernel, stride, pad, dilation) for item in x])
        with torch.no_grad():
            np.testing.assert_array_equal(module(torch.from_numpy(x)).numpy(), expected)
        np.testing.assert_array_equal(session.run(None, {"x": x})[0], expected)


@pytest.mark.parametrize("layer,bottom,kernel,stride,pad,dilation", [
    ("im_pad", "data", (3, 3), (1, 1), (1, 1), (1, 1)),
    ("im_hw", "data", (2, 3), (2, 1), (1, 0), (2, 2)),
    ("im_past", "short", (3, 3), (2, 2), (0, 0), (1, 1)),
])
def test_the_reference_loop_is_caffes(layer: str, bottom: str, kernel: tuple, stride: tuple,
                                      pad: tuple, dilation: tuple) -> None:
    """The loop above gives what real Caffe gave for tests/fixtures/numeric/im2col_variants."""
    ref = np.load(pathlib.Path(__file__).parents[1] / "fixtures" / "numeric" /
                  "im2col_variants.npz")
    ours = np.stack([caffe_im2col(item, kernel, stride, pad, dilation)
                     for item in ref[f"input:{bottom}"]])
    np.testing.assert_array_equal(ours, ref[f"layer:{layer}:{layer}"])
