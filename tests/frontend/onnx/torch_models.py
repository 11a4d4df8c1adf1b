"""Small torch.nn models in the shapes of the architectures people ship to Caffe: a ResNeXt
unit, a ResNet-18-style net, an Inception block, MobileNetV2 and V3 blocks, a feature
pyramid's bilinear top-down path, DeepLab's corner-aligned upsampling, a 1-D temporal
convolution net, a CycleGAN-style generator's reflection pads, ConvNeXt's channels-last
blocks, MLP-Mixer, a vision transformer; channels and sizes shrunk, random weights and BatchNorm statistics
(seeded), eval mode."""
from __future__ import annotations

from typing import Any

import torch
from torch import nn


def _bn(channels: int, eps: float = 1e-5) -> nn.BatchNorm2d:
    return nn.BatchNorm2d(channels, eps=eps)


class ResNeXtUnit(nn.Module):
    """The bottleneck with a grouped 3x3 and a projection shortcut of stride 2."""

    def __init__(self, inp: int = 16, width: int = 16, out: int = 32, groups: int = 4) -> None:
        super().__init__()
        self.conv1, self.bn1 = nn.Conv2d(inp, width, 1, bias=False), _bn(width)
        self.conv2 = nn.Conv2d(width, width, 3, 2, 1, groups=groups, bias=False)
        self.bn2 = _bn(width)
        self.conv3, self.bn3 = nn.Conv2d(width, out, 1, bias=False), _bn(out)
        self.down = nn.Sequential(nn.Conv2d(inp, out, 1, 2, bias=False), _bn(out))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = torch.relu(self.bn1(self.conv1(x)))
        y = torch.relu(self.bn2(self.conv2(y)))
        return torch.relu(self.bn3(self.conv3(y)) + self.down(x))


class BasicBlock(nn.Module):
    def __init__(self, inp: int, out: int, stride: int) -> None:
        super().__init__()
        self.conv1, self.bn1 = nn.Conv2d(inp, out, 3, stride, 1, bias=False), _bn(out)
        self.conv2, self.bn2 = nn.Conv2d(out, out, 3, 1, 1, bias=False), _bn(out)
        self.down = None
        if stride != 1 or inp != out:
            self.down = nn.Sequential(nn.Conv2d(inp, out, 1, stride, bias=False), _bn(out))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = self.bn2(self.conv2(torch.relu(self.bn1(self.conv1(x)))))
        return torch.relu(y + (x if self.down is None else self.down(x)))


class ResNet18Style(nn.Module):
    """torchvision's ResNet-18 layout (stem, max pool, 2-2-2-2 basic blocks, global average
    pool, fc) at widths 4-8-16-32."""

    def __init__(self, widths: tuple[int, ...] = (4, 8, 16, 32), classes: int = 10) -> None:
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(3, widths[0], 7, 2, 3, bias=False), _bn(widths[0]),
                                  nn.ReLU(inplace=True), nn.MaxPool2d(3, 2, 1))
        blocks, inp = [], widths[0]
        for i, width in enumerate(widths):
            blocks += [BasicBlock(inp, width, 1 if i == 0 else 2), BasicBlock(width, width, 1)]
            inp = width
        self.blocks = nn.Sequential(*blocks)
        self.pool = nn.AdaptiveAvgPool2d((1, 1))
        self.fc = nn.Linear(inp, classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc(torch.flatten(self.pool(self.blocks(self.stem(x))), 1))


class BasicConv(nn.Module):
    def __init__(self, inp: int, out: int, **kw: Any) -> None:
        super().__init__()
        self.conv, self.bn = nn.Conv2d(inp, out, bias=False, **kw), _bn(out, eps=0.001)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.relu(self.bn(self.conv(x)))


class InceptionBlock(nn.Module):
    """GoogLeNet's Inception module (its ceil-mode max pools included), then a ceil-mode
    pool of stride 2 and an average pool that counts padding."""

    def __init__(self, inp: int = 12) -> None:
        super().__init__()
        self.b1 = BasicConv(inp, 8, kernel_size=1)
        self.b2 = nn.Sequential(BasicConv(inp, 6, kernel_size=1),
                                BasicConv(6, 8, kernel_size=3, padding=1))
        self.b3 = nn.Sequential(BasicConv(inp, 4, kernel_size=1),
                                BasicConv(4, 4, kernel_size=3, padding=1))
        self.b4 = nn.Sequential(nn.MaxPool2d(3, 1, 1, ceil_mode=True),
                                BasicConv(inp, 4, kernel_size=1))
        self.pool = nn.MaxPool2d(3, 2, ceil_mode=True)
        self.avg = nn.AvgPool2d(3, 1, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = torch.cat([self.b1(x), self.b2(x), self.b3(x), self.b4(x)], 1)
        return self.avg(self.pool(y))


class InvertedResidual(nn.Module):
    def __init__(self, inp: int, out: int, stride: int, expand: int = 6) -> None:
        super().__init__()
        hidden = inp * expand
        self.residual = stride == 1 and inp == out
        self.block = nn.Sequential(
            nn.Conv2d(inp, hidden, 1, bias=False), _bn(hidden), nn.ReLU6(inplace=True),
            nn.Conv2d(hidden, hidden, 3, stride, 1, groups=hidden, bias=False), _bn(hidden),
            nn.ReLU6(inplace=True), nn.Conv2d(hidden, out, 1, bias=False), _bn(out))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = self.block(x)
        return x + y if self.residual else y


class MobileNetV2Block(nn.Module):
    """Two inverted residuals (one with its identity shortcut, one of stride 2), then the
    classifier head as torchvision writes it (``x.mean((2, 3))`` style pooling)."""

    def __init__(self) -> None:
        super().__init__()
        self.blocks = nn.Sequential(InvertedResidual(8, 8, 1), InvertedResidual(8, 12, 2))
        self.fc = nn.Linear(12, 5)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc(self.blocks(x).mean((2, 3)))


class FPNHead(nn.Module):
    """A feature pyramid's top-down path and a segmentation head as torch writes them: the
    coarse map upsampled bilinearly (align_corners=False, torch's default) by 2 and added
    to the lateral 1x1 of the fine map, then the logits upsampled to the input's size."""

    def __init__(self) -> None:
        super().__init__()
        self.fine = nn.Sequential(nn.Conv2d(3, 8, 3, 2, 1), nn.ReLU())
        self.coarse = nn.Sequential(nn.Conv2d(8, 8, 3, 2, 1), nn.ReLU())
        self.lateral = nn.Conv2d(8, 8, 1)
        self.classes = nn.Conv2d(8, 4, 3, 1, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        fine = self.fine(x)
        top = nn.functional.interpolate(self.coarse(fine), scale_factor=2, mode="bilinear")
        logits = self.classes(torch.relu(top + self.lateral(fine)))
        return nn.functional.interpolate(logits, size=x.shape[2:], mode="bilinear")


class DeepLabHead(nn.Module):
    """DeepLab's decoder as its PyTorch ports write it: a stride-4 trunk, a dilated 3x3, the
    logits upsampled with corners aligned to the input's size (33 from 9: (33 - 1) / (9 - 1)
    = 4, as 513 from 65)."""

    def __init__(self) -> None:
        super().__init__()
        self.trunk = nn.Sequential(nn.Conv2d(3, 8, 3, 2, 1), nn.ReLU(),
                                   nn.Conv2d(8, 8, 3, 2, 1), nn.ReLU())
        self.atrous = nn.Sequential(nn.Conv2d(8, 8, 3, 1, 2, dilation=2), nn.ReLU())
        self.classes = nn.Conv2d(8, 3, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        logits = self.classes(self.atrous(self.trunk(x)))
        return nn.functional.interpolate(logits, size=x.shape[2:], mode="bilinear",
                                         align_corners=True)


class MobileNetV3Block(nn.Module):
    """MobileNetV3's inverted residual with h-swish and its squeeze-excite gated by a hard
    sigmoid, then the stem of its classifier (global pool, 1x1, h-swish)."""

    def __init__(self, width: int = 8, hidden: int = 24) -> None:
        super().__init__()
        self.expand = nn.Sequential(nn.Conv2d(width, hidden, 1, bias=False), _bn(hidden),
                                    nn.Hardswish())
        self.depthwise = nn.Sequential(
            nn.Conv2d(hidden, hidden, 3, 1, 1, groups=hidden, bias=False), _bn(hidden),
            nn.Hardswish())
        self.squeeze = nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Conv2d(hidden, 8, 1),
                                     nn.ReLU(), nn.Conv2d(8, hidden, 1), nn.Hardsigmoid())
        self.project = nn.Sequential(nn.Conv2d(hidden, width, 1, bias=False), _bn(width))
        self.head = nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Conv2d(width, 16, 1),
                                  nn.Hardswish())

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = self.depthwise(self.expand(x))
        return self.head(x + self.project(y * self.squeeze(y)))


class TemporalConvNet(nn.Module):
    """A 1-D net over (N, C, L), as keyword spotters and sequence models write it: Conv1d
    with BatchNorm1d, a dilated grouped Conv1d, MaxPool1d, an AvgPool1d that does not count
    padding, a ConvTranspose1d, and a head pooled over time two ways (a mean, an adaptive max
    pool to 1), concatenated."""

    def __init__(self) -> None:
        super().__init__()
        self.conv1, self.bn = nn.Conv1d(4, 8, 3, padding=1), nn.BatchNorm1d(8)
        self.conv2 = nn.Conv1d(8, 8, 3, padding=2, dilation=2, groups=2)
        self.pool = nn.MaxPool1d(2)
        self.ave = nn.AvgPool1d(3, 1, 1, count_include_pad=False)
        self.up = nn.ConvTranspose1d(8, 4, 4, stride=2, padding=1)
        self.head = nn.Conv1d(4, 3, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = torch.relu(self.conv2(torch.relu(self.bn(self.conv1(x)))))
        y = self.head(self.up(self.ave(self.pool(y))))
        return torch.cat([y.mean(2), nn.functional.adaptive_max_pool1d(y, 1).flatten(1)], 1)


class ReflectGenerator(nn.Module):
    """A CycleGAN-style generator's ends: ReflectionPad2d(3) before a 7x7 convolution, a
    residual block padded by reflection, and a ReplicationPad2d(1) before the last 3x3."""

    def __init__(self) -> None:
        super().__init__()
        self.stem = nn.Sequential(nn.ReflectionPad2d(3), nn.Conv2d(3, 8, 7), nn.ReLU())
        self.block = nn.Sequential(nn.ReflectionPad2d(1), nn.Conv2d(8, 8, 3), nn.ReLU(),
                                   nn.ReflectionPad2d(1), nn.Conv2d(8, 8, 3))
        self.out = nn.Sequential(nn.ReplicationPad2d(1), nn.Conv2d(8, 3, 3), nn.Tanh())

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = self.stem(x)
        return self.out(y + self.block(y))


class PixelShuffleSR(nn.Module):
    """A super-resolution body: ``pixel_unshuffle`` by 2 into channels (exported as Reshape,
    Transpose, Reshape), two 3x3 convolutions, ``pixel_shuffle`` by 2 back (DepthToSpace,
    CRD), and an ESPCN tail to twice the size (a 3x3 convolution to 3 x 4 channels,
    ``pixel_shuffle`` by 2), plus the input upsampled as its skip."""

    def __init__(self) -> None:
        super().__init__()
        self.body = nn.Sequential(nn.PixelUnshuffle(2), nn.Conv2d(12, 16, 3, padding=1),
                                  nn.ReLU(), nn.Conv2d(16, 12, 3, padding=1), nn.PixelShuffle(2))
        self.tail = nn.Sequential(nn.Conv2d(3, 12, 3, padding=1), nn.PixelShuffle(2))
        self.skip = nn.Upsample(scale_factor=2, mode="nearest")

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.tail(torch.relu(x + self.body(x))) + self.skip(x)


class NormalizedGenerator(nn.Module):
    """A style-transfer generator's block, InstanceNorm2d after each convolution (affine
    and not), and a detection head's GroupNorm (4 groups of 4 channels)."""

    def __init__(self) -> None:
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(3, 16, 3, padding=1),
                                  nn.InstanceNorm2d(16, affine=True), nn.ReLU())
        self.block = nn.Sequential(nn.Conv2d(16, 16, 3, padding=1), nn.InstanceNorm2d(16),
                                   nn.ReLU())
        self.head = nn.Sequential(nn.Conv2d(16, 16, 3, padding=1), nn.GroupNorm(4, 16),
                                  nn.ReLU(), nn.Conv2d(16, 3, 1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = self.stem(x)
        return self.head(y + self.block(y))


class EmbeddingHead(nn.Module):
    """A face-recognition embedding's end: convolution, global pooling, a Linear, LayerNorm
    (at opset 17 ONNX's LayerNormalization, before it mean, variance and a division), a
    Linear and the L2 normalisation of ``F.normalize``."""

    def __init__(self) -> None:
        super().__init__()
        self.conv = nn.Conv2d(3, 8, 3)
        self.fc1, self.norm, self.fc2 = nn.Linear(8, 16), nn.LayerNorm(16), nn.Linear(16, 6)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = torch.relu(self.conv(x)).mean((2, 3))
        return nn.functional.normalize(self.fc2(torch.relu(self.norm(self.fc1(y)))), dim=1)


class FocusStem(nn.Module):
    """YOLOv5's first layer, and the channel flip of an RGB-trained net fed BGR: the input's
    channels reversed (``x.flip(1)``), its four interleaved quarters (``x[..., ::2, ::2]``
    and so on) concatenated, a 3x3 convolution, SiLU written as x * sigmoid(x), and the
    first channel selected (``y[:, 0]``) added back to every channel."""

    def __init__(self) -> None:
        super().__init__()
        self.conv = nn.Conv2d(12, 8, 3, padding=1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = x.flip(1)
        x = torch.cat([x[..., ::2, ::2], x[..., 1::2, ::2], x[..., ::2, 1::2],
                       x[..., 1::2, 1::2]], 1)
        y = self.conv(x)
        y = y * torch.sigmoid(y)
        return y + y[:, 0].unsqueeze(1)


class CBAMBlock(nn.Module):
    """CBAM after a convolution: channel attention (an MLP of 1x1 convolutions over the
    average- and max-pooled maps, summed, a sigmoid), then spatial attention (the mean and
    max over channels, concatenated, a 7x7 convolution, a sigmoid) broadcast over the
    channels; at batch 2, where that broadcast is no Scale of Caffe's."""

    def __init__(self) -> None:
        super().__init__()
        self.conv = nn.Conv2d(3, 8, 3, padding=1)
        self.mlp = nn.Sequential(nn.Conv2d(8, 2, 1), nn.ReLU(), nn.Conv2d(2, 8, 1))
        self.spatial = nn.Conv2d(2, 1, 7, padding=3)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = torch.relu(self.conv(x))
        gate = torch.sigmoid(self.mlp(x.mean((2, 3), keepdim=True))
                             + self.mlp(x.amax((2, 3), keepdim=True)))
        x = x * gate
        pooled = torch.cat([x.mean(1, keepdim=True), x.amax(1, keepdim=True)], 1)
        return x * torch.sigmoid(self.spatial(pooled))


class LayerNorm2d(nn.LayerNorm):
    """torchvision's ConvNeXt LayerNorm2d: a LayerNorm over channels, channels-last between
    two permutes."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = x.permute(0, 2, 3, 1)
        x = nn.functional.layer_norm(x, self.normalized_shape, self.weight, self.bias, self.eps)
        return x.permute(0, 3, 1, 2)


class ConvNeXtBlock(nn.Module):
    """torchvision's CNBlock: a depthwise 7x7, then channels-last LayerNorm, Linear, GELU,
    Linear, back to channels-first, a layer scale and the residual."""

    def __init__(self, dim: int) -> None:
        super().__init__()
        self.dwconv = nn.Conv2d(dim, dim, 7, padding=3, groups=dim)
        self.norm = nn.LayerNorm(dim, eps=1e-6)
        self.fc1, self.act, self.fc2 = nn.Linear(dim, 4 * dim), nn.GELU(), nn.Linear(4 * dim, dim)
        self.layer_scale = nn.Parameter(torch.rand(dim, 1, 1, generator=torch.Generator()
                                                   .manual_seed(dim)) + 0.5)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = self.dwconv(x).permute(0, 2, 3, 1)
        y = self.fc2(self.act(self.fc1(self.norm(y)))).permute(0, 3, 1, 2)
        return x + self.layer_scale * y


class ConvNeXtStyle(nn.Module):
    """ConvNeXt's layout (a 4x4 patchify stem and LayerNorm2d, blocks, a LayerNorm2d and 2x2
    downsampling, pooled LayerNorm2d head) at widths 8-16, at batch 2."""

    def __init__(self, classes: int = 10) -> None:
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(3, 8, 4, 4), LayerNorm2d(8, eps=1e-6))
        self.stage1 = ConvNeXtBlock(8)
        self.down = nn.Sequential(LayerNorm2d(8, eps=1e-6), nn.Conv2d(8, 16, 2, 2))
        self.stage2 = ConvNeXtBlock(16)
        self.head = nn.Sequential(nn.AdaptiveAvgPool2d(1), LayerNorm2d(16, eps=1e-6),
                                  nn.Flatten(1), nn.Linear(16, classes))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.stage2(self.down(self.stage1(self.stem(x)))))


class ChannelsLast1d(nn.Module):
    """A 1-D convolution, then a feed-forward block over its channels, channels-last
    between two transposes (LayerNorm, Linear, tanh-approximated GELU, Linear), and the
    residual: a speech model's convolution module."""

    def __init__(self) -> None:
        super().__init__()
        self.conv = nn.Conv1d(4, 8, 3, padding=1)
        self.norm = nn.LayerNorm(8)
        self.ffn = nn.Sequential(nn.Linear(8, 16), nn.GELU(approximate="tanh"),
                                 nn.Linear(16, 8))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = self.conv(x)
        return y + self.ffn(self.norm(y.transpose(1, 2))).transpose(1, 2)


class MixerBlock(nn.Module):
    """MLP-Mixer's block: a token-mixing MLP over the patches (between two transposes) and
    a channel-mixing MLP, each after a LayerNorm, each with its residual."""

    def __init__(self, tokens: int, dim: int) -> None:
        super().__init__()
        self.norm1, self.norm2 = nn.LayerNorm(dim), nn.LayerNorm(dim)
        self.tokens = nn.Sequential(nn.Linear(tokens, 2 * tokens), nn.GELU(),
                                    nn.Linear(2 * tokens, tokens))
        self.channels = nn.Sequential(nn.Linear(dim, 3 * dim), nn.GELU(), nn.Linear(3 * dim, dim))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = x + self.tokens(self.norm1(x).transpose(1, 2)).transpose(1, 2)
        return x + self.channels(self.norm2(x))


class MLPMixer(nn.Module):
    """MLP-Mixer at 16 x 16: a 4x4 patch embedding flattened to (N, patches, C) tokens, two
    blocks, a LayerNorm, the mean over patches, a classifier; at batch 2."""

    def __init__(self, dim: int = 8, classes: int = 5) -> None:
        super().__init__()
        self.stem = nn.Conv2d(3, dim, 4, 4)
        self.blocks = nn.Sequential(MixerBlock(16, dim), MixerBlock(16, dim))
        self.norm, self.head = nn.LayerNorm(dim), nn.Linear(dim, classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.norm(self.blocks(self.stem(x).flatten(2).transpose(1, 2)))
        return self.head(x.mean(1))


class Attention(nn.Module):
    """Self-attention as ViT ports write it: one Linear to queries, keys and values, heads
    split by a reshape and a permute, softmax(q k^T / sqrt(d)) v, heads merged back, a
    projection."""

    def __init__(self, dim: int, heads: int) -> None:
        super().__init__()
        self.heads, self.qkv, self.proj = heads, nn.Linear(dim, 3 * dim), nn.Linear(dim, dim)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        n, t, c = x.shape
        qkv = self.qkv(x).reshape(n, t, 3, self.heads, c // self.heads).permute(2, 0, 3, 1, 4)
        q, k, v = qkv[0], qkv[1], qkv[2]
        weights = ((q @ k.transpose(-2, -1)) * (c // self.heads) ** -0.5).softmax(-1)
        return self.proj((weights @ v).transpose(1, 2).reshape(n, t, c))


class ViTBlock(nn.Module):
    """A pre-norm transformer block: attention (this module's own: torch's
    MultiheadAttention, as torchvision's ViT has it, exports from opset 14 only, and the
    slow torchvision sweep converts it) and an MLP, each with its residual."""

    def __init__(self, dim: int, heads: int) -> None:
        super().__init__()
        self.norm1, self.norm2 = nn.LayerNorm(dim), nn.LayerNorm(dim)
        self.attention = Attention(dim, heads)
        self.mlp = nn.Sequential(nn.Linear(dim, 2 * dim), nn.GELU(), nn.Linear(2 * dim, dim))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = x + self.attention(self.norm1(x))
        return x + self.mlp(self.norm2(x))


class ViTStyle(nn.Module):
    """A vision transformer at 16 x 16: a 4x4 patch embedding to 16 tokens, a class token
    before them, learned position embeddings, two blocks, a
    LayerNorm and a classifier on the class token."""

    def __init__(self, dim: int = 8, heads: int = 2, classes: int = 5) -> None:
        super().__init__()
        self.stem = nn.Conv2d(3, dim, 4, 4)
        self.cls = nn.Parameter(torch.randn(1, 1, dim, generator=torch.Generator()
                                            .manual_seed(5)) * 0.1)
        self.position = nn.Parameter(torch.randn(1, 17, dim, generator=torch.Generator()
                                                 .manual_seed(6)) * 0.1)
        self.blocks = nn.Sequential(ViTBlock(dim, heads), ViTBlock(dim, heads))
        self.norm, self.head = nn.LayerNorm(dim), nn.Linear(dim, classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        tokens = self.stem(x).flatten(2).transpose(1, 2)
        tokens = torch.cat([self.cls.expand(x.shape[0], -1, -1), tokens], 1) + self.position
        return self.head(self.norm(self.blocks(tokens))[:, 0])


def randomise(module: nn.Module, seed: int) -> nn.Module:
    """Seeded weights and BatchNorm statistics (trained-like: non-trivial mean, variance,
    scale and shift), eval mode."""
    generator = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for sub in module.modules():
            if isinstance(sub, (nn.InstanceNorm2d, nn.GroupNorm, nn.LayerNorm)) and \
                    sub.weight is not None:
                sub.weight.copy_(torch.rand(sub.weight.shape, generator=generator) + 0.5)
                sub.bias.copy_(torch.randn(sub.bias.shape, generator=generator) * 0.1)
            elif isinstance(sub, (nn.BatchNorm1d, nn.BatchNorm2d)):
                sub.running_mean.copy_(torch.randn(sub.num_features, generator=generator) * 0.2)
                sub.running_var.copy_(torch.rand(sub.num_features, generator=generator) + 0.5)
                sub.weight.copy_(torch.rand(sub.num_features, generator=generator) + 0.5)
                sub.bias.copy_(torch.randn(sub.num_features, generator=generator) * 0.1)
            elif isinstance(sub, (nn.Conv1d, nn.Conv2d, nn.ConvTranspose1d, nn.Linear)):
                fan_in = sub.weight[0].numel()
                sub.weight.copy_(torch.randn(sub.weight.shape, generator=generator)
                                 * (2.0 / fan_in) ** 0.5)
                if sub.bias is not None:
                    sub.bias.copy_(torch.randn(sub.bias.shape, generator=generator) * 0.1)
    return module.eval()


# name: (model factory, input shape)
MODELS = {
    "resnext_unit": (ResNeXtUnit, (1, 16, 8, 8)),
    "resnet18_style": (ResNet18Style, (1, 3, 32, 32)),
    "inception_block": (InceptionBlock, (1, 12, 9, 9)),
    "mobilenetv2_block": (MobileNetV2Block, (1, 8, 8, 8)),
    "fpn_bilinear": (FPNHead, (1, 3, 12, 16)),
    "deeplab_corners": (DeepLabHead, (1, 3, 33, 33)),
    "mobilenetv3_block": (MobileNetV3Block, (1, 8, 7, 7)),
    "tcn_1d": (TemporalConvNet, (2, 4, 16)),
    "reflect_generator": (ReflectGenerator, (1, 3, 10, 12)),
    "pixel_shuffle_sr": (PixelShuffleSR, (1, 3, 8, 10)),
    "normalized_generator": (NormalizedGenerator, (2, 3, 9, 8)),
    "embedding_head": (EmbeddingHead, (2, 3, 7, 7)),
    "focus_stem": (FocusStem, (1, 3, 8, 10)),
    "cbam_block": (CBAMBlock, (2, 3, 9, 8)),
    "convnext_style": (ConvNeXtStyle, (2, 3, 32, 32)),
    "channels_last_1d": (ChannelsLast1d, (2, 4, 12)),
    "mlp_mixer": (MLPMixer, (2, 3, 16, 16)),
    "vit_style": (ViTStyle, (2, 3, 16, 16)),
}
OPSETS = (11, 13, 17)


def make(name: str) -> tuple[nn.Module, torch.Tensor]:
    factory, shape = MODELS[name]
    model = randomise(factory(), seed=len(name))
    example = torch.randn(shape, generator=torch.Generator().manual_seed(1))
    return model, example
