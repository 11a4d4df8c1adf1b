"""What importers work with: the graph being built and every ONNX value's meaning so far.

An ONNX value is one of
- a constant (an initializer, a ``Constant``, or a folded subgraph): a numpy array;
- a Caffe value (``ir.Value``) some layer writes, or a graph input;
- a pending *view*: a reshape of a Caffe value (Reshape, Flatten, Squeeze, Unsqueeze, a
  Transpose that only moves axes of size 1) not written yet. Consumers that can read
  through it (InnerProduct reads a 4-D blob as Flatten would; a chain of reshapes is one)
  do; anything else asks for ``value()``, which writes one Caffe ``Flatten`` or ``Reshape``;
- a pending *zero pad* (an ONNX ``Pad``): Convolution and AVE pooling fold it into their own
  padding where that is exact; ``value()`` writes it as an explicit pad layer otherwise;
- a pending *transpose* (``Permuted``): a Caffe value read with its axes permuted. The ops
  that commute with a permutation are imported on the value itself (``layout``), so a
  transpose that comes back (channels-last and back, as ConvNeXt's blocks do) costs nothing;
  ``value()`` writes it as moves (``transpose``) for any other reader;
- a pending *shuffle* (``Shuffled``): a reshape of a pending transpose that merges axes the
  value holds in another order (Keras's Flatten of a channels-last map before its Dense
  layer): the value viewed to that shape, its last axis's elements taken in a fixed order.
  An InnerProduct reading it takes its weight's rows in that order instead (``layout``),
  so the transpose is never written; ``value()`` writes the transpose and the reshape for
  any other reader.

The explicit pad layer is BVLC-exact for every input, inf and NaN included. Per padded axis
(W, then H): a Slice cuts the input's first element off (an axis of 1 is used whole), a
Power of scale 0 turns it into zeros (Caffe's Power fills its constant without reading x
when power * scale is 0), a Tile repeats that block ``b`` and ``e`` times, and a Concat
writes zeros, the first element, the rest, zeros. Every value is copied exactly and each
zero is written, not computed (a one-hot convolution kernel would add 0 * inf = NaN).

``layer()`` adds a Caffe layer, computes its tops' shapes by Caffe's rules (``ops``) at
once, and binds the ONNX outputs to them; a rule that fails is a refusal of the node.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from math import prod
from typing import Any, Union

import numpy as np

from ... import limits
from ...errors import OpError
from ...ir import Graph, Node, Shape, Value, blob_too_big
from ...ops import OPS
from ...ops.activation import PowerParams
from ...ops.concat import ConcatParams, SliceParams
from ...ops.inputs import ParameterParams
from ...ops.shape import FlattenParams, ReshapeParams, TileParams
from .model import OnnxModel, OnnxNode
from .names import Namer, caffe_name
from .registry import IMPORTERS, Refused

__all__ = ["Context", "View", "Padded", "Permuted", "Shuffled", "Meaning", "caffe_rules",
           "made_blob"]


@dataclass(frozen=True)
class View:
    """``base`` read with another shape (same elements, same order)."""

    base: Value
    shape: Shape
    node: OnnxNode
    merges_batch: bool = False  # its first axis is the batch times the axes after it


@dataclass(frozen=True)
class Padded:
    """``base`` (N, C, H, W) zero-padded by ``begin`` (h, w) before and ``end`` after."""

    base: Value
    begin: tuple[int, int]
    end: tuple[int, int]
    node: OnnxNode

    @property
    def shape(self) -> Shape:
        n, c, h, w = self.base.shape  # type: ignore[misc]
        return (n, c, h + self.begin[0] + self.end[0], w + self.begin[1] + self.end[1])


@dataclass(frozen=True)
class Permuted:
    """``base`` (a value, or a view or pad of one) transposed by ``perm``: axis i of the ONNX
    value is axis ``perm[i]`` of ``base``; ``node`` names the layers that write it where it
    must be written (the Transpose, or the node whose output it is)."""

    base: Value | View | Padded
    perm: tuple[int, ...]
    node: OnnxNode
    origin: OnnxNode | None = None  # the Transpose it comes from, where ``node`` is not

    @property
    def transpose(self) -> OnnxNode:
        return self.origin or self.node

    @property
    def shape(self) -> Shape:
        base = tuple(self.base.shape or ())
        return tuple(base[p] for p in self.perm)


@dataclass(frozen=True, eq=False)
class Shuffled:
    """The reshape ``node`` of a pending transpose, as ``flat`` (the transpose's base viewed
    to the same shape) with its last axis's elements taken in ``order``: element i of that
    axis of the ONNX value is element ``order[i]`` of ``flat``'s."""

    flat: Value | View
    order: np.ndarray
    node: OnnxNode

    @property
    def base(self) -> Value:
        """The Caffe value it reads."""
        return self.flat if isinstance(self.flat, Value) else self.flat.base

    @property
    def shape(self) -> Shape:
        return tuple(self.flat.shape or ())


Meaning = Union[np.ndarray, Value, View, Padded, Permuted, Shuffled]

#: ONNX ops that only reshape: a view they make, written, is a layer named after them
VIEW_OPS = frozenset({"Reshape", "Flatten", "Squeeze", "Unsqueeze", "Transpose", "Identity",
                      "Dropout"})


def caffe_rules(type: str, params: Any, bottoms: Sequence[Any],
                num_tops: int) -> tuple[Any, list[Shape], list[Shape]]:
    """Caffe's rules for a layer: its bound params, its tops' shapes and the shapes of the
    parameter blobs it expects (``OpError`` where Caffe refuses it)."""
    op = OPS[type]
    bound = op.bind(params, bottoms) if op.bind else params
    return bound, op.infer(bound, bottoms, num_tops), op.blobs(bound, bottoms)


def made_blob(shape: Sequence[int], fill: float, what: str) -> np.ndarray:
    """A float32 blob of ``shape`` filled with ``fill``, for a weight the import makes (a
    unit kernel, a kernel widened with zeros) from sizes the model declares: ``Refused``,
    before anything is allocated, past ``limits.PARAM_BUDGET_BYTES``."""
    nbytes = 4 * prod(int(d) for d in shape)
    if nbytes > limits.PARAM_BUDGET_BYTES:
        raise Refused(f"{what} needs a weight of {list(shape)} ({nbytes:,} bytes), past the "
                      f"budget of {limits.PARAM_BUDGET_BYTES:,} bytes for parameters the "
                      "compiler makes")
    return np.full(tuple(int(d) for d in shape), fill, np.float32)


class Context:
    def __init__(self, graph: Graph, model: OnnxModel, *, uses: Mapping[str, int],
                 preferred: Mapping[str, str], names: Namer, fork: str | None = None) -> None:
        self.graph = graph
        self.fork = fork  # the Caffe fork whose layers may be written (None: BVLC only)
        self.opset = model.opset
        self.names = names
        self.uses = uses
        self.outputs = set(model.outputs)
        self.preferred = preferred
        self.output_blobs: dict[str, str] = {}  # graph output -> its blob, claimed up front
        self._claimed: set[str] = set()
        self.consts: dict[str, np.ndarray] = dict(model.initializers)
        self.values: dict[str, Value] = {}
        self.pending: dict[str, View | Padded | Permuted | Shuffled] = {}
        self.poisoned: set[str] = set()

    # -- reading ONNX values ------------------------------------------------------------
    def known(self, name: str) -> bool:
        return name in self.consts or name in self.values or name in self.pending

    def const(self, name: str) -> np.ndarray | None:
        return self.consts.get(name) if name else None

    def peek(self, name: str) -> Meaning:
        for table in (self.consts, self.values, self.pending):
            if name in table:
                return table[name]  # type: ignore[return-value]
        raise Refused(f"its input '{name}' is not produced by any node before it")

    def shape(self, name: str) -> Shape:
        meaning = self.peek(name)
        if isinstance(meaning, np.ndarray):
            return tuple(int(d) for d in meaning.shape)
        if isinstance(meaning, Value):
            return meaning.shape  # type: ignore[return-value]
        return meaning.shape

    def constant(self, node: OnnxNode, i: int, what: str) -> np.ndarray:
        """Input ``i`` of ``node``, which must be a constant (a weight, a shape, a slope)."""
        name = node.input(i)
        array = self.const(name)
        if array is None:
            raise Refused(f"its {what} ('{name}') is computed at run time; Caffe needs it "
                          "constant")
        return array

    def single_use(self, name: str) -> bool:
        """Whether exactly one node reads ``name`` and it is not a graph output."""
        return self.uses.get(name, 0) == 1 and name not in self.outputs

    def value(self, name: str) -> Value:
        """The Caffe value of ``name``, writing a pending view or pad (or a constant, as a
        Parameter layer) as a layer first."""
        meaning = self.peek(name)
        if isinstance(meaning, Value):
            return meaning
        if isinstance(meaning, np.ndarray):
            value = self._parameter(name, meaning)
        elif isinstance(meaning, View):
            value = self._write_view(name, meaning)
        elif isinstance(meaning, Permuted):
            from .transpose import write_permuted  # transpose builds on this module

            value = write_permuted(self, name, meaning)
        elif isinstance(meaning, Shuffled):
            self.unshuffle(name)
            return self.value(name)
        else:
            value = self.zero_pad(meaning.node, meaning.base, meaning.begin, meaning.end,
                                  outputs=(name,))
        self.pending.pop(name, None)
        self.values[name] = value
        return value

    def unshuffle(self, name: str) -> None:
        """A pending shuffle as what its reshape makes of the transpose written: the
        transpose's layers, the reshape a pending view of them."""
        meaning = self.pending.pop(name)
        assert isinstance(meaning, Shuffled)
        try:
            IMPORTERS[meaning.node.op_type](self, replace(meaning.node, outputs=(name,)))
        except Refused:
            self.pending[name] = meaning  # each reader is refused alike
            raise

    # -- binding ONNX values ------------------------------------------------------------
    def alias(self, name: str, meaning: Meaning) -> None:
        if isinstance(meaning, np.ndarray):
            self.consts[name] = meaning
        elif isinstance(meaning, Value):
            self.values[name] = meaning
        else:
            self.pending[name] = meaning

    def view(self, node: OnnxNode, name: str, source: str, shape: Sequence[int], *,
             merges_batch: bool = False) -> None:
        """``name`` is ``source`` reshaped to ``shape``: a pending view (or ``source``
        itself when the shape is unchanged); ``merges_batch``: its first axis is the batch
        times the axes after it (``reshape``)."""
        shape = tuple(int(d) for d in shape)
        meaning = self.peek(source)
        if isinstance(meaning, np.ndarray):
            self.consts[name] = meaning.reshape(shape)
            return
        base = meaning.base if isinstance(meaning, View) else self.value(source)
        if prod(shape) != prod(base.shape or ()):
            raise Refused(f"a reshape of {list(base.shape or ())} to {list(shape)} changes "
                          "the number of elements")
        if shape == base.shape:
            self.values[name] = base
        else:
            self.pending[name] = View(base, shape, node, merges_batch)

    # -- adding Caffe layers ------------------------------------------------------------
    def blob(self, onnx_name: str, node: OnnxNode | None = None) -> str:
        text = self.preferred.get(onnx_name, onnx_name)
        if text in self.output_blobs and text not in self._claimed:
            self._claimed.add(text)
            return self.output_blobs[text]
        return self.names.blob(text, node=node.name if node is not None else None)

    def claim_output_names(self, outputs: Sequence[str]) -> None:
        """Reserves each graph output's name for the blob that will hold it, before any
        inner blob can take it."""
        for name in outputs:
            if name not in self.output_blobs and name not in self.values:
                self.output_blobs[name] = self.names.reserve_blob(caffe_name(name))

    def layer(self, node: OnnxNode, type: str, params: Any, inputs: Sequence[Value],
              outputs: Sequence[str] | None = None, *, tops: Sequence[str] | None = None,
              blobs: Sequence[np.ndarray] | None = None, suffix: str = "",
              name: str | None = None) -> Node:
        """Adds a Caffe layer named after ``node`` (+ ``suffix``). Its tops are new blobs
        named after the ONNX ``outputs`` (default: the node's first output), which are
        bound to them; or the blob names ``tops`` as given (an in-place layer reuses its
        bottom's), binding ``outputs`` only where given. ``name`` overrides the layer's
        name."""
        if tops is None:
            outputs = tuple(outputs) if outputs is not None else node.outputs[:1]
            tops = [self.blob(o, node) for o in outputs]
        name = self.names.layer(name or (node.name or node.outputs[0]) + suffix)
        return self._add(name, type, params, inputs, tops, outputs, blobs)

    def relayer(self, old: Node, params: Any, blobs: Sequence[np.ndarray],
                outputs: Sequence[str], node: OnnxNode) -> Node:
        """Replaces the layer ``old`` (whose tops nothing reads yet) by one of the same name,
        type and bottoms with new params and blobs, its top named after ``outputs``."""
        index = self.graph.nodes.index(old)
        inputs = old.inputs
        self.graph.remove(old)
        tops = [self.blob(o, node) for o in outputs]
        return self._add(old.name, old.type, params, inputs, tops, outputs,
                         list(blobs) or None, index=index)

    def _add(self, name: str, type: str, params: Any, inputs: Sequence[Value],
             tops: Sequence[str], outputs: Sequence[str] | None,
             blobs: Sequence[np.ndarray] | None, index: int | None = None) -> Node:
        arrays = None if blobs is None else [np.asarray(b, dtype=np.float32, order="C")
                                            for b in blobs]
        caffe = self.graph.add_node(name, type, params, list(inputs), list(tops), blobs=arrays,
                                    index=index)
        try:
            bound, shapes, expected = caffe_rules(type, params, [v.shape for v in caffe.inputs],
                                                  len(caffe.outputs))
        except OpError as error:
            self.graph.remove(caffe, safe=False)
            raise Refused(f"Caffe refuses the {type} layer it needs: {error.message}"
                          + (f" ({error.field})" if error.field else "")) from error
        if arrays is not None and [tuple(a.shape) for a in arrays] != [tuple(s) for s in expected]:
            self.graph.remove(caffe, safe=False)
            raise Refused(f"its {type} layer would hold blobs "
                          f"{[list(a.shape) for a in arrays]}, Caffe expects "
                          f"{[list(s) for s in expected]}")
        for value, shape in zip(caffe.outputs, shapes):
            too_big = blob_too_big(shape)
            if too_big:
                self.graph.remove(caffe, safe=False)
                raise Refused(f"its {type} layer's top {too_big}")
        caffe.params = bound
        for value, shape in zip(caffe.outputs, shapes):
            value.shape = tuple(int(d) for d in shape)
        for onnx_name, value in zip(outputs or (), caffe.outputs):
            self.values[onnx_name] = value
        return caffe

    def zero_pad(self, node: OnnxNode, x: Value, begin: Sequence[int], end: Sequence[int],
                 *, outputs: Sequence[str] | None = None, value: float = 0.0) -> Value:
        """``x`` (N, C, H, W) zero-padded on H and W by the explicit pad layer (module
        docstring), or padded with ``value`` (the Power writes that constant); its top is
        named after ``outputs`` or is a new inner blob."""
        if len(x.shape or ()) != 4:
            raise Refused(f"an explicit zero pad needs a 4-D (N, C, H, W) input, not "
                          f"{list(x.shape or ())}")
        base = node.name or node.outputs[0]
        axes = [(axis, b, e) for axis, b, e in ((3, begin[1], end[1]), (2, begin[0], end[0]))
                if b or e]
        for index, (axis, b, e) in enumerate(axes):
            final = index == len(axes) - 1
            x = self._zero_pad_axis(node, x, axis, b, e, base, f"pad_{'hw'[axis - 2]}",
                                    outputs if final else None, final, value)
        return x

    def _zero_pad_axis(self, node: OnnxNode, x: Value, axis: int, before: int, after: int,
                       base: str, label: str, outputs: Sequence[str] | None,
                       final: bool, value: float = 0.0) -> Value:
        """One axis of ``zero_pad``: layers ``BASE/LABEL_*``; the Concat is ``BASE/pad`` when
        ``final`` (bound to ``outputs`` where given), else ``BASE/LABEL``."""
        def blob(part: str) -> str:
            return self.names.blob(f"{base}/{label}_{part}")

        if int(x.shape[axis]) > 1:  # type: ignore[index]
            cut = self.layer(node, "Slice", SliceParams(axis=axis, slice_point=(1,),
                                                        num_tops=2), [x],
                             tops=[blob("first"), blob("rest")], suffix=f"/{label}_slice")
            pieces = list(cut.outputs)
        else:
            pieces = [x]
        part = "zero" if value == 0.0 else "fill"
        zero = self.layer(node, "Power", PowerParams(scale=0.0, shift=value), [pieces[0]],
                          tops=[blob(part)], suffix=f"/{label}_{part}").outputs[0]
        blocks: list[list[Value]] = []
        for count, side in ((before, "before"), (after, "after")):
            if count <= 1:
                blocks.append([zero] * count)
            else:
                blocks.append([self.layer(node, "Tile", TileParams(axis=axis, tiles=count),
                                          [zero], tops=[blob(side)],
                                          suffix=f"/{label}_{side}").outputs[0]])
        parts = blocks[0] + pieces + blocks[1]
        params = ConcatParams(axis=axis)
        if outputs:
            return self.layer(node, "Concat", params, parts, outputs).outputs[0]
        name = "pad" if final else label
        return self.layer(node, "Concat", params, parts,
                          tops=[self.names.blob(f"{base}/{name}")],
                          suffix=f"/{name}").outputs[0]

    def _write_view(self, name: str, view: View) -> Value:
        """A Caffe Flatten where the view merges one run of axes, else a Reshape. It takes
        the name of the node that made the view where that node only reshapes (an ONNX
        Reshape, Flatten...) and this is its output; a view another importer made on the way
        is named ``NODE/label`` (its value ``OUTPUT/label``) or ``NODE/view``, leaving the
        node's name to the layer that computes it."""
        node = view.node
        suffix = ""
        if node.op_type not in VIEW_OPS or name not in node.outputs:
            out = node.outputs[0] if node.outputs else ""
            suffix = name[len(out):] if out and name.startswith(out + "/") else "/view"
        base = tuple(view.base.shape or ())
        for start in range(len(base)):
            for end in range(start + 1, len(base)):
                merged = base[:start] + (prod(base[start:end + 1]),) + base[end + 1:]
                if merged == view.shape:
                    params: Any = FlattenParams(axis=start, end_axis=end)
                    return self.layer(node, "Flatten", params, [view.base], (name,),
                                      suffix=suffix).outputs[0]
        return self.reshape(node, view.base, view.shape, outputs=(name,), suffix=suffix,
                            merges_batch=view.merges_batch)

    def reshape(self, node: OnnxNode, x: Value, shape: Sequence[int], *,
                outputs: Sequence[str] | None = None, tops: Sequence[str] | None = None,
                suffix: str = "", merges_batch: bool = False) -> Value:
        """A Caffe Reshape of ``x`` to ``shape``, the batch written as 0 where it is kept
        (so the net reshapes at another batch size too), or as -1 where ``merges_batch``
        says the first axis is the batch times the axes after it; tops as ``layer`` names
        them."""
        dims = [int(d) for d in shape]
        base = tuple(x.shape or ())
        if dims and base and dims[0] == base[0]:
            dims[0] = 0
        elif dims and merges_batch:
            dims[0] = -1
        params = ReshapeParams(shape=tuple(dims), written=tuple(dims))
        return self.layer(node, "Reshape", params, [x], outputs, tops=tops,
                          suffix=suffix).outputs[0]

    def _parameter(self, name: str, array: np.ndarray) -> Value:
        node = OnnxNode(name=name, op_type="Constant", domain="", inputs=(), outputs=(name,))
        shape = tuple(int(d) for d in array.shape)
        return self.layer(node, "Parameter", ParameterParams(shape=shape), [], (name,),
                          blobs=[np.asarray(array, np.float32)]).outputs[0]
