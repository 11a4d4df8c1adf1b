"""Checking an export against a reference run, with the project's one tolerance rule:
max |ours - ref| <= atol + rtol x max(1, max |ref|) (NaN matches NaN only).

``verify_onnx`` runs an exported model in onnxruntime and the PyTorch backend on the
unfolded graph (the reference: it is held to real Caffe layer by layer by the test suite)
on the same inputs, and compares every output, and with ``layers`` every layer's every top
(through a second, unfolded export in memory, whose values are named as the Caffe tops).
"""
from __future__ import annotations

import pathlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from math import prod
from typing import Any

import numpy as np

from . import limits
from .backends import DEFAULT_OPSET
from .errors import UsageError
from .ir import Graph, format_shape, symbols_of
from .ir.symbolic import substitute, unify
from .ops.base import FLT_MAX

__all__ = ["Comparison", "compare", "FLT_MAX", "verify_inputs", "verify_onnx", "worst",
           "DEFAULT_SIZES", "check_run_size"]

# the sizes a symbolic dimension takes in a verification run without the user's inputs
DEFAULT_SIZES = {"N": 1, "H": 32, "W": 32}


@dataclass(frozen=True)
class Comparison:
    name: str
    max_diff: float
    bound: float
    worst: tuple[int, ...]
    constant: bool = False  # the reference is one value throughout: the check shows little

    @property
    def ok(self) -> bool:
        return self.max_diff <= self.bound


def compare(ours: np.ndarray, ref: np.ndarray, name: str, rtol: float = 1e-4,
            atol: float = 0.0) -> Comparison:
    ours = np.asarray(ours, dtype=np.float64)
    ref = np.asarray(ref, dtype=np.float64)
    if ours.shape != ref.shape:
        return Comparison(name, float("inf"), 0.0, ())
    if ref.size == 0:
        return Comparison(name, 0.0, 0.0, ())
    # Caffe's sentinels (+-FLT_MAX for an empty MAX window) and infinities must match
    # exactly; they would otherwise make the bound so large that nothing could fail.
    special = ~np.isfinite(ref) | (np.abs(ref) >= FLT_MAX)
    ordinary = np.abs(ref[~special])
    bound = atol + rtol * max(1.0, float(ordinary.max()) if ordinary.size else 1.0)
    with np.errstate(invalid="ignore"):
        diff = np.asarray(np.abs(ours - ref))
    same = (ours == ref) | (np.isnan(ours) & np.isnan(ref))
    diff[same] = 0.0
    diff[special & ~same] = np.inf
    diff[np.isnan(diff)] = np.inf
    worst = np.unravel_index(int(np.argmax(diff)), diff.shape)
    constant = bool(np.all(ref == ref.reshape(-1)[0]))
    return Comparison(name, float(diff[worst]), bound, tuple(int(i) for i in worst), constant)


def verify_inputs(graph: Graph, files: Mapping[str, str], *, seed: int = 0
                  ) -> tuple[dict[str, np.ndarray], list[str]]:
    """The inputs of a verification run, by blob: the user's .npy files where given (their
    shapes must fit the graph's, symbolic sizes taking the file's), the rest seeded N(0, 1)
    with symbolic sizes set from the files or ``DEFAULT_SIZES``. Returns them with a line
    per input saying where it came from."""
    names = {v.blob for v in graph.inputs}
    unknown = sorted(set(files) - names)
    if unknown:
        raise UsageError(f"--input {unknown[0]}: the net has no input of that name (its "
                         f"inputs: {', '.join(sorted(names))})")
    sizes: dict[str, Any] = {}
    arrays: dict[str, np.ndarray] = {}
    for value in graph.inputs:
        if value.blob not in files:
            continue
        array = _read_npy(files[value.blob], value.blob)
        want = substitute(tuple(value.shape or ()), sizes)
        if len(want) != array.ndim or any(
                unify(w, int(h)) is None for w, h in zip(want, array.shape)):
            raise UsageError(f"--input {value.blob}={files[value.blob]}: shape "
                             f"{list(array.shape)}, expected {format_shape(want)}")
        for w, h in zip(want, array.shape):
            sizes.update(unify(w, int(h)) or {})
        arrays[value.blob] = array
    shapes = {blob: tuple(array.shape) for blob, array in arrays.items()}
    for value in graph.inputs:
        if value.blob not in arrays:
            free = {s: sizes.get(s, DEFAULT_SIZES.get(s.rstrip("0123456789"), 32))
                    for s in sorted(symbols_of(value.shape))}
            shapes[value.blob] = substitute(tuple(value.shape or ()), free)
    check_run_size(graph, shapes)  # before the random inputs are made
    rng = np.random.default_rng(seed)
    lines = []
    for value in graph.inputs:
        shape = shapes[value.blob]
        if value.blob in arrays:
            lines.append(f"input {value.blob}: {files[value.blob]} {format_shape(shape)}")
            continue
        arrays[value.blob] = rng.standard_normal(shape).astype(np.float32)
        lines.append(f"input {value.blob}: random N(0,1) {format_shape(shape)} (seed {seed})")
    return arrays, lines


def check_run_size(graph: Graph, inputs: Mapping[str, Sequence[int]]) -> None:
    """Refuses (``UsageError``, before anything runs) a verification whose inputs and layers'
    tops, at the input shapes ``inputs`` (blob -> shape), take more than
    ``limits.VERIFY_BUDGET_BYTES`` as float32: the run keeps every one (``layer_outputs``)."""
    sizes: dict[str, Any] = {}
    for value in graph.inputs:
        for want, have in zip(value.shape or (), inputs.get(value.blob, ())):
            sizes.update(unify(want, int(have)) or {})
    total, largest, where = 0, 0, ""
    tops = [(f"input '{v.blob}'", v) for v in graph.inputs]
    tops += [(f"layer '{n.name}'", v) for n in graph.nodes for v in n.outputs]
    for what, value in tops:
        shape = substitute(tuple(value.shape or ()), sizes)
        if not all(isinstance(d, int) for d in shape):
            continue  # a size the inputs do not fix: the run will say
        nbytes = 4 * prod(shape)
        total += nbytes
        if nbytes > largest:
            largest, where = nbytes, f"{what} is {format_shape(shape)}"
    if total > limits.VERIFY_BUDGET_BYTES:
        raise UsageError(f"verifying runs the net, whose blobs take {total:,} bytes at these "
                         f"input sizes ({where}: {largest:,} bytes); a verification takes "
                         f"at most {limits.VERIFY_BUDGET_BYTES:,}: verify with smaller inputs")


def _read_npy(path: str, blob: str) -> np.ndarray:
    try:
        array = np.load(pathlib.Path(path), allow_pickle=False)
    except (OSError, ValueError, EOFError) as error:
        raise UsageError(f"--input {blob}={path}: not a readable .npy file ({error})") from error
    if not isinstance(array, np.ndarray) or not np.issubdtype(array.dtype, np.number):
        raise UsageError(f"--input {blob}={path}: expected one numeric array")
    return np.ascontiguousarray(array, dtype=np.float32)


def verify_onnx(model: Any, graph: Graph, feeds: Mapping[str, np.ndarray], *,
                layers: bool = False, rtol: float = 1e-4, atol: float = 0.0,
                opset: int = DEFAULT_OPSET, path: str | None = None) -> list[Comparison]:
    """``model`` in onnxruntime against the torch backend on ``graph`` (unfolded, with
    blobs): every output, by name, and with ``layers`` every layer's tops ("LAYER:TOP").
    With ``path``, the file ``model`` was written to is run (its tensors may be external
    data beside it, which a model in memory only refers to)."""
    import onnxruntime
    import torch

    from .backends.onnx import to_onnx
    from .backends.torch import layer_outputs, to_torch

    check_run_size(graph, {blob: np.shape(array) for blob, array in feeds.items()})
    module = to_torch(graph)
    tensors = [torch.from_numpy(np.asarray(feeds[v.blob])) for v in graph.inputs]
    with torch.inference_mode():
        record = layer_outputs(module, *tensors)
    session = _session(onnxruntime, path if path is not None else model.SerializeToString())
    ours = session.run(None, dict(feeds))  # the outputs in Caffe's order, as the graph's
    results = []
    for value, array in zip(graph.outputs, ours):
        ref = record[f"{value.producer.name}:{value.blob}"] if value.producer is not None \
            else feeds[value.blob]
        results.append(compare(array, np.asarray(ref), value.blob, rtol, atol))
    if layers:
        results += _compare_layers(to_onnx(graph, opset=opset), graph, feeds, record,
                                   onnxruntime, rtol, atol)
    return results


def _compare_layers(model: Any, graph: Graph, feeds: Mapping[str, np.ndarray],
                    record: Mapping[str, Any], onnxruntime: Any, rtol: float,
                    atol: float) -> list[Comparison]:
    from onnx import helper

    from .backends.onnx.lower import value_names

    names = value_names(graph)
    declared = {o.name for o in model.graph.output}
    keys = []
    for node in graph.nodes:
        for value in node.outputs:
            keys.append((f"{node.name}:{value.blob}", names[id(value)]))
            if names[id(value)] not in declared:
                model.graph.output.append(helper.make_empty_tensor_value_info(names[id(value)]))
                declared.add(names[id(value)])
    session = _session(onnxruntime, model.SerializeToString())
    values = dict(zip((o.name for o in model.graph.output), session.run(None, dict(feeds))))
    return [compare(values[name], np.asarray(record[key]), key, rtol, atol)
            for key, name in keys]


def _session(onnxruntime: Any, data: bytes | str) -> Any:
    options = onnxruntime.SessionOptions()
    options.log_severity_level = 3
    return onnxruntime.InferenceSession(data, options, providers=["CPUExecutionProvider"])


def worst(results: Sequence[Comparison]) -> Comparison | None:
    """The comparison furthest beyond (or nearest to) its bound."""
    if not results:
        return None
    return max(results, key=lambda r: (r.max_diff / r.bound) if r.bound else
               (0.0 if r.max_diff == 0 else float("inf")))
