"""The way back: ONNX and PyTorch models to a Caffe prototxt and .caffemodel.

    graph = from_onnx("model.onnx")                   # or from_torch(module, example)
    save_caffe(graph, "net.prototxt", "net.caffemodel")

``from_onnx`` imports the model into the graph IR as BVLC Caffe layers that compute what it
computes (``frontend.onnx``); ``from_torch`` goes through ``torch.onnx.export`` (its
TorchScript exporter, which records every op the model runs in eval mode, at the opset
asked for) into a temporary file read in place; ``save_caffe`` writes the canonical prototxt and the .caffemodel, both
atomically: each goes to a temporary file beside its target and only when both are
complete do they take their names, so on any error neither target is touched.
"""
from __future__ import annotations

import inspect
import os
import pathlib
import tempfile
import warnings
from collections.abc import Mapping, Sequence
from typing import Any

from .errors import UsageError
from .ir import Graph

__all__ = ["from_onnx", "from_torch", "save_caffe", "verify_caffe", "caffe_oracle",
           "export_layer"]


def from_onnx(model_or_path: Any, *,
              input_shapes: Mapping[str, Sequence[int]] | None = None,
              fork: str | None = None) -> Graph:
    """The Caffe graph of an ONNX model (a path, the model's bytes or an
    ``onnx.ModelProto``), every blob shaped, every parameter blob set. ``input_shapes``
    fixes graph inputs' shapes (needed where the model leaves dimensions symbolic; an
    unknown batch is taken as 1). ``fork`` names a Caffe fork (``yolo``, ``shufflenet``,
    ``mobilenet``...) whose layers are written where BVLC Caffe has none. Nodes without an
    exact Caffe form raise one ``UnsupportedNodesError`` listing them all. The nodes this
    project's ONNX backend writes for one Caffe layer come back as that layer, when the
    backend, exporting it again, writes the very same nodes."""
    from .frontend.onnx import import_onnx

    return import_onnx(model_or_path, input_shapes=input_shapes, fork=fork,
                       exporter=export_layer)


def export_layer(graph: Graph, opset: int) -> Any:
    """The ONNX backend's nodes and initializers for a one-layer graph (how the ONNX
    frontend confirms that a group of nodes is the export of a Caffe layer)."""
    import numpy as np

    from .backends.onnx.lower import emit_onnx
    from .frontend.onnx.idioms import ExportedLayer

    export = emit_onnx(graph, opset, static_batch=True)
    skeleton = export.skeleton.graph
    return ExportedLayer(nodes=tuple(skeleton.node),
                         tensors={t.name: np.asarray(t.array) for t in export.tensors},
                         inputs=tuple(v.name for v in skeleton.input),
                         outputs=tuple(v.name for v in skeleton.output))


def from_torch(module: Any, example_inputs: Any, *, opset: int = 17,
               input_names: Sequence[str] | None = None,
               output_names: Sequence[str] | None = None,
               fork: str | None = None) -> Graph:
    """The Caffe graph of a ``torch.nn.Module`` in eval mode, traced on ``example_inputs``
    (a tensor or a tuple of tensors, whose shapes become the Caffe input shapes) and exported
    with ``torch.onnx.export`` at ``opset``. Inputs are named ``input`` (``input0``, ...
    for several) and outputs ``output`` (``output0``, ...) unless names are given;
    ``fork`` as for ``from_onnx``."""
    from .frontend.onnx.fork_layers import check_fork

    check_fork(fork)
    import torch

    args = example_inputs if isinstance(example_inputs, tuple) else (example_inputs,)
    names_in = list(input_names or (["input"] if len(args) == 1 else
                                    [f"input{i}" for i in range(len(args))]))
    was_training = module.training
    module.eval()
    try:
        with warnings.catch_warnings(), \
                tempfile.TemporaryDirectory(ignore_cleanup_errors=True) as folder:
            warnings.simplefilter("ignore")
            options: dict[str, Any] = {}
            if "dynamo" in inspect.signature(torch.onnx.export).parameters:
                options["dynamo"] = False  # the TorchScript exporter: no onnxscript needed
            with torch.no_grad():
                outputs = module(*args)
            count = len(outputs) if isinstance(outputs, (tuple, list)) else 1
            names_out = list(output_names or (["output"] if count == 1 else
                                              [f"output{i}" for i in range(count)]))
            path = os.path.join(folder, "model.onnx")
            torch.onnx.export(module, args, path, opset_version=opset,
                              input_names=names_in, output_names=names_out,
                              do_constant_folding=True, **options)
            # read in place: the graph's blobs are views of the file's mapping, which
            # outlives the file's name
            return from_onnx(path, fork=fork)
    finally:
        module.train(was_training)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def save_caffe(graph: Graph, prototxt: str | os.PathLike[str],
               caffemodel: str | os.PathLike[str] | None = None) -> None:
    """Writes ``graph`` as canonical prototxt text and, when ``caffemodel`` is given, its
    parameter blobs as a .caffemodel (streamed), atomically (module docstring)."""
    from .backends.prototxt import to_prototxt
    from .backends.prototxt.caffemodel import write_caffemodel

    text = to_prototxt(graph)
    targets = [os.fspath(prototxt)] + ([os.fspath(caffemodel)] if caffemodel is not None else [])
    if len(set(map(os.path.abspath, targets))) != len(targets):
        raise UsageError(f"the prototxt and the .caffemodel are the same file: {targets[0]}")
    temps: list[str] = []
    try:
        for target in targets:
            folder = os.path.dirname(os.path.abspath(target))
            try:
                fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix="-" + os.path.basename(target),
                                           dir=folder)
            except OSError as error:
                raise UsageError(f"cannot write {target}: {error.strerror or error}") from error
            os.close(fd)
            temps.append(tmp)
            os.chmod(tmp, 0o666 & ~_umask())
        try:
            with open(temps[0], "w", encoding="utf-8") as stream:
                stream.write(text)
            if caffemodel is not None:
                write_caffemodel(graph, temps[1])
            for tmp, target in zip(temps, targets):
                os.replace(tmp, target)
        except OSError as error:
            raise UsageError(f"cannot write {targets[0]}: {error.strerror or error}") from error
    finally:
        for tmp in temps:
            if os.path.exists(tmp):
                os.remove(tmp)


def caffe_oracle() -> str | None:
    """The real-Caffe runner (``caffe-oracle``) when it is set up: ``$CAFFE_ORACLE`` (empty or
    ``none`` turns it off), else ``../shared/caffe-oracle/caffe-oracle`` beside the project,
    with its chroot at ``$CAFFE_ORACLE_ROOT`` (default /opt/caffe-oracle)."""
    given = os.environ.get("CAFFE_ORACLE")
    if given is not None and given.strip().lower() in ("", "none"):
        return None
    root = pathlib.Path(__file__).resolve().parents[1]
    wrapper = pathlib.Path(given) if given else root.parent / "shared" / "caffe-oracle" / "caffe-oracle"
    chroot = pathlib.Path(os.environ.get("CAFFE_ORACLE_ROOT", "/opt/caffe-oracle"))
    if wrapper.is_file() and (chroot / "opt" / "run.py").is_file():
        return str(wrapper)
    return None


def verify_caffe(model: Any, graph: Graph, prototxt: str | os.PathLike[str],
                 caffemodel: str | os.PathLike[str], *, seed: int = 0,
                 reference: str = "auto") -> tuple[str, list[Any]]:
    """Runs the ONNX ``model`` in onnxruntime and the written Caffe files in real Caffe
    (``reference`` "caffe", or "auto" when it is set up) or else in this project's PyTorch
    backend ("torch", and for a net with fork layers, which BVLC Caffe lacks) on one seeded
    N(0, 1) input; returns the reference's description and
    one ``verify.Comparison`` per graph output (tolerance 1e-4 x max(1, max |ref|), 1e-3
    for nets of more than 50 convolution and inner-product layers)."""
    import numpy as np

    from .verify import check_run_size, compare

    try:
        import onnxruntime
    except ImportError as error:
        raise UsageError("verifying needs onnxruntime (pip install onnxruntime)") from error

    rng = np.random.default_rng(seed)
    check_run_size(graph, {v.blob: tuple(v.shape or ()) for v in graph.inputs})
    feeds = {v.blob: rng.standard_normal(v.shape).astype(np.float32) for v in graph.inputs}
    onnx_model = model if isinstance(model, (bytes, bytearray)) else (
        model.SerializeToString() if hasattr(model, "SerializeToString") else os.fspath(model))
    session = onnxruntime.InferenceSession(onnx_model, providers=["CPUExecutionProvider"])
    onnx_inputs = [i.name for i in session.get_inputs()]
    blobs = [v.blob for v in graph.inputs]
    ort_feeds = {name: feeds[blob] for name, blob in zip(onnx_inputs, blobs)}
    expected = session.run(None, ort_feeds)
    keys = [f"{v.producer.name}:{v.blob}" if v.producer is not None else None
            for v in graph.outputs]
    from .frontend.onnx.fork_layers import FORK_LAYERS

    forked = sorted({n.type for n in graph.nodes if n.type in FORK_LAYERS})
    if reference == "caffe" and forked:
        raise UsageError(f"real BVLC Caffe has no {', '.join(forked)} layer (a fork's)")
    oracle = caffe_oracle() if reference in ("auto", "caffe") and not forked else None
    if reference == "caffe" and oracle is None:
        raise UsageError("real Caffe (caffe-oracle) is not set up here")
    if oracle is not None:
        outputs, described = _run_caffe(oracle, prototxt, caffemodel, graph, feeds, keys), \
            "real BVLC Caffe (caffe-oracle)"
    else:
        why = (f"the net has fork layers BVLC Caffe lacks: {', '.join(forked)}" if forked
               else "real Caffe is not set up here")
        outputs, described = _run_torch(prototxt, caffemodel, graph, feeds, keys), \
            f"prototxt-compiler's PyTorch backend ({why})"
    deep = sum(n.type in ("Convolution", "Deconvolution", "InnerProduct") for n in graph.nodes)
    rtol = 1e-3 if deep > 50 else 1e-4
    names = [o.name for o in session.get_outputs()]
    return described, [compare(ours, ref, name, rtol)
                       for name, ours, ref in zip(names, outputs, expected)]


def _run_caffe(oracle: str, prototxt: Any, caffemodel: Any, graph: Graph,
               feeds: dict[str, Any], keys: list[str | None]) -> list[Any]:
    import subprocess
    import sys

    import numpy as np

    with tempfile.TemporaryDirectory() as tmp:
        args = [sys.executable, oracle, "forward", os.fspath(prototxt), "--weights",
                os.fspath(caffemodel), "--out", os.path.join(tmp, "out.npz")]
        for i, (blob, array) in enumerate(feeds.items()):
            path = os.path.join(tmp, f"input{i}.npy")
            np.save(path, array)
            args += ["--input", f"{blob}={path}"]
        run = subprocess.run(args, capture_output=True, text=True, check=False)
        if run.returncode != 0:
            raise UsageError("real Caffe refused the written files:\n" + run.stderr[-2000:])
        result = np.load(os.path.join(tmp, "out.npz"))
        return [result[f"layer:{key}"] if key else feeds[v.blob]
                for key, v in zip(keys, graph.outputs)]


def _run_torch(prototxt: Any, caffemodel: Any, graph: Graph, feeds: dict[str, Any],
               keys: list[str | None]) -> list[Any]:
    try:
        import torch
    except ImportError as error:
        raise UsageError("verifying needs real Caffe (caffe-oracle) or torch "
                         "(pip install torch)") from error
    from .api import load_torch
    from .backends.torch import layer_outputs

    module = load_torch(prototxt, caffemodel)
    tensors = [torch.from_numpy(feeds[v.blob]) for v in graph.inputs]
    with torch.inference_mode():
        outs = layer_outputs(module, *tensors)
    return [outs[key].numpy() if key else feeds[v.blob] for key, v in zip(keys, graph.outputs)]
