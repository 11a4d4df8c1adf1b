"""Small fork-layer cases whose outputs are worked out by hand from the forks' C++ (each
derivation is written beside its numbers), run through both backends. They pin the element
orders and the corner cases the Caffe-backed fixtures (test_fork_layers.py) exercise only
in bulk: ShuffleChannel's channel order, Reorg's darknet order, SegNet's last write, Interp's
aligned corners and single row, ReLU6 on NaN, and BN's formulas in both forms."""
from __future__ import annotations

import pathlib
from collections.abc import Mapping, Sequence

import numpy as np
import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("onnxruntime")

from prototxt_compiler import layer_outputs, load, to_torch  # noqa: E402
from prototxt_compiler.backends.onnx import to_onnx  # noqa: E402
from tests.backends.test_onnx_vs_caffe import run  # noqa: E402

nan = float("nan")


def outputs(tmp_path: pathlib.Path, layers: str, inputs: Mapping[str, np.ndarray], *,
            blobs: Mapping[str, Sequence[np.ndarray]] | None = None,
            phase: str = "TEST", opset: int = 17) -> list[dict[str, np.ndarray]]:
    """The net's outputs by blob, from torch and from onnxruntime."""
    decl = "".join(f'layer {{ name: "{name}" type: "Input" top: "{name}" input_param {{ '
                   f'shape {{ {" ".join(f"dim: {d}" for d in x.shape)} }} }} }}\n'
                   for name, x in inputs.items())
    path = tmp_path / "net.prototxt"
    path.write_text(f'name: "hand"\n{decl}{layers}\n')
    graph = load(path, phase=phase)
    for node in graph.nodes:
        node.blobs = tuple(np.asarray(b, np.float32) for b in (blobs or {}).get(node.name, ()))
    module = to_torch(graph)
    args = [torch.from_numpy(np.asarray(inputs[n], np.float32)) for n in module.input_names]
    record = layer_outputs(module, *args)
    names = [v.blob for v in graph.outputs]
    ours_torch = {v.blob: record[f"{v.producer.name}:{v.blob}"].numpy() for v in graph.outputs}
    results = run(to_onnx(graph, opset=opset), {k: np.asarray(v, np.float32) for k, v in inputs.items()})
    return [ours_torch, dict(zip(names, results))]


def check(got: list[dict[str, np.ndarray]], blob: str, expected: np.ndarray) -> None:
    for backend, values in zip(("torch", "onnx"), got):
        np.testing.assert_allclose(values[blob], expected, rtol=0, atol=1e-6,
                                   err_msg=f"{backend}: {blob}")


def test_shuffle_channel_order(tmp_path: pathlib.Path) -> None:
    """Output channel j*g + i is input channel i*(C/g) + j; with C = 6, g = 3 (C/g = 2):
    out 0 <- in 0, out 1 <- in 2, out 2 <- in 4, out 3 <- in 1, out 4 <- in 3, out 5 <- in 5."""
    x = np.arange(6, dtype=np.float32).reshape(1, 6, 1, 1) * np.ones((1, 1, 2, 2), np.float32)
    got = outputs(tmp_path, 'layer { name: "s" type: "ShuffleChannel" bottom: "x" top: "y" '
                  'shuffle_channel_param { group: 3 } }', {"x": x})
    check(got, "y", np.array([0, 2, 4, 1, 3, 5], np.float32).reshape(1, 6, 1, 1)
          * np.ones((1, 1, 2, 2)))


def test_reorg_darknet_order(tmp_path: pathlib.Path) -> None:
    """Bottom (1, 4, 2, 2) = 0..15, stride 2: t_c = 4 / 4 = 1, t_w = t_h = 4. reorg_cpu
    (forward = false) loops c, h, w over the bottom and sets top[w + 2 (h + 2 c)] =
    bottom[w2 + 4 h2] with offset = c, w2 = 2 w + c % 2, h2 = 2 h + c / 2:
        c = 0: h2, w2 in {0, 2}      -> 0, 2, 8, 10
        c = 1: w2 odd, h2 even       -> 1, 3, 9, 11
        c = 2: w2 even, h2 odd       -> 4, 6, 12, 14
        c = 3: both odd              -> 5, 7, 13, 15
    read as the top's (1, 16, 1, 1)."""
    x = np.arange(16, dtype=np.float32).reshape(1, 4, 2, 2)
    got = outputs(tmp_path, 'layer { name: "r" type: "Reorg" bottom: "x" top: "y" '
                  'reorg_param { stride: 2 } }', {"x": x})
    check(got, "y", np.array([0, 2, 8, 10, 1, 3, 9, 11, 4, 6, 12, 14, 5, 7, 13, 15],
                             np.float32).reshape(1, 16, 1, 1))


def test_reorg_reverse(tmp_path: pathlib.Path) -> None:
    """reverse (forward = true), bottom (1, 4, 1, 1) = a, b, c, d: t_c = 1, top (1, 1, 2, 2),
    top[w2 + 2 h2] = bottom[c] with w2 = c % 2, h2 = c / 2: [[a, b], [c, d]]."""
    x = np.array([1, 2, 3, 4], np.float32).reshape(1, 4, 1, 1)
    got = outputs(tmp_path, 'layer { name: "r" type: "Reorg" bottom: "x" top: "y" '
                  'reorg_param { stride: 2 reverse: true } }', {"x": x})
    check(got, "y", np.array([[1, 2], [3, 4]], np.float32).reshape(1, 1, 2, 2))


def test_unpool_last_write_wins(tmp_path: pathlib.Path) -> None:
    """Data [[1, 2], [3, 4]], mask [[0, 3], [3, 15]], top 4x4: zeros, then top[0] = 1,
    top[3] = 2, top[3] = 3 (i = 2 comes later), top[15] = 4."""
    data = np.array([[1, 2], [3, 4]], np.float32).reshape(1, 1, 2, 2)
    mask = np.array([[0, 3], [3, 15]], np.float32).reshape(1, 1, 2, 2)
    expected = np.zeros(16, np.float32)
    expected[[0, 3, 15]] = [1, 3, 4]
    got = outputs(tmp_path, 'layer { name: "u" type: "Upsample" bottom: "d" bottom: "m" '
                  'top: "y" upsample_param { upsample_h: 4 upsample_w: 4 } }',
                  {"d": data, "m": mask}, opset=18)  # a mask from no pooling: opset 18
    check(got, "y", expected.reshape(1, 1, 4, 4))


def test_nearest_upsample(tmp_path: pathlib.Path) -> None:
    """top[h][w] = bottom[h / 2][w / 2]."""
    x = np.array([[1, 2], [3, 4]], np.float32).reshape(1, 1, 2, 2)
    got = outputs(tmp_path, 'layer { name: "u" type: "Upsample" bottom: "x" top: "y" '
                  'upsample_param { scale: 2 } }', {"x": x})
    check(got, "y", np.array([[1, 1, 2, 2], [1, 1, 2, 2], [3, 3, 4, 4], [3, 3, 4, 4]],
                             np.float32).reshape(1, 1, 4, 4))


def test_interp_aligned_corners(tmp_path: pathlib.Path) -> None:
    """[[0, 1], [2, 3]] to 3x3: r = (2 - 1) / (3 - 1) = 0.5, sources 0, 0.5, 1 on both axes,
    so the corners stay and the midpoints average: row 0 = 0, 0.5, 1; row 1 = 1, 1.5, 2;
    row 2 = 2, 2.5, 3. To 1x1: r = 0, the first element."""
    x = np.array([[0, 1], [2, 3]], np.float32).reshape(1, 1, 2, 2)
    got = outputs(tmp_path, 'layer { name: "i" type: "Interp" bottom: "x" top: "y" '
                  'interp_param { height: 3 width: 3 } }\n'
                  'layer { name: "p" type: "Interp" bottom: "x" top: "z" '
                  'interp_param { height: 1 width: 1 } }', {"x": x})
    check(got, "y", np.array([[0, .5, 1], [1, 1.5, 2], [2, 2.5, 3]], np.float32)
          .reshape(1, 1, 3, 3))
    check(got, "z", np.zeros((1, 1, 1, 1), np.float32))


def test_interp_to_a_blobs_size(tmp_path: pathlib.Path) -> None:
    """caffe-priv's use_blob_size: the size of bottom 1 (3x3), whose values are not read."""
    x = np.array([[0, 1], [2, 3]], np.float32).reshape(1, 1, 2, 2)
    got = outputs(tmp_path, 'layer { name: "i" type: "Interp" bottom: "x" bottom: "like" '
                  'top: "y" interp_param { use_blob_size: true } }',
                  {"x": x, "like": np.full((1, 5, 3, 3), 9, np.float32)})
    check(got, "y", np.array([[0, .5, 1], [1, 1.5, 2], [2, 2.5, 3]], np.float32)
          .reshape(1, 1, 3, 3))


def test_interp_crop(tmp_path: pathlib.Path) -> None:
    """0..15 as 4x4, pad_beg -1, pad_end -1: H_eff = 2 from row 1 and column 1, resized to its
    own 2x2: the copy [[5, 6], [9, 10]]."""
    x = np.arange(16, dtype=np.float32).reshape(1, 1, 4, 4)
    got = outputs(tmp_path, 'layer { name: "i" type: "Interp" bottom: "x" top: "y" '
                  'interp_param { height: 2 width: 2 pad_beg: -1 pad_end: -1 } }', {"x": x})
    check(got, "y", np.array([[5, 6], [9, 10]], np.float32).reshape(1, 1, 2, 2))


def test_relu6_keeps_nan(tmp_path: pathlib.Path) -> None:
    """std::min(std::max(x, 0), 6): -1 -> 0, 3 -> 3, 7 -> 6, and a NaN stays NaN
    (std::max(NaN, 0) returns its first argument)."""
    x = np.array([-1, 3, 7, nan], np.float32).reshape(1, 4)
    got = outputs(tmp_path, 'layer { name: "r" type: "ReLU6" bottom: "x" top: "y" }', {"x": x})
    check(got, "y", np.array([[0, 3, 6, nan]], np.float32))


def test_axpy(tmp_path: pathlib.Path) -> None:
    """a = (2, -1) per channel: channel 0 is 2 x + y, channel 1 is -x + y."""
    a = np.array([2, -1], np.float32).reshape(1, 2, 1, 1)
    x = np.array([1, 2, 3, 4], np.float32).reshape(1, 2, 1, 2)
    y = np.array([10, 20, 30, 40], np.float32).reshape(1, 2, 1, 2)
    got = outputs(tmp_path, 'layer { name: "axpy" type: "Axpy" bottom: "a" bottom: "x" '
                  'bottom: "y" top: "t" }', {"a": a, "x": x, "y": y})
    check(got, "t", np.array([12, 24, 27, 36], np.float32).reshape(1, 2, 1, 2))


def test_bn_pspnet_stored_statistics(tmp_path: pathlib.Path) -> None:
    """slope 2, bias 1, mean 0.5, variance 3, eps 1: y = 2 (x - 0.5) / sqrt(4) + 1 = x + 0.5."""
    x = np.array([[0, 1, 2, 3]], np.float32).reshape(1, 1, 2, 2)
    blobs = [np.full((1, 1, 1, 1), v, np.float32) for v in (2, 1, 0.5, 3)]
    got = outputs(tmp_path, 'layer { name: "bn" type: "BN" bottom: "x" top: "y" '
                  'bn_param { eps: 1 } }', {"x": x}, blobs={"bn": blobs})
    check(got, "y", x + 0.5)


def test_bn_pspnet_batch_statistics_in_train(tmp_path: pathlib.Path) -> None:
    """In TRAIN, not frozen: the batch's mean 1.5 and variance E[(x - 1.5)^2] = 1.25 of
    0, 1, 2, 3, eps 0.25: y = (x - 1.5) / sqrt(1.5) (slope 1, bias 0)."""
    x = np.array([[0, 1, 2, 3]], np.float32).reshape(1, 1, 2, 2)
    blobs = [np.full((1, 1, 1, 1), v, np.float32) for v in (1, 0, 7, 7)]
    got = outputs(tmp_path, 'layer { name: "bn" type: "BN" bottom: "x" top: "y" '
                  'bn_param { eps: 0.25 } }', {"x": x}, blobs={"bn": blobs}, phase="TRAIN")
    check(got, "y", (x - 1.5) / np.sqrt(np.float32(1.5)))


def test_bn_segnet_forms(tmp_path: pathlib.Path) -> None:
    """INFERENCE: y = 3 x - 1. LEARN: mean 1.5, E[x^2] - E[x]^2 = 3.5 - 2.25 = 1.25,
    eps 1e-9: y = 3 (x - 1.5) / sqrt(1.25) - 1."""
    x = np.array([[0, 1, 2, 3]], np.float32).reshape(1, 1, 2, 2)
    blobs = [np.full((1, 1, 1, 1), v, np.float32) for v in (3, -1)]
    got = outputs(tmp_path, 'layer { name: "inf" type: "BN" bottom: "x" top: "y" '
                  'bn_param { bn_mode: INFERENCE } }\n'
                  'layer { name: "learn" type: "BN" bottom: "x" top: "z" '
                  'bn_param { bn_mode: LEARN } }', {"x": x},
                  blobs={"inf": blobs, "learn": blobs})
    check(got, "y", 3 * x - 1)
    check(got, "z", 3 * (x - 1.5) / np.sqrt(np.float32(1.25)) - 1)
