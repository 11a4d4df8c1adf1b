"""A hand-written PyTorch ResNeXt in torchvision's architecture, the reference the compiled
module is timed against, and the mapping that loads it with the same weights.

torchvision's ResNeXt (Bottleneck blocks: 1x1 conv, grouped 3x3 conv carrying the stride,
1x1 conv, each followed by BatchNorm; a 1x1 projection with BatchNorm on each stage's first
block; ReLU in place) with two touches so it computes what the seed's Caffe net computes:
the stem's max pool is Caffe's (3x3/2, ceil rounding, no padding: same 56x56 output as
torchvision's padded pool), and a BatchNorm on the input stands for the seed's bn_data +
scale_bn_data. torchvision itself is not importable beside our torch build, so the model
is written out here.
"""
from __future__ import annotations

import numpy as np
import torch
from torch import nn


class Bottleneck(nn.Module):
    def __init__(self, inplanes: int, width: int, outplanes: int, groups: int, stride: int,
                 project: bool) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(inplanes, width, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(width, eps=2e-5)
        self.conv2 = nn.Conv2d(width, width, 3, stride, 1, groups=groups, bias=False)
        self.bn2 = nn.BatchNorm2d(width, eps=2e-5)
        self.conv3 = nn.Conv2d(width, outplanes, 1, bias=False)
        self.bn3 = nn.BatchNorm2d(outplanes, eps=2e-5)
        self.relu = nn.ReLU(inplace=True)
        self.downsample = (nn.Sequential(nn.Conv2d(inplanes, outplanes, 1, stride, bias=False),
                                         nn.BatchNorm2d(outplanes, eps=2e-5))
                           if project else None)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        identity = x if self.downsample is None else self.downsample(x)
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.relu(self.bn2(self.conv2(out)))
        out = self.bn3(self.conv3(out))
        out += identity
        return self.relu(out)


class ResNeXt(nn.Module):
    def __init__(self, units: list[int], groups: int, width_per_group: int,
                 classes: int = 1000) -> None:
        super().__init__()
        self.bn_data = nn.BatchNorm2d(3, eps=2e-5)
        self.conv1 = nn.Conv2d(3, 64, 7, 2, 3, bias=False)
        self.bn1 = nn.BatchNorm2d(64, eps=2e-5)
        self.relu = nn.ReLU(inplace=True)
        self.maxpool = nn.MaxPool2d(3, 2, ceil_mode=True)
        stages = []
        inplanes = 64
        for s, count in enumerate(units):
            width = groups * width_per_group * 2 ** s
            out = 256 * 2 ** s
            first = Bottleneck(inplanes, width, out, groups, 2 if s else 1, project=True)
            blocks = [first] + [Bottleneck(out, width, out, groups, 1, project=False)
                                for _ in range(count - 1)]
            inplanes = out
            stages.append(nn.Sequential(*blocks))
        self.layer1, self.layer2, self.layer3, self.layer4 = stages
        self.avgpool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(inplanes, classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.maxpool(self.relu(self.bn1(self.conv1(self.bn_data(x)))))
        x = self.layer4(self.layer3(self.layer2(self.layer1(x))))
        return torch.softmax(self.fc(torch.flatten(self.avgpool(x), 1)), dim=1)


def layers(model: ResNeXt) -> tuple[list[tuple[nn.Conv2d, str]],
                                     list[tuple[nn.BatchNorm2d, str, str]]]:
    """The model's convolutions with the seed's layer names, and its BatchNorm2d modules
    with the names of the Caffe BatchNorm and Scale pair each stands for."""
    convs = [(model.conv1, "conv0")]
    bns = [(model.bn_data, "bn_data", "scale_bn_data"), (model.bn1, "bn0", "scale_bn0")]
    for s, stage in enumerate((model.layer1, model.layer2, model.layer3, model.layer4), 1):
        for u, block in enumerate(stage, 1):
            p = f"stage{s}_unit{u}"
            for i in (1, 2, 3):
                convs.append((getattr(block, f"conv{i}"), f"{p}_conv{i}"))
                bns.append((getattr(block, f"bn{i}"), f"{p}_bn{i}", f"scale_{p}_bn{i}"))
            if block.downsample is not None:
                convs.append((block.downsample[0], f"{p}_sc"))
                bns.append((block.downsample[1], f"{p}_sc_bn", f"scale_{p}_sc_bn"))
    return convs, bns


def load_from_graph(model: ResNeXt, graph) -> None:  # noqa: ANN001 - an ir.Graph with blobs
    """Copies the seed-style graph's blobs (MXNet names) into the model: a Caffe BatchNorm +
    Scale pair becomes one torch BatchNorm2d (running stats from the BatchNorm blobs divided
    by the moving-average factor, weight and bias from the Scale)."""
    blobs = {node.name: node.blobs for node in graph.nodes if node.blobs is not None}
    eps = {node.name: node.params.eps for node in graph.nodes if node.type == "BatchNorm"}
    convs, bns = layers(model)
    with torch.no_grad():
        for dst, name in convs:
            dst.weight.copy_(torch.from_numpy(blobs[name][0]))
        for dst, bn_name, scale_name in bns:
            mean, var, factor = blobs[bn_name]
            s = 0.0 if float(factor[0]) == 0 else 1.0 / float(factor[0])
            dst.running_mean.copy_(torch.from_numpy(mean * s))
            dst.running_var.copy_(torch.from_numpy(var * s))
            dst.eps = eps[bn_name]
            dst.weight.copy_(torch.from_numpy(blobs[scale_name][0]))
            dst.bias.copy_(torch.from_numpy(blobs[scale_name][1]))
        model.fc.weight.copy_(torch.from_numpy(blobs["fc1"][0]))
        model.fc.bias.copy_(torch.from_numpy(blobs["fc1"][1]))


def calibrate(graph, seed: int = 1) -> None:  # noqa: ANN001 - an ir.Graph with blobs
    """Replaces the graph's BatchNorm statistics by those of its own activations on a batch
    of random images (each BatchNorm measured with the ones before it already calibrated, as
    training would leave them), keeping each layer's moving-average factor. Random statistics
    let activations grow to 1e4-1e5 by the last stage and the probabilities come out one-hot,
    where a comparison of two models' outputs says little."""
    model = ResNeXt([3, 4, 6, 3], 32, 4)
    load_from_graph(model, graph)
    _, bns = layers(model)
    for bn, _, _ in bns:
        bn.reset_running_stats()
        bn.momentum = None  # the running stats become this batch's statistics
    model.train()
    with torch.no_grad():
        model(torch.randn(8, 3, 224, 224, generator=torch.Generator().manual_seed(seed)))
    nodes = {node.name: node for node in graph.nodes}
    for bn, bn_name, _ in bns:
        node = nodes[bn_name]
        factor = node.blobs[2]
        f = float(factor[0])
        node.blobs = (np.asarray(bn.running_mean.numpy() * f, np.float32),
                      np.asarray(bn.running_var.numpy() * f, np.float32), factor)
