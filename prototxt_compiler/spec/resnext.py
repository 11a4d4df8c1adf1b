"""The ResNeXt/ResNet family generator: a spec's numbers to a graph, named as the MXNet
conversions the seed uses or as Kaiming He's Caffe ResNets (``spec.names``), unit by unit
from the recipes ``checks`` verifies (``spec.units``).

ImageNet nets: 7x7/2 stem + BN + Scale + ReLU + MAX pool 3x3/2, four stages; CIFAR nets (stem
"cifar"): a 3x3/1 stem and three stages. A bottleneck unit's 3x3 convolution of stage s is
cardinality x bottleneck_width x 2^(s-1) wide with group cardinality and carries the stage's
stride (2 from the second stage on), as in the paper's Table 1; its outputs are 256 x 2^(s-1)
channels (``stage1_channels`` x 2^(s-1)). ResNet is cardinality 1 with bottleneck width 64;
its basic-block nets (ResNet-18/34) have two 3x3 convolutions of 64 x 2^(s-1) channels a
unit. Post-activation units end in Eltwise SUM + ReLU; pre-activation units (MXNet's
residual_unit) run BN -> ReLU -> conv, project from the first activation and have no ReLU
after the sum. With ``se_reduction`` r, every unit is SENet's: its main path's output scaled
by a squeeze-excitation (global AVE pool, 1x1 to outputs / r, ReLU, 1x1 back, Sigmoid) by
SENet's ``Axpy`` or, with ``se_form`` "broadcastmul", by ``Broadcastmul`` before the
Eltwise. A spec with ``fragment`` is that one unit alone (``cut``).
"""
from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from ..errors import UsageError
from ..ir import Graph, SymDim, Value
from ..ops.fillers import Filler
from .builder import NetBuilder
from .names import Names
from .units import MSRA, RECIPES, UnitRecipe, UnitShape, build_unit

__all__ = ["ResNeXtSpec", "DEPTHS", "build_resnext", "MSRA", "CLASSIFIER", "cut"]

# N(0, 0.01) for the classifier, as the papers train it; Scale's defaults are already the
# constants 1 (gamma) and 0 (beta), BatchNorm's statistics start at 0. Caffe's own default
# (constant 0) would start every weight at 0.
CLASSIFIER = Filler(type="gaussian", std=float(np.float32(0.01)))

# units per stage of the papers' nets, by depth (layers a unit x units + stem + fc)
Depths = dict[str, dict[int, tuple[int, ...]]]  # stem -> depth -> units per stage
DEPTHS: Depths = {"imagenet": {26: (2, 2, 2, 2), 38: (3, 3, 3, 3), 50: (3, 4, 6, 3),
                               101: (3, 4, 23, 3), 152: (3, 8, 36, 3), 200: (3, 24, 36, 3)},
                  "cifar": {29: (3, 3, 3), 38: (4, 4, 4), 56: (6, 6, 6)}}
BASIC_DEPTHS: Depths = {"imagenet": {18: (2, 2, 2, 2), 34: (3, 4, 6, 3)}, "cifar": {}}


@dataclass(frozen=True)
class ResNeXtSpec:
    units: tuple[int, ...]
    cardinality: int = 32
    bottleneck_width: int = 4
    input: tuple[int, ...] = (1, 3, 224, 224)
    classes: int = 1000
    naming: str = "mxnet"
    style: str = "post-activation"
    stem: str = "imagenet"
    name: str = ""
    family: str = "resnext"
    fragment: str = ""  # a unit's name: the net is that unit alone, a fragment
    block: str = "bottleneck"  # or "basic" (ResNet-18/34)
    stem_channels: int = 64
    stage1_channels: int = 0  # 0: the block's own (256 for a bottleneck, 64 for a basic one)
    softmax: bool = True  # False: the net ends at the classifier's logits
    se_reduction: int = 0  # > 0: squeeze-excitation units of that reduction (SE-ResNeXt)
    se_form: str = "axpy"  # SENet's Axpy, or "broadcastmul" as the MXNet conversions write it

    @property
    def recipe(self) -> UnitRecipe:
        if self.se_reduction:
            return RECIPES["bottleneck-se"]
        if self.style == "pre-activation":
            return RECIPES["bottleneck-preact"]
        return RECIPES["basic" if self.block == "basic" else "bottleneck"]

    @property
    def depth(self) -> int:
        return self.recipe.depth * sum(self.units) + 2

    @property
    def outer(self) -> int:
        """The output channels of the first stage."""
        return self.stage1_channels or (64 if self.block == "basic" else 256)

    def title(self) -> str:
        se = "SE-" if self.se_reduction else ""
        if self.cardinality == 1:
            return f"{se}ResNet-{self.depth}"
        return f"{se}ResNeXt-{self.depth} ({self.cardinality}x{self.bottleneck_width}d)"

    def whole(self) -> ResNeXtSpec:
        """The spec of the whole net a fragment is cut from."""
        return replace(self, fragment="")


def build_resnext(spec: ResNeXtSpec) -> Graph:
    from ..limits import MAX_LAYERS

    if sum(spec.units) * 8 > MAX_LAYERS:  # a unit is at least eight layers
        raise UsageError(f"units {sum(spec.units):,} in all make a net past the "
                         f"{MAX_LAYERS:,} layers a net may have")
    if spec.style == "pre-activation" and spec.naming != "mxnet":
        raise UsageError("style 'pre-activation' is written with naming 'mxnet' (MXNet's "
                         "residual_unit), not 'caffe'")
    names = Names(spec.naming, spec.units, spec.classes)
    eps = 2e-5 if spec.naming == "mxnet" else 1e-5
    b = NetBuilder(spec.name or spec.title())
    x = b.input("data", spec.input)
    if spec.naming == "mxnet":
        x = b.bn_scale(x, bn="bn_data", scale="scale_bn_data", eps=eps)
    stem = names.stem()
    imagenet = spec.stem == "imagenet"
    x = b.conv(x, spec.stem_channels, kernel=7 if imagenet else 3, stride=2 if imagenet else 1,
               pad=3 if imagenet else 1, bias=False, weight_filler=MSRA, name=stem["conv"])
    x = b.relu(b.bn_scale(x, bn=stem["bn"], scale=stem["scale"], eps=eps), name=stem["relu"])
    if imagenet:
        x = b.max_pool(x, kernel=3, stride=2, name=stem["pool"])
    channels = spec.stem_channels
    spans: dict[str, tuple[int, int]] = {}  # unit name -> its layers' index range
    for s, count in enumerate(spec.units, 1):
        outer = spec.outer * 2 ** (s - 1)
        inner = outer if spec.block == "basic" else \
            spec.cardinality * spec.bottleneck_width * 2 ** (s - 1)
        for u in range(1, count + 1):
            stride = 2 if u == 1 and s > 1 else 1
            shape = UnitShape(inner, outer, stride, u == 1 and (stride != 1 or channels != outer),
                              spec.cardinality, spec.se_reduction, spec.se_form)
            first = len(b.graph.nodes)
            x = build_unit(b, spec.recipe, names, eps, x, s, u, shape)
            spans[names.unit(s, u)] = (first, len(b.graph.nodes))
            channels = outer
    head = names.head()
    if spec.recipe.pre:
        x = b.relu(b.bn_scale(x, bn=head["bn"], scale=head["scale"], eps=eps, top=head["bn"]),
                   name=head["relu"])
    x = b.global_avg_pool(x, name=head["pool"])
    x = b.fc(x, spec.classes, name=head["fc"], weight_filler=CLASSIFIER)
    graph = b.finish(b.softmax(x, name=head["prob"]) if spec.softmax else x)
    if not spec.fragment:
        return graph
    if spec.fragment not in spans:
        known = ", ".join(list(spans)[:4])
        raise UsageError(f"fragment {spec.fragment!r}: the net has no unit of that name "
                         f"(its units: {known}, ...)")
    return cut(graph, *spans[spec.fragment], name=spec.fragment)


def cut(graph: Graph, start: int, stop: int, *, name: str) -> Graph:
    """The layers ``graph.nodes[start:stop]`` as a fragment: the values they read that none
    of them writes become its inputs, read and not declared, of symbolic sizes as a parsed
    fragment's (``N``, ``C``, ``H``, ``W``); the values of the last layer its outputs."""
    part = Graph(name)
    values: dict[int, Value] = {}
    nodes = graph.nodes[start:stop]
    for node in nodes:
        inputs = []
        for value in node.inputs:
            if id(value) not in values:
                k = str(len(part.inputs) or "")
                shape = tuple(SymDim.symbol(s) for s in ("N", f"C{k}", f"H{k}", f"W{k}"))
                values[id(value)] = part.add_input(value.blob, shape)  # type: ignore[arg-type]
                part.fragment_inputs[value.blob] = []
            inputs.append(values[id(value)])
            if value.blob in part.fragment_inputs:
                part.fragment_inputs[value.blob].append(node.name)
        new = part.add_node(node.name, node.type, node.params, inputs,
                            [v.blob for v in node.outputs])
        values.update((id(old), v) for old, v in zip(node.outputs, new.outputs))
    part.outputs = [values[id(v)] for v in nodes[-1].outputs]
    return part
