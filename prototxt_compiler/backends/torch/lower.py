"""Lowering a graph to a ``torch.fx.GraphModule``: one submodule per Caffe layer.

The generated ``forward`` (``print(module.code)``) calls the layers in Caffe's order; inputs
are taken positionally in Caffe's input order; the result is a tensor for one output, else a
tuple in Caffe's output order (``module.output_names``). ``layer_outputs`` runs the module
and records every layer's every top under the key ``LAYER:TOP``, as the Caffe oracle names
them, for layer-by-layer comparison.

Speed. Caffe splits what torch does in one pass: a global-statistics BatchNorm whose top
only a per-channel Scale reads is computed with it by ``fused.batch_norm_scale`` (torch's
inference batch_norm, the Scale as its affine part), one pass instead of two, the
statistics of all such BatchNorms worked out together at the start of ``forward``
(``fused.statistics``); both modules stay (their names, their state_dict keys, their blobs
read at every call), and ``layer_outputs`` runs them one by one. ReLU and Eltwise SUM write
in place where nothing else reads their input (``writable``). 2-D convolutions hold their
weights channels-last (NHWC), so oneDNN runs them in that layout and their outputs, and the
elementwise layers after them, stay in it (on a 2-core CPU, ResNeXt-50 at batch 8: about
0.8x the NCHW time; ``benchmarks/torch_speed.py``); every value is the same tensor, only its
strides differ (``.contiguous()`` gives NCHW memory).
"""
from __future__ import annotations

import operator
import re
from collections.abc import Sequence
from typing import Any

import numpy as np
import torch
from torch import fx, nn

from ...ir import Graph, Node, Value
from ..registry import converting
from .fused import batch_norm_scale, statistics
from .norm import CaffeBatchNorm, CaffeScale
from .registry import TORCH

__all__ = ["to_torch", "layer_outputs", "attribute_name"]


def attribute_name(name: str, taken: set[str]) -> str:
    """A submodule name for a Caffe layer name: characters other than letters, digits and
    '_' become '_' ('fire2/squeeze1x1' -> 'fire2_squeeze1x1'), made unique."""
    base = re.sub(r"\W", "_", name) or "layer"
    if base[0].isdigit():
        base = "_" + base
    candidate, i = base, 1
    while candidate in taken:
        candidate, i = f"{base}_{i}", i + 1
    taken.add(candidate)
    return candidate


def _convert(graph: Graph, node: Node) -> nn.Module:
    blobs: Sequence[np.ndarray] = node.blobs or ()
    with converting(graph, node, "torch"):
        return TORCH[node.type](node, blobs)
    raise AssertionError("unreachable")  # converting() re-raises every failure


def to_torch(graph: Graph) -> fx.GraphModule:
    """The graph as an eval-mode ``fx.GraphModule``. Every node needs its blobs set (from a
    .caffemodel or initialised by fillers) where its op has parameter blobs."""
    TORCH.check(graph)
    root = nn.Module()
    fxg = fx.Graph()
    env: dict[int, fx.Node] = {}
    layers_of_inputs: list[str | None] = []
    taken: set[str] = {"output_names", "input_names", "input_layers", "caffe_layers",
                       "fused_layers", "notes"}
    inputs = []
    for value in graph.inputs:
        env[id(value)] = fxg.placeholder(attribute_name(value.name, taken))
        inputs.append(value.blob)
        layers_of_inputs.append(graph.input_layers.get(value.name))
    names: dict[str, str] = {}
    modules: dict[str, nn.Module] = {}
    for node in graph.nodes:
        names[node.name] = attribute_name(node.name, taken)
        module = _convert(graph, node)
        if isinstance(module, nn.Conv2d):
            # NHWC weights: oneDNN's convolutions then run (and write) NHWC, and the
            # elementwise layers after them keep that layout; same values, faster on CPU
            module.weight.data = module.weight.data.contiguous(
                memory_format=torch.channels_last)
        if hasattr(module, "writable_inputs"):
            setattr(module, "writable_inputs", tuple(writable(v, node, graph, modules)
                                                     for v in node.inputs))
        modules[node.name] = module
        root.add_module(names[node.name], module)
    pairs = _batch_norm_scale_pairs(graph, modules)
    stats = _statistics(fxg, {bn: names[bn] for bn in pairs.values()})
    paired = set(pairs.values())
    layers: dict[str, tuple[str, tuple[str, ...]]] = {}
    fused: dict[str, tuple[tuple[str, str, tuple[str, ...]], ...]] = {}
    for node in graph.nodes:
        if node.name in paired:
            continue  # computed with the Scale after it
        if node.name in pairs:
            bn = node.inputs[0].producer  # the Scale's one bottom is the BatchNorm's top
            assert bn is not None and bn.name == pairs[node.name]
            call = _fused_call(fxg, env, stats[bn.name], bn, node, names, modules)
            fused[call.name] = tuple((names[n.name], n.name, tuple(v.blob for v in n.outputs))
                                     for n in (bn, node))
        else:
            call = fxg.call_module(names[node.name], tuple(env[id(v)] for v in node.inputs))
        layers[call.name] = (node.name, tuple(v.blob for v in node.outputs))
        if len(node.outputs) == 1:
            env[id(node.outputs[0])] = call
        else:
            for i, value in enumerate(node.outputs):
                env[id(value)] = fxg.call_function(operator.getitem, (call, i))
    outputs = [env[id(v)] for v in graph.outputs]
    fxg.output(outputs[0] if len(outputs) == 1 else tuple(outputs))
    module = fx.GraphModule(root, fxg, class_name=_class_name(graph.name))
    for node in graph.nodes:  # a fused pair's modules are only read (their blobs), so fx
        setattr(module, names[node.name], modules[node.name])  # made stand-ins: ours back
    # what the net's Caffe form adds to the module (plain attributes: nn.Module's typing
    # would take them for submodules or tensors)
    for attribute, data in (("input_names", inputs), ("input_layers", layers_of_inputs),
                            ("output_names", [v.blob for v in graph.outputs]),
                            ("caffe_layers", layers), ("fused_layers", fused),
                            ("notes", list(graph.notes))):
        setattr(module, attribute, data)
    return module.eval()


def _batch_norm_scale_pairs(graph: Graph, modules: dict[str, nn.Module]) -> dict[str, str]:
    """Scale layer -> the BatchNorm before it, where the two run as one pass: the
    BatchNorm uses global statistics and only the Scale reads its top (no graph output),
    and the Scale is learned, per channel on axis 1 of a bottom of 2 axes or more."""
    outputs = {id(v) for v in graph.outputs}
    pairs = {}
    for node in graph.nodes:
        bn = modules[node.name]
        if not isinstance(bn, CaffeBatchNorm) or not bn.use_global_stats or \
                len(node.outputs) != 1 or id(node.outputs[0]) in outputs or \
                len(node.outputs[0].uses) != 1 or len(node.inputs[0].shape or ()) < 2:
            continue
        reader = node.outputs[0].uses[0]
        scale = modules[reader.name]
        if isinstance(scale, CaffeScale) and scale.per_channel and len(reader.inputs) == 1:
            pairs[reader.name] = node.name
    return pairs


def _statistics(fxg: fx.Graph, attributes: dict[str, str]) -> dict[str, fx.Node]:
    """The statistics of the fused BatchNorms (layer name -> attribute name), one call for
    them all; by layer name."""
    if not attributes:
        return {}
    every = fxg.call_function(statistics, (tuple(fxg.get_attr(a) for a in attributes.values()),))
    return {layer: fxg.create_node("call_function", operator.getitem, (every, i),
                                   name=f"{attribute}_statistics")
            for i, (layer, attribute) in enumerate(attributes.items())}


def _fused_call(fxg: fx.Graph, env: dict[int, fx.Node], stats: fx.Node, bn: Node,
                scale: Node, names: dict[str, str], modules: dict[str, nn.Module]) -> fx.Node:
    """``batch_norm_scale`` on the BatchNorm's bottom, its statistics and the Scale's blobs,
    named after the Scale (its top is the value it gives)."""
    s = names[scale.name]
    weight = fxg.get_attr(f"{s}.weight")
    bias = fxg.get_attr(f"{s}.bias") if modules[scale.name].bias is not None else None
    return fxg.create_node("call_function", batch_norm_scale,
                           (env[id(bn.inputs[0])], stats, weight, bias),
                           {"eps": float(getattr(modules[bn.name], "eps"))}, name=s)


_FRESH = (nn.Conv1d, nn.Conv2d, nn.Conv3d, nn.ConvTranspose1d, nn.ConvTranspose2d,
          nn.ConvTranspose3d)


def writable(value: Value, node: Node, graph: Graph, modules: dict[str, nn.Module]) -> bool:
    """Whether ``node``'s module may overwrite ``value``'s tensor: only ``node`` reads the
    value, a layer made it (not a graph input, which belongs to the caller), it is no graph
    output, and its storage is its own: its producer returns new storage
    (``fresh_output``), or ran in place on an input that is writable by the same rule. A
    module that may return a view or its input itself (Flatten, Reshape, Slice, Dropout,
    any module that does not say ``fresh_output``) makes its output read-only, since
    writing it would write the tensor it views, which others may read."""
    reader = node
    while True:
        producer = value.producer
        if producer is None or value.uses != (reader,) or \
                any(v is value for v in graph.outputs):
            return False
        module = modules.get(producer.name)
        in_place = [i for i, ok in enumerate(getattr(module, "writable_inputs", ())) if ok]
        if in_place:  # it wrote into an input: that input's storage is this value's
            value, reader = producer.inputs[in_place[0]], producer
            continue
        return bool(getattr(module, "fresh_output", False) or isinstance(module, _FRESH))


def _class_name(name: str) -> str:
    words = re.findall(r"[A-Za-z0-9]+", name)
    joined = "".join(w[:1].upper() + w[1:] for w in words)
    return joined if joined and not joined[0].isdigit() else f"Net{joined}"


class _Recorder(fx.Interpreter):
    def __init__(self, module: fx.GraphModule) -> None:
        super().__init__(module)
        self.layers: dict[str, tuple[str, tuple[str, ...]]] = getattr(module, "caffe_layers")
        self.fused: dict[str, tuple[tuple[str, str, tuple[str, ...]], ...]] = \
            getattr(module, "fused_layers", {})
        self.record: dict[str, torch.Tensor] = {}

    def call_module(self, target: Any, args: Any, kwargs: Any) -> Any:
        result = super().call_module(target, args, kwargs)
        layer, tops = self.layers[self.current_node.name]  # type: ignore[attr-defined]
        values = result if isinstance(result, tuple) else (result,)
        for top, value in zip(tops, values):
            # a copy: a later layer may run in place on this value (writable_inputs)
            self.record[f"{layer}:{top}"] = value.clone()
        return result

    def call_function(self, target: Any, args: Any, kwargs: Any) -> Any:
        chain = self.fused.get(self.current_node.name)  # type: ignore[attr-defined]
        if chain is None:
            return super().call_function(target, args, kwargs)
        value = args[0]  # layers computed together in forward: here each on its own
        for attribute, layer, tops in chain:
            value = self.fetch_attr(attribute)(value)
            self.record[f"{layer}:{tops[0]}"] = value.clone()
        return value

    def run_node(self, n: fx.Node) -> Any:
        self.current_node = n
        return super().run_node(n)


@torch.no_grad()
def layer_outputs(module: fx.GraphModule, *inputs: torch.Tensor) -> dict[str, torch.Tensor]:
    """Runs ``module`` and returns every layer's output as ``{"LAYER:TOP": tensor}``, in-place
    layers included (each sees its own version of the blob), plus ``{"input:NAME": tensor}``
    and, for inputs an Input or data layer declared, ``{"LAYER:NAME": tensor}``."""
    recorder = _Recorder(module)
    recorder.run(*inputs)
    record = {}
    for name, layer, x in zip(getattr(module, "input_names"), getattr(module, "input_layers"),
                              inputs):
        record[f"input:{name}"] = x
        if layer is not None:
            record[f"{layer}:{name}"] = x
    record.update(recorder.record)
    return record
