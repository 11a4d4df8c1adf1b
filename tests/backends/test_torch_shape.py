"""The shape-family converters (Concat, Slice, Split, Flatten, Reshape, Crop, Tile, Reduction,
ArgMax, Softmax, Parameter) at batch sizes other than the prototxt's, and a small net of them
through torch.jit.trace and torch.export. Their numbers at the prototxt's batch are held to
real Caffe by test_torch_vs_caffe.py; here a module built for batch 2 must give, at batch B,
what Caffe's rules give for a net declared with batch B."""
from __future__ import annotations

import pathlib
import warnings

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from prototxt_compiler import layer_outputs, load_torch  # noqa: E402
from prototxt_compiler.ops.shape import ReshapeParams, reshape_target  # noqa: E402
from tests.tolerance import assert_close  # noqa: E402

NUMERIC = pathlib.Path(__file__).parents[1] / "fixtures" / "numeric"
CASES = ["concat_axes", "slice_points", "split_tops", "flatten_axes", "reshape_rules",
         "crop_axes", "tile_axes", "reduction_ops", "argmax_top_k", "softmax_axes",
         "parameter_blob"]
BATCHES = [1, 2, 5]
# an equal split of the batch axis needs an even batch; top_k 2 along it, two items
UNEVEN = {"slice_points": [2, 4, 6], "argmax_top_k": [2, 3, 5]}


def _load(case: str, batch: int | None = None):
    """The case's module, declared at the prototxt's batch or (``batch``) at another."""
    prototxt = NUMERIC / f"{case}.prototxt"
    weights = prototxt.with_suffix(".caffemodel")
    shapes = None
    if batch is not None:
        ref = np.load(prototxt.with_suffix(".npz"))
        shapes = {k[len("input:"):]: (batch,) + ref[k].shape[1:] for k in ref.files
                  if k.startswith("input:")}
    return load_torch(prototxt, weights if weights.exists() else None, shapes)


def _inputs(case: str, names: list[str], batch: int, seed: int = 1) -> list[torch.Tensor]:
    ref = np.load(NUMERIC / f"{case}.npz")
    rng = np.random.default_rng(seed)
    return [torch.from_numpy(rng.standard_normal((batch,) + ref[f"input:{n}"].shape[1:])
                             .astype(np.float32)) for n in names]


@pytest.mark.parametrize("case,batch", [(c, b) for c in CASES for b in UNEVEN.get(c, BATCHES)],
                         ids=lambda v: str(v))
def test_module_for_batch_2_runs_any_batch_as_caffe(case: str, batch: int) -> None:
    """Every layer's top, shape and values, equals that of the net declared at ``batch``."""
    ours = _load(case)
    theirs = _load(case, batch)
    xs = _inputs(case, theirs.input_names, batch)
    got = layer_outputs(ours, *xs)
    want = layer_outputs(theirs, *xs)
    assert got.keys() == want.keys()
    for key, expected in want.items():
        assert got[key].shape == expected.shape, f"{key} (batch {batch})"
        assert_close(np.atleast_1d(got[key].detach().numpy()),  # a Reduction's 0-axis top
                     np.atleast_1d(expected.detach().numpy()), f"{key} (batch {batch})")


@pytest.mark.parametrize("written,axis,num_axes,bottom,bound,expected", [
    ((0, -1), 0, -1, (2, 3, 4), (2, 12), (0, -1)),          # Caffe's dims, as written
    ((-1,), 0, -1, (2, 3, 4), (24,), (-1,)),
    ((4, -1), 0, -1, (4, 3, 4), (4, 12), (4, -1)),          # an explicit batch stays explicit
    ((3, 4), 1, -1, (2, 12), (3, 4), (0, 3, 4)),            # past the batch: copied, fixed
    ((1, 1), 0, 0, (2, 5), (1, 1), (1, 1, -1, 5)),          # inserted before the batch
    ((0, 2, -1), 0, 2, (2, 6, 5), (2, 2, 3), (0, 2, -1, 5)),  # a sub-range, tail kept
])
def test_reshape_target(written, axis, num_axes, bottom, bound, expected) -> None:
    p = ReshapeParams(shape=bound, axis=axis, num_axes=num_axes if num_axes >= 0 else
                      len(bottom) - axis, written=written, bound=True)
    assert reshape_target(p, bottom) == expected


def test_explicit_batch_reshape_follows_caffe_at_another_batch(tmp_path) -> None:
    """{4, -1} applied by Caffe to a batch of 8 x 30 values gives (4, 60), not (8, 30)."""
    net = tmp_path / "r.prototxt"
    net.write_text('layer { name: "data" type: "Input" top: "data" input_param { shape { '
                   'dim: 4 dim: 30 } } }\nlayer { name: "r" type: "Reshape" bottom: "data" '
                   'top: "r" reshape_param { shape { dim: 4 dim: -1 } } }\n')
    module = load_torch(net)
    assert tuple(module(torch.zeros(8, 30)).shape) == (4, 60)


def test_reshape_at_other_batches_matches_caffe_shapes() -> None:
    """Shapes at batch 1 and 5 are those Caffe's rules give a net declared at that batch."""
    ours = _load("reshape_rules")
    for batch in (1, 5):
        theirs = _load("reshape_rules", batch)
        x = torch.randn(batch, 6, 4, 5)
        got = layer_outputs(ours, x)
        for key, value in layer_outputs(theirs, x).items():
            assert tuple(got[key].shape) == tuple(value.shape), key
            assert torch.equal(got[key].reshape(-1), x.reshape(-1)), key


SMALL_NET = """\
name: "small"
layer { name: "data" type: "Input" top: "data"
        input_param { shape { dim: 2 dim: 6 dim: 4 dim: 5 } } }
layer { name: "r" type: "Reshape" bottom: "data" top: "r"
        reshape_param { shape { dim: 0 dim: 3 dim: -1 } } }
layer { name: "s" type: "Slice" bottom: "r" top: "s0" top: "s1" top: "s2" slice_param { axis: 1 } }
layer { name: "c" type: "Concat" bottom: "s2" bottom: "s0" top: "c" }
layer { name: "f" type: "Flatten" bottom: "c" top: "f" }
layer { name: "g" type: "Reshape" bottom: "f" top: "g" reshape_param { shape { dim: -1 dim: 20 } } }
layer { name: "m" type: "Softmax" bottom: "g" top: "m" }
layer { name: "t" type: "Tile" bottom: "s1" top: "t" tile_param { axis: 1 tiles: 2 } }
layer { name: "a" type: "ArgMax" bottom: "t" top: "a" argmax_param { axis: 2 top_k: 2 } }
layer { name: "u" type: "Reduction" bottom: "t" top: "u"
        reduction_param { operation: MEAN axis: 1 } }
"""


def _reference(x: torch.Tensor) -> tuple[torch.Tensor, ...]:
    n = x.shape[0]
    r = x.reshape(n, 3, 40)
    c = torch.cat([r[:, 2:3], r[:, 0:1]], 1)
    g = c.reshape(n, 80).reshape(-1, 20)
    m = torch.softmax(g, 1)
    t = r[:, 1:2].repeat(1, 2, 1)
    a = torch.from_numpy(np.argsort(-t.numpy(), axis=2, kind="stable")[:, :, :2])
    return m, a.float(), t.reshape(n, -1).mean(1)


@pytest.fixture(scope="module")
def small(tmp_path_factory):
    path = tmp_path_factory.mktemp("small") / "small.prototxt"
    path.write_text(SMALL_NET)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return load_torch(path)


def _check(outputs, x: torch.Tensor, what: str, names: list[str]) -> None:
    expected = dict(zip(("m", "a", "u"), _reference(x)))
    assert sorted(names) == sorted(expected)
    for got, name in zip(outputs, names):
        assert_close(got.detach().numpy(), expected[name].numpy(), f"{name} ({what})")


def test_small_net_eager(small) -> None:
    for batch in BATCHES:
        x = torch.randn(batch, 6, 4, 5)
        _check(small(x), x, f"eager, batch {batch}", small.output_names)


def test_small_net_jit_trace(small) -> None:
    x = torch.randn(2, 6, 4, 5)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        traced = torch.jit.trace(small, (x,))
    _check(traced(x), x, "traced", small.output_names)
    x5 = torch.randn(5, 6, 4, 5)
    _check(traced(x5), x5, "traced, batch 5", small.output_names)


def test_small_net_torch_export_with_dynamic_batch(small) -> None:
    batch = torch.export.Dim("batch", min=1, max=64)
    exported = torch.export.export(small, (torch.randn(2, 6, 4, 5),),
                                   dynamic_shapes=({0: batch},))
    run = exported.module()
    for n in (1, 3, 5):
        x = torch.randn(n, 6, 4, 5)
        _check(run(x), x, f"exported, batch {n}", small.output_names)
