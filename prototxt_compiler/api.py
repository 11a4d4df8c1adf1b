"""The one-call entry points: a prototxt (and .caffemodel) to a PyTorch module or an ONNX
file. They join the rooms (frontend, passes, backends); ``__init__`` exposes them lazily so
that importing the package imports neither torch nor onnx."""
from __future__ import annotations

import os
import pathlib
import warnings
from collections.abc import Mapping, Sequence
from typing import Any

from .checks import Report, check
from .errors import CheckError, LayerError, UsageError
from .frontend.importer import import_net
from .frontend.reader import read_net
from .frontend.upgrade import upgrade_net
from .frontend.weights import attach_weights, init_weights, read_caffemodel
from .ir import Graph, Shape
from .passes.fold_batchnorm import fold_batchnorm
from .passes.infer_shapes import infer_shapes
from .passes.remove_identity import remove_identity_layers

__all__ = ["load", "load_with_weights", "load_torch", "fold_graph", "compile_onnx",
           "check_file", "generate"]


def load(path: str | os.PathLike[str], *, input_shapes: Mapping[str, Sequence[int]] | None = None,
         phase: str = "TEST", stages: Sequence[str] | None = None,
         allow_unknown_fields: bool = False,
         shape_errors: list[LayerError] | None = None) -> Graph:
    """Parses a Caffe net definition (prototxt text or binary; current or legacy V0/V1
    format) and returns its graph with every blob's shape as Caffe computes it.

    ``input_shapes`` maps blob names to shapes: it overrides declared input shapes (a new
    batch size, say) and gives the shapes of blobs a fragment reads but does not produce.
    ``phase`` ("TEST" or "TRAIN") and ``stages`` select layers by their include/exclude rules.
    Parse notes (upgrades done, fork fields read, fields ignored, layers dropped) are in
    ``graph.notes``.
    """
    if phase not in ("TEST", "TRAIN"):
        raise UsageError(f"phase is {phase!r}, expected 'TEST' or 'TRAIN'")
    shapes: dict[str, Shape] = {}
    for name, shape in (input_shapes or {}).items():
        dims = tuple(int(d) for d in shape)
        if not dims or any(d <= 0 for d in dims):
            raise UsageError(f"input shape for '{name}' is {list(dims)}, expected positive "
                             "dimensions")
        shapes[name] = dims
    net, source = read_net(path, allow_unknown_fields=allow_unknown_fields)
    upgraded = upgrade_net(net, filename=str(path))
    graph = import_net(upgraded.net, source=source, origin=upgraded.origin, phase=phase,
                       stages=stages, input_shapes=shapes)
    graph.notes[:0] = list(source.notes) + [str(f) for f in source.ignored] + list(upgraded.notes)
    infer_shapes(graph, errors=shape_errors)
    return graph


def load_with_weights(prototxt: str | os.PathLike[str],
                      weights: str | os.PathLike[str] | None = None,
                      input_shapes: Mapping[str, Sequence[int]] | None = None, *,
                      phase: str = "TEST", seed: int = 0, warn: bool = True) -> Graph:
    """The shaped graph with every layer's blobs: from ``weights`` (a .caffemodel), or, without
    it, initialised by the layers' fillers as Caffe would (seeded), which a warning and a note
    in ``graph.notes`` say."""
    graph = load(prototxt, input_shapes=input_shapes, phase=phase)
    if weights is not None:
        graph.notes += attach_weights(graph, read_caffemodel(weights), where=str(weights))
    else:
        notes = init_weights(graph, seed=seed)
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
               phase: str = "TEST", seed: int = 0, fold: bool = False) -> Any:
    """Parses ``prototxt``, loads ``weights`` and returns the eval-mode ``fx.GraphModule``.

    Without weights the parameters are initialised by the layers' fillers as Caffe would
    (deterministic for a given ``seed``), and a warning says they are not trained. With
    ``fold``, BatchNorm/Scale pairs are folded into the convolutions before them and Dropout
    and Split removed: the same results, fewer layers, faster; the module is then no longer
    one-to-one with the Caffe layers."""
    from .backends.torch import to_torch

    graph = load_with_weights(prototxt, weights, input_shapes, phase=phase, seed=seed)
    if fold:
        fold_graph(graph)
    return to_torch(graph)


def compile_onnx(prototxt: str | os.PathLike[str], output: str | os.PathLike[str] | None = None,
                 weights: str | os.PathLike[str] | None = None,
                 input_shapes: Mapping[str, Sequence[int]] | None = None, *,
                 opset: int = 17, fold: bool = True, static_batch: bool = False,
                 phase: str = "TEST", seed: int = 0,
                 template: str | None = None) -> tuple[Any, Graph, Report]:
    """prototxt (+ .caffemodel) -> checked ONNX model, written atomically to ``output`` when
    given (a temporary file beside it, renamed on success: on any error no file, or the old
    one untouched, remains). The net is first checked against the residual-network
    templates; with ``template`` ("resnext", "resnet", "auto") a deviation is a CheckError
    and nothing is written. Returns the model, the graph and the check's report."""
    import onnx

    from .backends.onnx import save, to_onnx

    graph = load_with_weights(prototxt, weights, input_shapes, phase=phase, seed=seed,
                              warn=False)
    report = check(graph, template or "auto")
    if template is not None and not report.matches:
        raise CheckError("the net deviates from the template; nothing was written:\n"
                         + report.render().rstrip())
    if fold:
        fold_graph(graph)
    model = to_onnx(graph, opset=opset, static_batch=static_batch)
    if output is None:
        onnx.checker.check_model(model, full_check=True)
        return model, graph, report
    data_name = os.path.basename(os.fspath(output)) + ".data"

    def write_and_check(tmp: str) -> None:
        save(model, tmp, data_name=data_name)
        # by path: works past protobuf's 2 GB limit and holds no second copy of the model
        onnx.checker.check_model(tmp, full_check=True)

    write_atomically(output, write_and_check)
    return model, graph, report


def write_atomically(path: str | os.PathLike[str], write: Any) -> None:
    """Calls ``write(temporary_path)`` beside ``path`` and renames the result over ``path``;
    on any failure the temporary file is removed and ``path`` is left as it was."""
    import tempfile

    target = os.fspath(path)
    folder = os.path.dirname(os.path.abspath(target))
    try:
        fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix="-" + os.path.basename(target),
                                   dir=folder)
    except OSError as error:
        raise UsageError(f"cannot write {target}: {error.strerror or error}") from error
    os.close(fd)
    try:
        write(tmp)
        os.replace(tmp, target)
    except OSError as error:
        raise UsageError(f"cannot write {target}: {error.strerror or error}") from error
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)


def check_file(path: str | os.PathLike[str], template: str = "auto", *,
               input_shapes: Mapping[str, Sequence[int]] | None = None,
               phase: str = "TEST", allow_unknown_fields: bool = False) -> Report:
    """Loads a net and checks it against the residual-network templates. A layer whose
    shape rule fails is explained where it is a unit's Eltwise (shortcut and main path of
    different shapes); any other such failure is raised as bad input."""
    errors: list[LayerError] = []
    graph = load(path, input_shapes=input_shapes, phase=phase,
                 allow_unknown_fields=allow_unknown_fields, shape_errors=errors)
    eltwise = {n.name for n in graph.nodes if n.type == "Eltwise"}
    others = [e for e in errors if e.layer not in eltwise]
    if others:
        raise others[0]
    return check(graph, template, errors)


def generate(spec: Any, output: str | os.PathLike[str] | None = None) -> str:
    """A family spec (a ``ResNeXtSpec``, a mapping of spec keys, or a TOML file's path) as
    canonical prototxt text; written atomically to ``output`` when given."""
    from .backends.prototxt import to_prototxt
    from .spec import ResNeXtSpec, build_resnext, read_spec, spec_from_mapping

    if isinstance(spec, (str, os.PathLike)):
        spec = read_spec(spec)
    elif not isinstance(spec, ResNeXtSpec):
        spec = spec_from_mapping(spec)
    graph = build_resnext(spec)
    infer_shapes(graph)
    text = to_prototxt(graph)
    if output is not None:
        write_atomically(output, lambda tmp: pathlib.Path(tmp).write_text(text))
    return text
