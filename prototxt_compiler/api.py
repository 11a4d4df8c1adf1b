"""The one-call entry points: a prototxt (and .caffemodel) to a PyTorch module or an ONNX
file. They join the rooms (frontend, passes, backends); ``__init__`` exposes them lazily so
that importing the package imports neither torch nor onnx."""
from __future__ import annotations

import os
import pathlib
import warnings
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np

from .backends import DEFAULT_OPSET
from .checks import Report, check
from .errors import MAX_LISTED, CheckError, LayerError, ParseError, UsageError
from .frontend.importer import import_net
from .frontend.reader import read_net
from .frontend.upgrade import upgrade_net
from .frontend.weights import attach_weights, init_weights, read_caffemodel
from .ir import Graph, Shape, format_shape
from .passes.fold_batchnorm import fold_batchnorm
from .passes.infer_shapes import infer_shapes, require_concrete_blobs
from .passes.remove_identity import remove_identity_layers
from .plugins import load_plugins

__all__ = ["load", "load_with_weights", "load_torch", "fold_graph", "compile_onnx",
           "check_file", "load_for_check", "generate", "checked_input_shapes",
           "write_atomically"]


def load(path: str | os.PathLike[str], *, input_shapes: Mapping[str, Sequence[int]] | None = None,
         phase: str = "TEST", stages: Sequence[str] | None = None,
         allow_unknown_fields: bool = False, weights: str | os.PathLike[str] | None = None,
         fork: str | None = None, shape_errors: list[LayerError] | None = None) -> Graph:
    """Parses a Caffe net definition (prototxt text or binary; current or legacy V0/V1
    format) and returns its graph with every blob's shape as Caffe computes it.

    ``input_shapes`` maps blob names to shapes: it overrides declared input shapes (a new
    batch size, say) and gives the shapes of blobs a fragment reads but does not produce;
    the key ``""`` names the net's one input, whatever it is called. A fragment's input
    whose shape is not given keeps symbolic sizes (``N``, ``C``, ``H``, ``W``) where the
    net does not fix them. ``phase`` ("TEST" or "TRAIN") and ``stages`` select layers by
    their include/exclude rules. ``weights`` (a .caffemodel) gives every layer its blobs.
    ``fork`` names the Caffe fork a binary NetParameter comes from (text needs none: fork
    fields are found by name). Plugins of the entry-point group ``prototxt_compiler.layers``
    are loaded on the first call.
    Parse notes (upgrades done, fork fields read, fields ignored, layers dropped, fragment
    inputs) are in ``graph.notes``.
    """
    if phase not in ("TEST", "TRAIN"):
        raise UsageError(f"phase is {phase!r}, expected 'TEST' or 'TRAIN'")
    shapes = checked_input_shapes(input_shapes)
    load_plugins()
    net, source = read_net(path, allow_unknown_fields=allow_unknown_fields, fork=fork)
    _refuse_weights_file(net, str(path))
    upgraded = upgrade_net(net, filename=str(path))
    if not upgraded.net.layer:
        raise ParseError("the file defines no layers: expected a Caffe net definition "
                         "(layer { name: ... type: ... })", where=str(path))
    graph = import_net(upgraded.net, source=source, origin=upgraded.origin, phase=phase,
                       stages=stages, input_shapes=shapes)
    graph.notes[:0] = list(source.notes) + [str(f) for f in source.ignored] + list(upgraded.notes)
    blobs = read_caffemodel(weights) if weights is not None else None
    derived = len(graph.notes)
    infer_shapes(graph, errors=shape_errors, weights=blobs)
    graph.notes[derived:derived] = _fragment_notes(graph)
    if blobs is not None:
        require_concrete_blobs(graph)
        graph.notes += attach_weights(graph, blobs, where=str(weights))
    return graph


def _fragment_notes(graph: Graph) -> list[str]:
    """A note per input of a fragment (the first ``MAX_LISTED``, then a count)."""
    shapes = {v.blob: v.shape for v in graph.inputs}
    notes = [f"'{blob}' is read (by {', '.join(repr(r) for r in readers[:MAX_LISTED])}"
             f"{', ...' if len(readers) > MAX_LISTED else ''}) but written by no layer: an "
             f"input of this fragment, {format_shape(shapes[blob])}"
             for blob, readers in list(graph.fragment_inputs.items())[:MAX_LISTED]]
    if len(graph.fragment_inputs) > MAX_LISTED:
        notes.append(f"... and {len(graph.fragment_inputs) - MAX_LISTED} more inputs of this "
                     "fragment")
    return notes


MAX_DIM = 2**31 - 1  # Caffe's blob dimensions are int32


def checked_input_shapes(input_shapes: Any) -> dict[str, Shape]:
    """``input_shapes`` as {blob: tuple of positive ints}, or a UsageError saying what is
    wrong with it (not a mapping, a name that is no string, a shape that is no sequence of
    integers, a dimension out of range)."""
    if input_shapes is None:
        return {}
    if not isinstance(input_shapes, Mapping):
        raise UsageError("input shapes must map blob names to shapes, e.g. "
                         "{'data': (1, 3, 224, 224)}; got a " + type(input_shapes).__name__)
    shapes: dict[str, Shape] = {}
    for name, shape in input_shapes.items():
        if not isinstance(name, str):
            raise UsageError(f"input shape key {name!r} is not a blob name (a string)")
        label = f"input shape for '{name}'" if name else "input shape"
        if isinstance(shape, (str, bytes)) or not isinstance(shape, Sequence | np.ndarray):
            raise UsageError(f"{label} is {shape!r}, expected a sequence of positive "
                             "integers such as (1, 3, 224, 224)")
        dims = []
        for d in shape:
            if isinstance(d, bool) or not isinstance(d, (int, np.integer)):
                raise UsageError(f"{label} is {list(shape)!r}: {d!r} is not an integer")
            dims.append(int(d))
        if not dims or any(d <= 0 or d > MAX_DIM for d in dims):
            raise UsageError(f"{label} is {dims}, expected positive dimensions up to "
                             f"{MAX_DIM:,} (Caffe's int32)")
        shapes[name] = tuple(dims)
    return shapes


def _refuse_weights_file(net: Any, where: str) -> None:
    """A .caffemodel holds a net and its blobs, usually the training net: refuse it as the
    definition, rather than drop the weights it carries."""
    with_blobs = sum(1 for layer in list(net.layer) + list(net.layers) if len(layer.blobs))
    if with_blobs:
        raise ParseError(f"this is a .caffemodel (trained weights: {with_blobs} layer(s) with "
                         "blobs), not a net definition: give the deploy .prototxt as the net "
                         "and this file as its weights (-w NET.caffemodel; Python: "
                         "weights=...)", where=where)


def load_with_weights(prototxt: str | os.PathLike[str],
                      weights: str | os.PathLike[str] | None = None,
                      input_shapes: Mapping[str, Sequence[int]] | None = None, *,
                      phase: str = "TEST", seed: int = 0, warn: bool = True,
                      allow_unknown_fields: bool = False, fork: str | None = None,
                      budget: int | None = None) -> Graph:
    """The shaped graph with every layer's blobs: from ``weights`` (a .caffemodel), or, without
    it, initialised by the layers' fillers as Caffe would (seeded), which a warning and a note
    in ``graph.notes`` say. ``budget``: the most bytes the fillers may make
    (``limits.PARAM_BUDGET_BYTES`` when None); a net needing more is refused first."""
    graph = load(prototxt, input_shapes=input_shapes, phase=phase, weights=weights,
                 allow_unknown_fields=allow_unknown_fields, fork=fork)
    if weights is None:
        require_concrete_blobs(graph)
        notes = init_weights(graph, seed=seed, budget=budget)
        graph.notes += notes
        if warn:
            for note in notes:
                warnings.warn(note, stacklevel=3)
    return graph


def fold_graph(graph: Graph) -> bool:
    """BatchNorm/Scale folded into the layers before them, Dropout and Split removed."""
    changed = fold_batchnorm(graph)
    return remove_identity_layers(graph) or changed


def load_torch(prototxt: str | os.PathLike[str], weights: str | os.PathLike[str] | None = None,
               input_shapes: Mapping[str, Sequence[int]] | None = None, *,
               phase: str = "TEST", seed: int = 0, fold: bool = False,
               budget: int | None = None) -> Any:
    """Parses ``prototxt``, loads ``weights`` and returns the eval-mode ``fx.GraphModule``.

    Without weights the parameters are initialised by the layers' fillers as Caffe would
    (deterministic for a given ``seed``), and a warning says they are not trained. With
    ``fold``, BatchNorm/Scale pairs are folded into the convolutions before them and Dropout
    and Split removed: the same results, fewer layers, faster; the module is then no longer
    one-to-one with the Caffe layers."""
    from .backends.torch import to_torch

    graph = load_with_weights(prototxt, weights, input_shapes, phase=phase, seed=seed,
                              budget=budget)
    if fold:
        fold_graph(graph)
    return to_torch(graph)


def compile_onnx(prototxt: str | os.PathLike[str], output: str | os.PathLike[str] | None = None,
                 weights: str | os.PathLike[str] | None = None,
                 input_shapes: Mapping[str, Sequence[int]] | None = None, *,
                 opset: int = DEFAULT_OPSET, fold: bool = True, static_batch: bool = False,
                 phase: str = "TEST", seed: int = 0,
                 template: str | None = None, allow_unknown_fields: bool = False,
                 fork: str | None = None, progress: Callable[[str], None] | None = None,
                 budget: int | None = None) -> tuple[Any, Graph, Report]:
    """prototxt (+ .caffemodel) -> checked ONNX model, written atomically to ``output`` when
    given (temporary files beside it, renamed on success: on any error no file, or the old
    one untouched, remains; a model past 2 GB keeps its tensors in ``OUTPUT.data``). The
    net is first checked against the residual-network templates; with ``template``
    ("resnext", "resnet", "auto") a deviation is a CheckError and nothing is written.
    ``progress`` is called with the name of each step as it starts; ``budget`` bounds the
    bytes of parameters made without weights (see ``load_with_weights``).
    Returns the model, the graph (folded when ``fold``) and the check's report. Without
    ``output`` the model is whole in memory; with it, the model is streamed to the file
    from the weights (held once, and not even that: each folded weight is computed a block
    at a time as it is written, and the mapped pages of every weight are given back once
    read for the last time) and is returned
    as written, its tensors of 1 KiB or more referring to their bytes in the file(s)
    (ONNX's external-data form; ``onnx.load(output)`` reads the whole model); the graph's
    folded weights are then copy-on-write maps of the written file, as the unfolded ones
    are of the .caffemodel (neither file may be truncated while the graph is in use)."""
    import onnx

    if output is not None and not isinstance(output, (str, os.PathLike)):
        raise UsageError(f"output is {output!r}, expected a file path (a str or os.PathLike)")

    from .backends.onnx.export import settle
    from .backends.onnx.lower import emit_onnx, write_onnx
    from .backends.onnx.pages import release
    from .backends.onnx.registry import takes_deferred

    step = progress or (lambda _: None)
    step("reading the net" + (" and its weights" if weights is not None else ""))
    graph = load_with_weights(prototxt, weights, input_shapes, phase=phase, seed=seed,
                              warn=False, allow_unknown_fields=allow_unknown_fields, fork=fork,
                              budget=budget)
    step("checking the architecture")
    report = check(graph, template or "auto")
    if template is not None and not report.matches:
        raise CheckError("the net deviates from the template; nothing was written:\n"
                         + report.render().rstrip())
    if fold:
        step("folding BatchNorm and Scale")
        # the blobs are this call's own: the map of the weights can give back the pages of
        # each weight a fold replaced (backends.onnx.pages), so they are never held twice;
        # written to a file, the folded weights are computed as they are written (deferred)
        fold_batchnorm(graph, replaced=release,
                       deferred=takes_deferred if output is not None else None)
        remove_identity_layers(graph)
    step("emitting ONNX")
    export = emit_onnx(graph, opset, static_batch=static_batch)
    if output is None:
        model = export.to_model()
        step("checking the model")
        onnx.checker.check_model(model, full_check=True)
        return model, graph, report
    # once written, nothing of this call reads a weight's mapped pages: give them back too
    model = write_onnx(export, output, progress=step, written=release)
    settle(graph, export, model, output)  # the deferred weights: maps of the written file
    return model, graph, report


def write_atomically(path: str | os.PathLike[str], write: Any) -> None:
    """Calls ``write(temporary_path)`` beside ``path`` and renames the result over ``path``;
    on any failure the temporary file is removed and ``path`` is left as it was. The file
    gets the mode of the file it replaces, or what the umask leaves of 0666."""
    import tempfile

    target = os.fspath(path)
    folder = os.path.dirname(os.path.abspath(target))
    try:
        fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix="-" + os.path.basename(target),
                                   dir=folder)
    except (OSError, ValueError) as error:  # ValueError: a NUL byte in the path
        raise UsageError(f"cannot write {target}: {getattr(error, 'strerror', None) or error}"
                         ) from error
    os.close(fd)
    try:
        write(tmp)
        os.chmod(tmp, _mode_for(target))
        os.replace(tmp, target)
    except OSError as error:
        raise UsageError(f"cannot write {target}: {error.strerror or error}") from error
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)


def _mode_for(target: str) -> int:
    try:
        return os.stat(target).st_mode & 0o7777
    except OSError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


def load_for_check(path: str | os.PathLike[str], *,
                   input_shapes: Mapping[str, Sequence[int]] | None = None,
                   phase: str = "TEST", allow_unknown_fields: bool = False,
                   fork: str | None = None) -> tuple[Graph, list[LayerError]]:
    """The graph for ``check``, and the layers whose shape rule failed. A failure is kept
    where it is a unit's sum, an Eltwise or SENet's Axpy (shortcut and main path of
    different shapes, which the check explains); any other is raised as bad input."""
    errors: list[LayerError] = []
    graph = load(path, input_shapes=input_shapes, phase=phase,
                 allow_unknown_fields=allow_unknown_fields, fork=fork, shape_errors=errors)
    # an Axpy(a, x, y) whose x and y agree failed on its scale a: not a shortcut's shape
    sums = {n.name for n in graph.nodes if n.type == "Eltwise" or
            n.type == "Axpy" and n.inputs[1].shape != n.inputs[2].shape}
    others = [e for e in errors if e.layer not in sums]
    if others:
        raise others[0]
    return graph, errors


def check_file(path: str | os.PathLike[str], template: str = "auto", *,
               input_shapes: Mapping[str, Sequence[int]] | None = None,
               phase: str = "TEST", allow_unknown_fields: bool = False) -> Report:
    """Loads a net and checks it against the residual-network templates (``load_for_check``
    says which shape failures are explained)."""
    graph, errors = load_for_check(path, input_shapes=input_shapes, phase=phase,
                                   allow_unknown_fields=allow_unknown_fields)
    return check(graph, template, errors)


def generate(spec: Any, output: str | os.PathLike[str] | None = None) -> str:
    """A family spec (a ``ResNeXtSpec``, a mapping of spec keys, or a TOML file's path) as
    canonical prototxt text; written atomically to ``output`` when given."""
    from .backends.prototxt import to_prototxt
    from .spec import ResNeXtSpec, build_resnext, read_spec, spec_from_mapping

    if isinstance(spec, (str, os.PathLike)):
        if output is not None and os.path.exists(output) and os.path.samefile(spec, output):
            raise UsageError(f"the output {output} is the spec itself; expected a new file "
                             "name for the prototxt")
        spec = read_spec(spec)
    elif not isinstance(spec, ResNeXtSpec):
        spec = spec_from_mapping(spec)
    graph = build_resnext(spec)
    infer_shapes(graph)
    text = to_prototxt(graph)
    if output is not None:
        write_atomically(output, lambda tmp: pathlib.Path(tmp).write_text(text))
    return text
