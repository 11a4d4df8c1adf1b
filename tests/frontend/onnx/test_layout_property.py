"""Random chains of ops after a transpose (``frontend.onnx.layout``), each computed on the
value before the transpose where it commutes with it and after the moves where it does not:
whatever the chain, the Caffe graph computes what onnxruntime computes (through the PyTorch
backend, itself held to Caffe); and so do two run-time values of any shapes that
broadcast, and any chain of reshapes, transposes, stepped slices and gathers.
Derandomized, so every run tries the same cases."""
from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from prototxt_compiler.to_caffe import from_onnx
from tests.frontend.onnx.against_ort import equals_onnxruntime, feeds_of
from tests.frontend.onnx.builder import Builder

hypothesis = pytest.importorskip("hypothesis")
ort = pytest.importorskip("onnxruntime")
torch = pytest.importorskip("torch")

from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

OPS = ("Relu", "Add", "Mul", "ReduceMean", "ReduceMax", "ReduceSum", "Softmax", "Concat",
       "Slice", "Split", "MatMul", "LayerNormalization", "Transpose", "Sigmoid", "Erf",
       "PRelu", "Max", "Residual", "Pad", "Resize")


@st.composite
def chains(draw: Any) -> tuple[tuple[int, ...], tuple[int, ...], list[tuple[str, int, Any]]]:
    shape = tuple(draw(st.lists(st.integers(1, 4), min_size=3, max_size=4)))
    perm = tuple(draw(st.permutations(range(len(shape)))))
    steps = []
    for _ in range(draw(st.integers(1, 5))):
        op = draw(st.sampled_from(OPS))
        steps.append((op, draw(st.integers(0, 10 ** 6)), draw(st.permutations(
            range(len(shape))))))
    return shape, perm, steps


def build(shape: tuple[int, ...], perm: tuple[int, ...],
          steps: list[tuple[str, int, Any]]) -> Any:
    b = Builder("chain", 17)
    x = b.node("Transpose", [b.input("data", shape)], "first", perm=list(perm))
    current = [shape[p] for p in perm]
    for i, (op, seed, other) in enumerate(steps):
        rng = np.random.default_rng(seed)
        rank = len(current)
        axis = int(rng.integers(rank))
        name = f"s{i}"
        if op in ("Relu", "Sigmoid", "Erf"):
            x = b.node(op, [x], name)
        elif op in ("Add", "Mul"):  # a constant over a random subset of the axes
            kept = [d if rng.random() < 0.5 else 1 for d in current]
            start = int(rng.integers(rank))
            x = b.node(op, [x, b.const(f"{name}_c", rng.uniform(0.5, 1.5, kept[start:]))],
                       name)
        elif op in ("ReduceMean", "ReduceMax", "ReduceSum"):  # axes an attribute at 17
            # (but ReduceSum's, an input from 13); no value of fewer than 2 axes (Caffe's
            # PReLU and InnerProduct take none)
            keep = bool(rng.random() < 0.7) or rank <= 2
            inputs = [x, b.ints(f"{name}_axes", [axis])] if op == "ReduceSum" else [x]
            attrs = {} if op == "ReduceSum" else {"axes": [axis]}
            x = b.node(op, inputs, name, keepdims=int(keep), **attrs)
            current = [1 if a == axis else d for a, d in enumerate(current)] if keep else \
                [d for a, d in enumerate(current) if a != axis]
        elif op == "Softmax":
            x = b.node(op, [x], name, axis=axis)
        elif op == "Concat":
            x = b.node(op, [x, x], name, axis=axis)
            current[axis] *= 2
        elif op == "Slice" and current[axis] > 1:
            x = b.node(op, [x, b.ints(f"{name}_s", [1]), b.ints(f"{name}_e", [current[axis]]),
                            b.ints(f"{name}_a", [axis])], name)
            current[axis] -= 1
        elif op == "Split" and current[axis] > 1:  # the second of two parts, kept
            first = int(rng.integers(1, current[axis]))
            x = b.node(op, [x, b.ints(f"{name}_sizes", [first, current[axis] - first])], name,
                       outputs=2, axis=axis)[1]
            current[axis] -= first
        elif op == "PRelu":  # a slope per channel (axis 1, as Caffe's), or one for all
            shape = [d if a == 1 else 1 for a, d in enumerate(current)][1:]
            slope = rng.uniform(0.1, 0.3, shape if rng.random() < 0.7 else [1])
            x = b.node(op, [x, b.const(f"{name}_slope", slope)], name)
        elif op == "Pad" and rank == 4:  # zeros on H and W, as Caffe pads
            before, after = (int(v) for v in rng.integers(0, 2, 2))
            pads = [0, 0, before, after, 0, 0, after, before]
            x = b.node(op, [x, b.ints(f"{name}_pads", pads)], name)
            current[2] += before + after
            current[3] += before + after
        elif op == "Resize" and rank == 4:  # nearest, by 2 on H or W
            scales = [1.0, 1.0, 2.0, 1.0] if rng.random() < 0.5 else [1.0, 1.0, 1.0, 2.0]
            x = b.node(op, [x, b.const(f"{name}_roi", np.zeros(0)),
                            b.const(f"{name}_scales", scales)], name, mode="nearest")
            current = [int(d * f) for d, f in zip(current, scales)]
        elif op == "Max":
            x = b.node(op, [x, b.node("Neg", [x], f"{name}_neg")], name)
        elif op == "Residual":  # the value beside a function of it
            x = b.node("Add", [x, b.node("Tanh", [x], f"{name}_tanh")], name)
        elif op == "MatMul":
            n = int(rng.integers(1, 4))
            x = b.node(op, [x, b.const(f"{name}_w", rng.normal(0, 1, (current[-1], n)))], name)
            current[-1] = n
        elif op == "LayerNormalization":
            x = b.node(op, [x, b.const(f"{name}_g", rng.uniform(0.5, 1.5, current[-1:])),
                            b.const(f"{name}_b", rng.normal(0, 0.3, current[-1:]))], name)
        elif op == "Transpose":
            order = [int(a) for a in other][:rank] if len(other) == rank else \
                list(rng.permutation(rank))
            x = b.node(op, [x], name, perm=order)
            current = [current[a] for a in order]
        if not current:
            break
    b.output(x)
    return b.model()


@settings(max_examples=60, deadline=None, derandomize=True, database=None)
@given(chains())
def test_a_chain_after_a_transpose_computes_what_onnx_does(chain: Any) -> None:
    shape, perm, steps = chain
    model = build(shape, perm, steps)
    equals_onnxruntime(model, from_onnx(model), feeds_of(model, seed=0),
                       f"{perm} {[s[0] for s in steps]}")


@st.composite
def broadcasts(draw: Any) -> tuple[str, tuple[int, ...], tuple[int, ...]]:
    full = draw(st.lists(st.integers(1, 4), min_size=1, max_size=4))
    shapes = []
    for _ in range(2):
        kept = [d if draw(st.booleans()) else 1 for d in full]
        shapes.append(tuple(kept[draw(st.integers(0, len(kept) - 1)):]))
    op = draw(st.sampled_from(("Add", "Sub", "Mul", "Div", "Max", "Min", "Sum", "Mean")))
    return op, shapes[0], shapes[1]


@settings(max_examples=60, deadline=None, derandomize=True, database=None)
@given(broadcasts())
def test_two_values_that_broadcast_compute_what_onnx_does(case: Any) -> None:
    """Two run-time values of shapes that broadcast (one may have fewer axes, any axis of 1
    in either): Bias / Scale along a run, tiles, or the Eltwise of one shape."""
    op, a, b_shape = case
    b = Builder("broadcast", 13)
    b.output(b.node(op, [b.input("a", a), b.input("b", b_shape)], "y"))
    model = b.model()
    rng = np.random.default_rng(0)
    feeds = {"a": rng.standard_normal(a).astype(np.float32),
             "b": (rng.uniform(0.5, 2.0, b_shape) * rng.choice([-1, 1], b_shape)
                   ).astype(np.float32)}  # a divisor away from 0
    equals_onnxruntime(model, from_onnx(model), feeds, f"{op} {a} {b_shape}")


def _factors(total: int, rng: np.random.Generator) -> list[int]:
    """A random shape of ``total`` elements, up to 5 axes."""
    dims = []
    while total > 1 and len(dims) < 4:
        options = [d for d in range(2, total + 1) if total % d == 0]
        d = int(rng.choice(options))
        dims.append(d)
        total //= d
    dims.append(total)
    rng.shuffle(dims)
    return [int(d) for d in dims]


@settings(max_examples=60, deadline=None, derandomize=True, database=None)
@given(st.lists(st.integers(1, 3), min_size=2, max_size=4),
       st.lists(st.tuples(st.sampled_from(("Reshape", "Flatten", "Unsqueeze", "Squeeze",
                                           "Transpose", "Slice", "Gather", "Relu")),
                          st.integers(0, 10 ** 6)), min_size=1, max_size=6))
def test_a_chain_of_views_and_copies_computes_what_onnx_does(dims: list[int],
                                                              steps: list[Any]) -> None:
    """Reshapes, flattens, squeezes, transposes, stepped slices and gathers in any order:
    views composed, moves and copies written where they must be, every element where ONNX
    puts it."""

    shape = [d + 1 for d in dims]
    b = Builder("views", 13)
    x = b.input("data", shape)
    current = list(shape)
    for i, (op, seed) in enumerate(steps):
        rng = np.random.default_rng(seed)
        rank, name = len(current), f"s{i}"
        axis = int(rng.integers(rank))
        if op == "Reshape":
            current = _factors(int(np.prod(current)), rng)
            x = b.node(op, [x, b.ints(f"{name}_shape", current)], name)
        elif op == "Flatten":
            x = b.node(op, [x], name, axis=axis)
            current = [int(np.prod(current[:axis])), int(np.prod(current[axis:]))]
        elif op == "Unsqueeze" and rank < 5:
            x = b.node(op, [x, b.ints(f"{name}_axes", [axis])], name)
            current.insert(axis, 1)
        elif op == "Squeeze" and 1 in current and rank > 1:
            where = current.index(1)
            x = b.node(op, [x, b.ints(f"{name}_axes", [where])], name)
            del current[where]
        elif op == "Transpose":
            order = [int(a) for a in rng.permutation(rank)]
            x = b.node(op, [x], name, perm=order)
            current = [current[a] for a in order]
        elif op == "Slice" and 1 < current[axis] <= 16:  # (past 64 runs: refused, a limit)
            step = int(rng.choice([-2, -1, 2, 3]))
            start, end = (current[axis] - 1, -current[axis] - 1) if step < 0 else (0, 64)
            x = b.node(op, [x, b.ints(f"{name}_s", [start]), b.ints(f"{name}_e", [end]),
                            b.ints(f"{name}_a", [axis]), b.ints(f"{name}_t", [step])], name)
            current[axis] = len(range(0, current[axis], abs(step)))
        elif op == "Gather":
            picked = [int(j) for j in rng.integers(current[axis], size=int(rng.integers(1, 4)))]
            x = b.node(op, [x, b.ints(f"{name}_idx", picked)], name, axis=axis)
            current[axis] = len(picked)
        elif op == "Relu":
            x = b.node(op, [x], name)
    b.output(b.node("Relu", [x], "out"))
    model = b.model()
    equals_onnxruntime(model, from_onnx(model), feeds_of(model, seed=0),
                       str([s[0] for s in steps]))


@st.composite
def products(draw: Any) -> tuple[list[int], list[int], list[int], list[int]]:
    """Two MatMul operands (batch axes that broadcast, or a vector on either side), each
    held transposed by a random permutation."""
    batch = draw(st.lists(st.integers(1, 3), max_size=2))
    m, k, n = (draw(st.integers(1, 4)) for _ in range(3))
    shapes = []
    for inner in ([m, k], [k, n]):
        kept = [d if draw(st.booleans()) else 1 for d in batch]
        shape = kept[draw(st.integers(0, len(kept))):] + inner
        if not batch and draw(st.integers(0, 3)) == 0:
            shape = [k]  # a vector
        shapes.append(shape)
    perms = [list(draw(st.permutations(range(len(s))))) for s in shapes]
    return shapes[0], shapes[1], perms[0], perms[1]


@settings(max_examples=60, deadline=None, derandomize=True, database=None)
@given(products())
def test_a_product_of_two_values_computes_what_onnx_does(case: Any) -> None:
    """MatMul of two run-time values, each a transpose of a graph input (pending, read as
    its base holds it, or written where no order of the products holds both), its result
    read by a Relu: every product where ONNX sums it. onnxruntime runs unoptimized: its
    rewrite of a Transpose into the MatMul after it gives a transposed matrix times a
    vector as the matrix itself times it (onnxruntime 1.32; numpy agrees with ours)."""
    a, b_shape, pa, pb = case
    b = Builder("products", 13)
    operands = []
    for tag, shape, perm in (("a", a, pa), ("b", b_shape, pb)):
        held = [shape[i] for i in np.argsort(perm)]  # transposed by perm, it is ``shape``
        operands.append(b.node("Transpose", [b.input(tag, held)], f"{tag}_t", perm=perm))
    b.output(b.node("Relu", [b.node("MatMul", operands, "product")], "out"))
    model = b.model()
    equals_onnxruntime(model, from_onnx(model), feeds_of(model, seed=0),
                       f"{a} {pa} @ {b_shape} {pb}", optimized=False)
