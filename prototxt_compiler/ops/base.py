"""The op registry: one ``OpDef`` per Caffe layer type, holding Caffe's semantics for it.

An ``OpDef`` says how to read the layer's ``*_param`` into a frozen params dataclass (with
caffe.proto's defaults, legacy spellings resolved), how many bottoms and tops it takes, the
shapes of the parameter blobs it expects, its output-shape rule exactly as Caffe computes it,
and its multiply-accumulate count. Rules raise ``OpError`` (with the offending field); the
importer rewraps it into a ``LayerError`` naming the layer.
"""
from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from math import prod
from typing import Any

from ..errors import LayerError, OpError
from ..ir import (
    Graph,
    Node,
    Shape,
    SymbolBinding,
    SymbolicShapeError,
    format_shape,
    is_symbolic,
    symbols_of,
)
from ..ir.symbolic import unify
from ..proto import caffe_pb2
from .fillers import Filler

__all__ = ["OpDef", "OpRegistry", "OPS", "import_modules", "LayerView", "canonical_axis", "count", "no_blobs", "no_macs",
           "Role", "spatial_values", "refuse_in_place", "FLT_MAX", "unify_dims",
           "known_less", "known_nonzero", "symbolic_error"]

Role = str  # "layer" | "data" (becomes graph inputs) | "train_only" (dropped from deploy nets)

ReadFn = Callable[[Any], Any]  # reads a LayerView (a LayerParameter and its fork fields)
InferFn = Callable[[Any, Sequence[Shape], int], list[Shape]]
BlobsFn = Callable[[Any, Sequence[Shape]], list[Shape]]
MacsFn = Callable[[Any, Sequence[Shape], Sequence[Shape]], int]
BindFn = Callable[[Any, Sequence[Shape]], Any]
FillersFn = Callable[[Any, Sequence[Shape]], list[Filler]]
WriteFn = Callable[[Any, Any, Sequence[Shape]], None]


def no_blobs(params: Any, bottoms: Sequence[Shape]) -> list[Shape]:
    return []


def no_macs(params: Any, bottoms: Sequence[Shape], tops: Sequence[Shape]) -> int:
    return 0


@dataclass(frozen=True)
class OpDef:
    """Caffe's semantics for one layer type.

    ``infer(params, bottom_shapes, num_tops)`` returns the top shapes; ``blobs(params,
    bottom_shapes)`` the expected parameter-blob shapes; ``macs(params, bottoms, tops)`` the
    multiply-accumulates of one forward pass. ``bind(params, bottom_shapes)``, where given,
    returns the params with everything that depends on the input made concrete (a kernel_size
    given once expanded to every spatial axis, a negative axis made positive, global pooling's
    kernel), so that backends read final values and never re-derive them. ``bottoms``/``tops``
    are (min, max) counts, max ``None`` for unbounded; ``same_count`` asks for as many tops as
    bottoms (Convolution, Pooling's siblings). ``learned`` is False where the blobs are
    running statistics rather than trained parameters (BatchNorm's mean, variance and
    moving-average factor), which parameter counts leave out; a tuple names the learned
    blobs where the others are statistics (the forks' BN). ``fillers(params,
    bottom_shapes)`` gives the ``Filler`` of each parameter blob, in blob order: how Caffe
    initialises it when no weights are given. ``param`` names the ``LayerParameter`` field
    that holds the type's params (``"convolution_param"``; None for a type without any), and
    ``write(params, message, bottom_shapes)`` writes bound params back into a fresh message
    of that field, canonically (``ops.writing.write_fields`` unless the op gives its own).
    ``one_image`` marks a type whose forward takes a batch of one only (py-faster-rcnn's
    proposal layer asserts it): its shape rule refuses another batch, the backends' modules
    raise on one, and the ONNX export keeps the batch of a net holding it static.
    """

    type: str
    family: str
    read: ReadFn
    infer: InferFn
    blobs: BlobsFn = no_blobs
    macs: MacsFn = no_macs
    bottoms: tuple[int, int | None] = (1, 1)
    tops: tuple[int, int | None] = (1, 1)
    role: Role = "layer"
    bind: BindFn | None = None
    same_count: bool = False
    learned: bool | tuple[int, ...] = True  # False: statistics (BatchNorm); a tuple: those
    # blobs are learned, the others statistics (the forks' BN)
    fillers: FillersFn | None = None
    param: str | None = None
    write: WriteFn | None = None
    one_image: bool = False

    def is_learned(self, index: int) -> bool:
        """Whether parameter blob ``index`` is learned (else a running statistic)."""
        return self.learned if isinstance(self.learned, bool) else index in self.learned

    def write_params(self, params: Any, message: Any, bottoms: Sequence[Shape]) -> None:
        """Writes ``params`` into ``message`` (the type's ``param`` field)."""
        from .writing import write_fields

        (self.write or write_fields)(params, message, bottoms)


class OpRegistry:
    """Layer type -> OpDef. Registering a type twice is an error at import time."""

    def __init__(self) -> None:
        self._ops: dict[str, OpDef] = {}

    def add(self, op: OpDef) -> OpDef:
        if op.type in self._ops:
            raise RuntimeError(f"layer type {op.type!r} is registered twice")
        self._ops[op.type] = op
        return op

    def define(self, type: str, **fields: Any) -> OpDef:
        return self.add(OpDef(type=type, **fields))

    def get(self, type: str) -> OpDef | None:
        return self._ops.get(type)

    def __getitem__(self, type: str) -> OpDef:
        return self._ops[type]

    def __contains__(self, type: object) -> bool:
        return type in self._ops

    def __iter__(self) -> Iterator[OpDef]:
        return iter(sorted(self._ops.values(), key=lambda op: op.type))

    def types(self) -> list[str]:
        return sorted(self._ops)


OPS = OpRegistry()


class LayerView:
    """A layer as an op's ``read`` sees it: the ``LayerParameter``'s own fields, the fields a
    Caffe fork or a plugin adds (``upsample_param``...), parsed beside it and found by name,
    and the phase of the net being built (``net_phase``, which decides what an unset
    ``use_global_stats`` means). A fork field the layer does not set reads as its message's
    defaults, as an unset BVLC field does."""

    __slots__ = ("_layer", "_extra", "net_phase")

    def __init__(self, layer: caffe_pb2.LayerParameter, extra: Mapping[str, Any] | None = None,
                 *, net_phase: str = "TEST") -> None:
        self._layer = layer
        self._extra = dict(extra or {})
        self.net_phase = net_phase

    def __getattr__(self, name: str) -> Any:
        if name in self._extra:
            return self._extra[name]
        if name in caffe_pb2.LayerParameter.DESCRIPTOR.fields_by_name:
            return getattr(self._layer, name)
        from .extras import EXTRA_FIELDS, LAYER

        known = EXTRA_FIELDS.get(LAYER, name)
        if known is not None and known.message is not None:
            return known.message()  # an unset fork field reads as its defaults
        return getattr(self._layer, name)

    def HasField(self, name: str) -> bool:  # noqa: N802 - protobuf's spelling
        if name in self._extra:
            return True
        if name in caffe_pb2.LayerParameter.DESCRIPTOR.fields_by_name:
            return self._layer.HasField(name)
        return False

    @property
    def layer(self) -> caffe_pb2.LayerParameter:
        return self._layer

    @property
    def extra(self) -> Mapping[str, Any]:
        """The fork or plugin fields set on the layer, by name."""
        return self._extra

FLT_MAX = 3.4028234663852886e38
"""Caffe's float32 FLT_MAX: the start of a MAX window (and an in-place Eltwise MAX), which
an empty window keeps."""


def canonical_axis(axis: int, ndim: int, field: str = "axis") -> int:
    """Caffe's Blob::CanonicalAxisIndex: ``-ndim <= axis < ndim``, negatives from the end."""
    if not -ndim <= axis < ndim:
        raise OpError(f"axis {axis} is out of range for a {ndim}-axis blob "
                      f"(expected {-ndim} <= axis < {ndim})", field=field)
    return axis + ndim if axis < 0 else axis


def count(shape: Shape, start: int = 0, end: int | None = None) -> int:
    """Caffe's Blob::count(start, end): the product of the dimensions in [start, end)."""
    return prod(shape[start:end])


def spatial_values(values: Sequence[int], n: int, default: int, field: str) -> tuple[int, ...]:
    """Caffe's rule for repeated spatial fields (kernel_size, stride, pad, dilation): none
    given means ``default`` on every axis, one value applies to every axis, else exactly one
    per spatial axis."""
    if len(values) == 0:
        return (default,) * n
    if len(values) == 1:
        return (int(values[0]),) * n
    if len(values) != n:
        raise OpError(f"{len(values)} values given for {n} spatial axes "
                      f"(expected 1 or {n})", field=field)
    return tuple(int(v) for v in values)


def refuse_in_place(layer: caffe_pb2.LayerParameter) -> None:
    """Caffe's ``CHECK_NE(top[i], bottom[i])`` for layers that cannot share their bottom's
    memory (AbsVal, Split, Flatten, Reshape): a top named as the bottom at its index."""
    for top, bottom in zip(layer.top, layer.bottom):
        if top == bottom:
            raise OpError(f"{layer.type} cannot run in place: top '{top}' is also its bottom "
                          "(expected a new top name)")


def unify_dims(a: Sequence[Any], b: Sequence[Any], reason: str) -> None:
    """Two shapes (or parts of shapes) that Caffe requires equal: where they differ only by
    symbols of a fragment's inputs that the other side fixes, raises ``SymbolBinding`` so
    that shape inference substitutes them and starts again. Otherwise returns, and the
    caller's own check applies."""
    if len(a) != len(b):
        return
    values: dict[str, Any] = {}
    for x, y in zip(a, b):
        if x != y:
            found = unify(x, y)
            if found is None:
                return
            values.update(found)
    if values:
        raise SymbolBinding(values, reason)


def known_less(a: Any, b: Any) -> bool:
    """``a < b`` for a validity check: False where either side is a symbolic size of a
    fragment's input (the size is taken to fit; the run time then checks it)."""
    if is_symbolic(a) or is_symbolic(b):
        return False
    return bool(a < b)


def known_nonzero(x: Any) -> bool:
    """``x != 0`` for a validity check (a remainder that must be 0): False where ``x`` is a
    symbolic size of a fragment's input (it is taken to fit)."""
    return not is_symbolic(x) and bool(x)


def symbolic_error(graph: Graph, node: Node, error: SymbolicShapeError,
                   what: str = "its shape rule") -> LayerError:
    """A layer that needs a size the fragment leaves symbolic: which input, which flag."""
    symbols = error.symbols or sorted(set().union(*(symbols_of(v.shape) for v in node.inputs
                                                    if v.shape is not None)))
    given = set().union(*(symbols_of(v.shape) for v in graph.inputs))
    if symbols and not set(symbols) & given:  # sizes the data decide (a Filter's count)
        return LayerError(f"{what} needs a concrete size where the data decide it: "
                          f"{', '.join(symbols)}, known only when the net runs ({error})",
                          layer=node.name, type=node.type, location=node.location)
    blobs = [v for v in graph.inputs if symbols_of(v.shape) & set(symbols)] or \
        [v for v in graph.inputs if symbols_of(v.shape)]
    named = ", ".join(f"{', '.join(sorted(symbols_of(v.shape) & set(symbols))) or 'a size'} "
                      f"of '{v.blob}' ({format_shape(v.shape)})" for v in blobs)
    flags = " ".join(f"--input-shape {v.blob}=N,C,H,W" for v in blobs)
    return LayerError(f"{what} needs a concrete size where the net leaves {named} symbolic "
                      f"({error}); give it: {flags} (Python: input_shapes=...)",
                      layer=node.name, type=node.type, location=node.location)


def import_modules(package: str, path: Sequence[str]) -> list[str]:
    """Imports every module of a package (its families: each registers what it defines),
    in name order; returns their names. A family is a module, listed nowhere else."""
    import importlib
    import pkgutil

    names = sorted(m.name for m in pkgutil.iter_modules(path) if not m.name.startswith("_"))
    for name in names:
        importlib.import_module(f"{package}.{name}")
    return names
