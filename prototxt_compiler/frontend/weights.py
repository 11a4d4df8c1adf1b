"""Parameter blobs: reading a .caffemodel in place, attaching its blobs to a graph, or
initialising them with the layers' fillers as Caffe does when no weights are given.

Reading. A .caffemodel is a binary NetParameter: layers in ``layer`` (field 100) or, in old
files, V1 ``layers`` (field 2, possibly wrapping a V0 ``layer``), each with a name and
``blobs``. The file is memory-mapped (copy-on-write, so arrays are writable without touching
the file) and scanned with ``wire.fields``; each blob is read by ``blobs.read_blob``: packed
float ``data`` becomes an ``np.frombuffer`` view of the mapping, so loading copies no
parameter data and its memory is the pages that are read; unpacked floats and
``double_data`` are copied out in bulk. A blob's declared shape is checked against the values
the file holds before anything is copied. Layer names are UTF-8, as Caffe's are (other bytes
are an error), and the file is at most ``MAX_CAFFEMODEL_BYTES``, Caffe's own limit.

Attaching follows Caffe's ``Net::CopyTrainedLayersFrom``: blobs go to the layer of the same
name; a layer of the file that the net lacks is ignored (with a note). Unlike Caffe, a layer
that expects blobs and is absent from the file is an error (Caffe would leave its random
init). A blob fits when its shape is the expected one up to leading 1s (the legacy 4-D form
(1, 1, N, K) of an InnerProduct weight (N, K); a (1,) for PReLU's scalar slope) and is then
reshaped to the expected shape, still a view.

Initialising first adds up what every blob needs and refuses, before allocating anything, a
net needing more than a memory budget (``limits.PARAM_BUDGET_BYTES`` unless the caller gives
``budget``), naming its largest layer and the sizes.
"""
from __future__ import annotations

import mmap
import os
import stat
from collections.abc import Iterable, Iterator, Mapping, Sequence
from math import prod

import numpy as np

from .. import limits
from ..errors import CompilerError, LayerError, OpError, UsageError, WeightsError
from ..ir import Graph, Node, Shape
from ..ops import OPS
from ..ops.fillers import fill
from ..proto.wire import LENGTH, WireError, fields
from .blobs import BlobError, read_blob
from .reader import file_name, text_not_weights

__all__ = ["read_caffemodel", "attach_weights", "init_weights", "map_caffemodel"]

# message -> (name field, blobs field, nested V0 layer field or None)
_V2_LAYER, _V1_LAYER, _V0_LAYER = (1, 7, None), (4, 6, 1), (1, 50, None)


# Reading

def read_caffemodel(path: str | os.PathLike[str]) -> dict[str, list[np.ndarray]]:
    """Layer name -> its parameter blobs (float32), in the file's layer order; views of a
    memory map of the file where the data is packed float (Caffe always writes it so)."""
    where = file_name(path)
    buf = map_caffemodel(where)
    try:
        layers = dict(_scan_net(buf))
    except WireError as error:
        if error.truncated:
            raise WeightsError(f"the file is truncated or corrupt: {error}", where=where) from error
        raise WeightsError(f"not a Caffe .caffemodel (binary NetParameter): {error}"
                           + text_not_weights(bytes(buf[:4096])), where=where) from error
    except BlobError as error:
        raise WeightsError(str(error), where=where) from error
    if not layers:
        raise WeightsError("not a Caffe .caffemodel: the file holds no layers", where=where)
    return layers


def map_caffemodel(path: str, *, copy: bool = True) -> mmap.mmap:
    """The file mapped (copy-on-write with ``copy``, else read-only), after the checks
    Caffe's reader implies: a regular, non-empty file within Caffe's size limit."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))  # a pipe: no wait
    except OSError as error:
        raise WeightsError(f"cannot read the file: {error.strerror or error}",
                           where=path) from error
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise WeightsError("not a regular file; a .caffemodel must be one", where=path)
        if info.st_size == 0:
            raise WeightsError("the file is empty, not a .caffemodel", where=path)
        if info.st_size > limits.MAX_CAFFEMODEL_BYTES:
            raise WeightsError(f"the file is {info.st_size:,} bytes; Caffe reads at most "
                               f"{limits.MAX_CAFFEMODEL_BYTES:,}", where=path)
        return mmap.mmap(fd, 0, access=mmap.ACCESS_COPY if copy else mmap.ACCESS_READ)
    except (OSError, ValueError) as error:
        raise WeightsError(f"cannot map the file: {error}", where=path) from error
    finally:
        os.close(fd)


def _scan_net(buf: mmap.mmap) -> Iterator[tuple[str, list[np.ndarray]]]:
    for field in fields(buf, 0, len(buf)):
        if field.number == 100:
            yield _scan_layer(buf, _expect(field, LENGTH, "layer"), _V2_LAYER)
        elif field.number == 2:
            yield _scan_layer(buf, _expect(field, LENGTH, "layers"), _V1_LAYER)


def _expect(field: tuple[int, int, int, int], wire_type: int, name: str) -> tuple[int, int]:
    number, kind, start, stop = field
    if kind != wire_type:
        raise WireError(f"field {number} ({name}) has wire type {kind}, expected {wire_type}",
                        offset=start, truncated=False)
    return start, stop


def _scan_layer(buf: mmap.mmap, span: tuple[int, int],
                numbers: tuple[int, int, int | None]) -> tuple[str, list[np.ndarray]]:
    name_field, blobs_field, v0_field = numbers
    name, blobs = "", list[np.ndarray]()
    for field in fields(buf, *span):
        if field.number == name_field:
            start, stop = _expect(field, LENGTH, "name")
            try:
                name = bytes(buf[start:stop]).decode("utf-8")
            except UnicodeDecodeError:
                raise BlobError(f"the layer name at byte {start} is not valid UTF-8 (Caffe's "
                                "names are UTF-8 text)") from None
        elif field.number == blobs_field:
            blobs.append(read_blob(buf, *_expect(field, LENGTH, "blobs"), name, len(blobs)))
        elif field.number == v0_field:
            v0_name, v0_blobs = _scan_layer(buf, _expect(field, LENGTH, "layer"), _V0_LAYER)
            name, blobs = name or v0_name, blobs + v0_blobs
    return name, blobs


# Attaching

def attach_weights(graph: Graph, blobs: Mapping[str, Sequence[np.ndarray]], *,
                   where: str | None = None) -> list[str]:
    """Sets ``node.blobs`` of every node that expects blobs from ``blobs`` (by layer name);
    returns notes. Every misfit (missing layer, wrong number of blobs, wrong shape) is
    listed in one ``WeightsError``; the graph is left untouched then."""
    problems: list[str] = []
    fitted: list[tuple[Node, tuple[np.ndarray, ...]]] = []
    for node in graph.nodes:
        expected = OPS[node.type].blobs(node.params, node.input_shapes())
        found = blobs.get(node.name)
        if not expected and not found:
            continue
        result = _fit(node, expected, found)
        if isinstance(result, str):
            problems.append(result)
        else:
            fitted.append((node, result))
    if problems:
        raise WeightsError(_misfit_summary(graph, blobs, problems), where=where)
    for node, arrays in fitted:
        node.blobs = arrays
    names = {node.name for node in graph.nodes}
    extra = [name for name, arrays in blobs.items() if len(arrays) and name not in names]
    if extra:
        return [f"weights for {len(extra)} layer(s) the net lacks were ignored: "
                f"{', '.join(extra)}"]
    return []


MAX_LISTED = 10  # misfits listed one by one; the rest are counted


def _misfit_summary(graph: Graph, blobs: Mapping[str, Sequence[np.ndarray]],
                    problems: list[str]) -> str:
    """The misfits, summary first: weights for another net share few layer names."""
    wanted = [n.name for n in graph.nodes
              if n.name in blobs or OPS[n.type].blobs(n.params, n.input_shapes())]
    common = sum(1 for name in wanted if name in blobs)
    if len(problems) == 1:
        return problems[0]
    if not common:
        head = (f"the weights have no layer names in common with the net ({len(wanted)} "
                f"layer(s) with parameters; the file names {len(blobs)} other layer(s)): "
                "are they the weights of another net?")
    else:
        head = (f"{len(problems)} of the net's {len(wanted)} layer(s) with parameters do not "
                f"fit the weights ({common} name(s) in common)")
    listed = "\n  ".join(problems[:MAX_LISTED])
    more = f"\n  ... and {len(problems) - MAX_LISTED} more" if len(problems) > MAX_LISTED else ""
    return f"{head}:\n  {listed}{more}"


def _fit(node: Node, expected: Sequence[Shape],
         found: Sequence[np.ndarray] | None) -> tuple[np.ndarray, ...] | str:
    """The blobs reshaped to the expected shapes, or what is wrong with them."""
    layer = f"layer '{node.name}' ({node.type})"
    want = ", ".join(str(list(s)) for s in expected)
    if found is None:
        return f"{layer} expects {len(expected)} blob(s) [{want}] but the weights have no " \
               "layer of that name"
    if len(found) != len(expected):
        more = "too many" if len(found) > len(expected) else "too few"
        have = ", ".join(str(list(a.shape)) for a in found)
        return f"{layer} expects {len(expected)} blob(s) [{want}], the weights have " \
               f"{len(found)} [{have}] ({more})"
    arrays = []
    for i, (shape, array) in enumerate(zip(expected, found)):
        if _strip_ones(tuple(shape)) != _strip_ones(array.shape):
            return f"{layer} blob {i}: expected shape {list(shape)}, found " \
                   f"{list(array.shape)}"
        arrays.append(np.asarray(array, np.float32).reshape(shape))
    return tuple(arrays)


def _strip_ones(shape: tuple[int, ...]) -> tuple[int, ...]:
    """The shape without leading 1s: (1, 1, N, K) and (N, K) hold the same numbers alike."""
    i = 0
    while i < len(shape) and shape[i] == 1:
        i += 1
    return shape[i:]


# Initialising

def init_weights(graph: Graph, *, seed: int = 0, budget: int | None = None) -> list[str]:
    """Fills every parameter blob with its layer's filler, as Caffe does for a net built
    without weights (a numpy Generator seeded by ``seed``, layers in order: deterministic).
    A net whose blobs need more than ``budget`` bytes (``limits.PARAM_BUDGET_BYTES`` when
    None) is refused first, before any allocation. Returns a note saying what was done."""
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise UsageError(f"seed is {seed!r}, expected a non-negative integer")
    budget = limits.PARAM_BUDGET_BYTES if budget is None else budget
    if isinstance(budget, bool) or not isinstance(budget, int) or budget < 0:
        raise UsageError(f"budget is {budget!r}, expected a non-negative number of bytes")
    plan = [(node, shapes) for node in graph.nodes if (shapes := _blob_shapes(node))]
    _check_budget(plan, budget)
    rng = np.random.default_rng(seed)
    for node, shapes in plan:
        node.blobs = _fill_node(node, shapes, rng)
    if not plan:
        return []
    notes = [f"no weights given: the parameters of {len(plan)} layer(s) were initialised by "
             f"their fillers (seed {seed}), as Caffe does for a new net; they are not trained"]
    return notes + _fresh_statistics(node for node, _ in plan)


def _fresh_statistics(nodes: Iterable[Node]) -> list[str]:
    """A note where filled BatchNorms use their stored statistics: Caffe's fresh ones are
    zeros (mean 0, variance 0 and factor 0), so each such layer multiplies by 1/sqrt(eps)."""
    fresh = [node for node in nodes if node.type == "BatchNorm" and node.params.global_stats]
    if not fresh:
        return []
    eps = {float(node.params.eps) for node in fresh}
    gain = f" (x{1 / np.sqrt(np.float32(eps.pop())):.0f})" if len(eps) == 1 else ""
    return [f"the {len(fresh)} BatchNorm layer(s) use their stored statistics, which a new "
            "net holds as zeros: each multiplies its input by 1/sqrt(eps)" + gain + ", and "
            "a deep net's outputs reach inf and NaN, as they do in Caffe; trained weights "
            "(-w) carry real statistics"]


def _blob_shapes(node: Node) -> list[tuple[int, ...]]:
    return [tuple(s) for s in OPS[node.type].blobs(node.params, node.input_shapes())]


def _bytes(count: int) -> str:
    for unit, size in (("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)):
        if count >= size:
            return f"{count / size:,.1f} {unit}"
    return f"{count} bytes"


def _check_budget(plan: list[tuple[Node, list[tuple[int, ...]]]], budget: int) -> None:
    sizes = [4 * sum(prod(s) for s in shapes) for _, shapes in plan]  # float32
    total = sum(sizes)
    if total <= budget:
        return
    largest = max(range(len(plan)), key=sizes.__getitem__)
    node, shapes = plan[largest]
    raise LayerError(
        f"its parameter blobs {', '.join(str(list(s)) for s in shapes)} need "
        f"{_bytes(sizes[largest])}, and the net's {_bytes(total)} in all ({total // 4:,} "
        f"float32 values), above the budget of {_bytes(budget)} for blobs made without "
        "weights; nothing was allocated (give a .caffemodel, or a larger budget: "
        "--param-budget, or budget= in Python)",
        layer=node.name, type=node.type, location=node.location)


def _fill_node(node: Node, shapes: list[tuple[int, ...]],
               rng: np.random.Generator) -> tuple[np.ndarray, ...]:
    op = OPS[node.type]
    bottoms = node.input_shapes()
    try:
        if op.fillers is None:
            raise OpError(f"no fillers are known for layer type {node.type}")
        fillers = op.fillers(node.params, bottoms)
        return tuple(fill(f, s, rng) for f, s in zip(fillers, shapes, strict=True))
    except CompilerError as error:
        field = error.field if isinstance(error, OpError) else None
        raise LayerError(error.message, layer=node.name, type=node.type, field=field,
                         location=node.location) from error
