"""The ResNeXt/ResNet family generator: a spec's numbers to a graph, named as the MXNet
conversions the seed uses (``stage1_unit2_conv1``, ``scale_stage1_unit2_bn1``,
``stage1_unit2_plus``) or as Kaiming He's Caffe ResNets (``res2a_branch2a``,
``bn2a_branch2a``, ``scale2a_branch2a``, ``res2a``).

ImageNet nets: 7x7/2 stem + BN + Scale + ReLU + MAX pool 3x3/2, four stages whose outputs are
256 x 2^(s-1) channels; CIFAR nets (stem "cifar"): a 3x3/1 stem and three stages. The 3x3
convolution of stage s is cardinality x bottleneck_width x 2^(s-1) wide with group
cardinality and carries the stage's stride (2 from the second stage on), as in the paper's
Table 1; ResNet is cardinality 1 with bottleneck width 64. Post-activation units end in
Eltwise SUM + ReLU; pre-activation units (MXNet's residual_unit) run BN -> ReLU -> conv,
project from the first activation and have no ReLU after the sum.
"""
from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from ..errors import UsageError
from ..ir import Graph, SymDim, Value
from ..ops.fillers import Filler
from .builder import NetBuilder

__all__ = ["ResNeXtSpec", "DEPTHS", "build_resnext", "MSRA", "CLASSIFIER"]

# The initialisation the papers train with (He et al. 2015, section 3.4 of the ResNet paper;
# ResNeXt follows it): msra for every convolution, N(0, 0.01) for the classifier; Scale's
# defaults are already the constants 1 (gamma) and 0 (beta), BatchNorm's statistics start
# at 0. Caffe's own default (constant 0) would start every weight at 0.
MSRA = Filler(type="msra")
CLASSIFIER = Filler(type="gaussian", std=float(np.float32(0.01)))

# units per stage of the paper's bottleneck nets, by depth (3 layers a unit + stem + fc)
DEPTHS = {"imagenet": {26: (2, 2, 2, 2), 38: (3, 3, 3, 3), 50: (3, 4, 6, 3),
                       101: (3, 4, 23, 3), 152: (3, 8, 36, 3), 200: (3, 24, 36, 3)},
          "cifar": {29: (3, 3, 3), 38: (4, 4, 4), 56: (6, 6, 6)}}


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

    def whole(self) -> ResNeXtSpec:
        """The spec of the whole net a fragment is cut from."""
        return replace(self, fragment="")

    @property
    def depth(self) -> int:
        return 3 * sum(self.units) + 2

    def title(self) -> str:
        if self.cardinality == 1:
            return f"ResNet-{self.depth}"
        return f"ResNeXt-{self.depth} ({self.cardinality}x{self.bottleneck_width}d)"


class _Names:
    """The layer names of one naming scheme."""

    def __init__(self, scheme: str, units: tuple[int, ...], classes: int) -> None:
        self.scheme = scheme
        self.units = units
        self.classes = classes

    def unit(self, s: int, u: int) -> str:
        if self.scheme == "mxnet":
            return f"stage{s}_unit{u}"
        count = self.units[s - 1]
        letter = "abcdefghijklmnopqrstuvwxyz"[u - 1] if count <= 6 else (
            "a" if u == 1 else f"b{u - 1}")
        return f"{s + 1}{letter}"

    def conv(self, s: int, u: int, i: int) -> str:
        t = self.unit(s, u)
        return f"{t}_conv{i}" if self.scheme == "mxnet" else f"res{t}_branch2{'abc'[i - 1]}"

    def bn(self, s: int, u: int, i: int) -> tuple[str, str]:
        t = self.unit(s, u)
        if self.scheme == "mxnet":
            return f"{t}_bn{i}", f"scale_{t}_bn{i}"
        return f"bn{t}_branch2{'abc'[i - 1]}", f"scale{t}_branch2{'abc'[i - 1]}"

    def relu(self, s: int, u: int, i: int) -> str:
        t = self.unit(s, u)
        return f"{t}_relu{i}" if self.scheme == "mxnet" else f"res{t}_branch2{'abc'[i - 1]}_relu"

    def shortcut(self, s: int, u: int) -> tuple[str, str, str]:
        t = self.unit(s, u)
        if self.scheme == "mxnet":
            return f"{t}_sc", f"{t}_sc_bn", f"scale_{t}_sc_bn"
        return f"res{t}_branch1", f"bn{t}_branch1", f"scale{t}_branch1"

    def plus(self, s: int, u: int) -> tuple[str, str]:
        t = self.unit(s, u)
        return (f"{t}_plus", f"{t}_relu") if self.scheme == "mxnet" else (f"res{t}", f"res{t}_relu")

    def stem(self) -> dict[str, str]:
        if self.scheme == "mxnet":
            return {"conv": "conv0", "bn": "bn0", "scale": "scale_bn0", "relu": "relu0",
                    "pool": "pooling0"}
        return {"conv": "conv1", "bn": "bn_conv1", "scale": "scale_conv1", "relu": "conv1_relu",
                "pool": "pool1"}

    def head(self) -> dict[str, str]:
        if self.scheme == "mxnet":
            return {"bn": "bn1", "scale": "scale_bn1", "relu": "relu1", "pool": "pool1",
                    "fc": "fc1", "prob": "prob"}
        return {"pool": "pool5", "fc": f"fc{self.classes}", "prob": "prob"}


def build_resnext(spec: ResNeXtSpec) -> Graph:
    if spec.style == "pre-activation" and spec.naming != "mxnet":
        raise UsageError("style 'pre-activation' is written with naming 'mxnet' (MXNet's "
                         "residual_unit), not 'caffe'")
    names = _Names(spec.naming, spec.units, spec.classes)
    eps = 2e-5 if spec.naming == "mxnet" else 1e-5
    b = NetBuilder(spec.name or spec.title())
    x = b.input("data", spec.input)
    pre = spec.style == "pre-activation"
    if spec.naming == "mxnet":
        x = b.bn_scale(x, bn="bn_data", scale="scale_bn_data", eps=eps)
    stem = names.stem()
    imagenet = spec.stem == "imagenet"
    x = b.conv(x, 64, kernel=7 if imagenet else 3, stride=2 if imagenet else 1,
               pad=3 if imagenet else 1, bias=False, weight_filler=MSRA, name=stem["conv"])
    x = b.relu(b.bn_scale(x, bn=stem["bn"], scale=stem["scale"], eps=eps), name=stem["relu"])
    if imagenet:
        x = b.max_pool(x, kernel=3, stride=2, name=stem["pool"])
    channels = 64
    spans: dict[str, tuple[int, int]] = {}  # unit name -> its layers' index range
    for s, count in enumerate(spec.units, 1):
        inner = spec.cardinality * spec.bottleneck_width * 2 ** (s - 1)
        outer = 256 * 2 ** (s - 1)
        for u in range(1, count + 1):
            stride = 2 if u == 1 and s > 1 else 1
            project = u == 1 and (stride != 1 or channels != outer)
            unit = _preact_unit if pre else _post_unit
            first = len(b.graph.nodes)
            x = unit(b, names, eps, x, s, u, inner, outer, stride, project, spec.cardinality)
            spans[names.unit(s, u)] = (first, len(b.graph.nodes))
            channels = outer
    head = names.head()
    if pre:
        x = b.relu(b.bn_scale(x, bn=head["bn"], scale=head["scale"], eps=eps, top=head["bn"]),
                   name=head["relu"])
    x = b.global_avg_pool(x, name=head["pool"])
    x = b.fc(x, spec.classes, name=head["fc"], weight_filler=CLASSIFIER)
    graph = b.finish(b.softmax(x, name=head["prob"]))
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


def _post_unit(b: NetBuilder, n: _Names, eps: float, x: Value, s: int, u: int, inner: int,
               outer: int, stride: int, project: bool, cardinality: int) -> Value:
    y = b.conv(x, inner, kernel=1, bias=False, weight_filler=MSRA, name=n.conv(s, u, 1))
    y = b.relu(b.bn_scale(y, bn=n.bn(s, u, 1)[0], scale=n.bn(s, u, 1)[1], eps=eps),
               name=n.relu(s, u, 1))
    y = b.conv(y, inner, kernel=3, stride=stride, pad=1, group=cardinality, bias=False,
               weight_filler=MSRA,
               name=n.conv(s, u, 2))
    y = b.relu(b.bn_scale(y, bn=n.bn(s, u, 2)[0], scale=n.bn(s, u, 2)[1], eps=eps),
               name=n.relu(s, u, 2))
    y = b.conv(y, outer, kernel=1, bias=False, weight_filler=MSRA, name=n.conv(s, u, 3))
    y = b.bn_scale(y, bn=n.bn(s, u, 3)[0], scale=n.bn(s, u, 3)[1], eps=eps)
    short = x
    if project:
        conv, bn, scale = n.shortcut(s, u)
        short = b.bn_scale(b.conv(x, outer, kernel=1, stride=stride, bias=False,
                                  weight_filler=MSRA, name=conv),
                           bn=bn, scale=scale, eps=eps)
    plus, relu = n.plus(s, u)
    return b.relu(b.add(short, y, name=plus), name=relu)


def _preact_unit(b: NetBuilder, n: _Names, eps: float, x: Value, s: int, u: int, inner: int,
                 outer: int, stride: int, project: bool, cardinality: int) -> Value:
    t = n.unit(s, u)
    act = b.relu(b.bn_scale(x, bn=f"{t}_bn1", scale=f"scale_{t}_bn1", eps=eps,
                            top=f"{t}_bn1"), name=f"{t}_relu1")
    y = b.conv(act, inner, kernel=1, bias=False, weight_filler=MSRA, name=f"{t}_conv1")
    y = b.relu(b.bn_scale(y, bn=f"{t}_bn2", scale=f"scale_{t}_bn2", eps=eps), name=f"{t}_relu2")
    y = b.conv(y, inner, kernel=3, stride=stride, pad=1, group=cardinality, bias=False,
               weight_filler=MSRA,
               name=f"{t}_conv2")
    y = b.relu(b.bn_scale(y, bn=f"{t}_bn3", scale=f"scale_{t}_bn3", eps=eps), name=f"{t}_relu3")
    y = b.conv(y, outer, kernel=1, bias=False, weight_filler=MSRA, name=f"{t}_conv3")
    short = b.conv(act, outer, kernel=1, stride=stride, bias=False, weight_filler=MSRA,
                   name=f"{t}_sc") \
        if project else x
    return b.add(y, short, name=f"{t}_plus")
