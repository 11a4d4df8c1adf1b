"""BatchReindex and Filter in the torch and ONNX backends, beyond the generic fixture tests
(test_torch_vs_caffe.py and test_onnx_vs_caffe.py hold batch_reindex_gather and
filter_select to real Caffe at the default opset).

- Both fixtures at the oldest and a newer opset, and through torch.export.
- BatchReindex by hand: indices truncated as Caffe's cast; an index Caffe refuses on its
  forward (negative, -0.5 included, past the batch, NaN) raises in both backends instead of
  reading a wrong item.
- Filter at run time: the count follows the data (none selected gives 0 items, NaN selects,
  as Caffe's ``if (value)``), at other batch sizes too, and the ONNX output names its
  dimension ``selected(LAYER)``.
"""
from __future__ import annotations

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

CASES = ["batch_reindex_gather", "filter_select"]


@pytest.mark.parametrize("opset", OPSETS, ids=lambda o: f"opset{o}")
@pytest.mark.parametrize("case", CASES)
def test_fixture_matches_caffe_at_opset(case: str, opset: int) -> None:
    matches_caffe_at_opset(case, opset)


@pytest.mark.parametrize("case", CASES)
def test_exported_module_still_equals_caffe(case: str) -> None:
    export_matches_caffe(case)


def write(tmp_path: pathlib.Path, text: str) -> pathlib.Path:
    path = tmp_path / "net.prototxt"
    path.write_text(text)
    return path


def backends(tmp_path: pathlib.Path, text: str):
    graph = pc.load(write(tmp_path, text))
    module = pc.to_torch(graph)
    session = ort.InferenceSession(to_onnx(graph).SerializeToString(),
                                   providers=["CPUExecutionProvider"])
    return graph, module, session


REINDEX = ('layer { name: "data" type: "Input" top: "x" top: "i" input_param { '
           'shape { dim: 4 dim: 3 } shape { dim: 5 } } }\n'
           'layer { name: "b" type: "BatchReindex" bottom: "x" bottom: "i" top: "y" }\n')


def test_batch_reindex_truncates_its_indices(tmp_path: pathlib.Path) -> None:
    _, module, session = backends(tmp_path, REINDEX)
    x = np.arange(12, dtype=np.float32).reshape(4, 3)
    index = np.array([3.7, 0.0, -0.0, 2.2, 1.999], np.float32)
    expected = x[[3, 0, 0, 2, 1]]  # static_cast<int>: toward zero
    with torch.no_grad():
        ours = module(torch.from_numpy(x), torch.from_numpy(index)).numpy()
    np.testing.assert_array_equal(ours, expected)
    np.testing.assert_array_equal(session.run(None, {"x": x, "i": index})[0], expected)


@pytest.mark.parametrize("bad", [-0.5, -1.0, 4.0, 7.0, float("nan")])
def test_batch_reindex_refuses_what_caffe_refuses(tmp_path: pathlib.Path, bad: float) -> None:
    """Caffe checks 0 <= index < N on the float value ('Index specified for reindex layer
    was negative' / 'greater than batch size'); -0.5 would otherwise truncate to item 0."""
    _, module, session = backends(tmp_path, REINDEX)
    x = np.ones((4, 3), np.float32)
    index = np.array([0.0, bad, 1.0, 2.0, 3.0], np.float32)
    with pytest.raises((IndexError, RuntimeError)), torch.no_grad():
        module(torch.from_numpy(x), torch.from_numpy(index))
    with pytest.raises(Exception, match="out of"):
        session.run(None, {"x": x, "i": index})


FILTER = ('layer { name: "data" type: "Input" top: "x" top: "s" input_param { '
          'shape { dim: 6 dim: 3 } shape { dim: 6 dim: 1 } } }\n'
          'layer { name: "f" type: "Filter" bottom: "x" bottom: "s" top: "y" }\n')


@pytest.mark.parametrize("selector", [
    [0, 0, 0, 0, 0, 0], [1, 0, -2, 0, 0.5, 0], [float("nan"), 0, 0, 1, 0, 0],
    [1, 1, 0, 1, 0, 0, 1, 0], [0, 3],  # at other batch sizes (the ONNX batch is N)
], ids=["none", "mixed", "nan", "batch8", "batch2"])
def test_filter_count_follows_the_data(tmp_path: pathlib.Path, selector: list) -> None:
    _, module, session = backends(tmp_path, FILTER)
    s = np.array(selector, np.float32).reshape(-1, 1)
    x = np.arange(len(selector) * 3, dtype=np.float32).reshape(-1, 3)
    expected = x[[i for i, v in enumerate(selector) if v != 0 or v != v]]  # NaN != 0
    with torch.no_grad():
        ours = module(torch.from_numpy(x), torch.from_numpy(s)).numpy()
    np.testing.assert_array_equal(ours, expected.reshape(-1, 3))
    np.testing.assert_array_equal(session.run(None, {"x": x, "s": s})[0],
                                  expected.reshape(-1, 3))


def test_the_onnx_output_names_the_count(tmp_path: pathlib.Path) -> None:
    graph = pc.load(write(tmp_path, FILTER))
    dims = to_onnx(graph).graph.output[0].type.tensor_type.shape.dim
    assert [d.dim_param or d.dim_value for d in dims] == ["selected(f)", 3]

