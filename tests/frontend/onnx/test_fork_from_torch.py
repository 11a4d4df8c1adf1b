"""Fork layers from other exporters' ONNX: torch's channel shuffle (reshape to (N, g, C/g, H,
W), transpose of axes 1 and 2, reshape back) is ShuffleChannel with ``fork="shufflenet"``,
and its nearest upsampling by one integer factor is the YOLO ports' Upsample with
``fork="yolo"``; without the fork the shuffle is BVLC's Slice, Reshape and Concat (the
transpose as copies) and the upsampling BVLC's grouped Deconvolution. Each at opsets 11, 13 and 17, and the
Caffe graph (run in the PyTorch backend, whose fork layers are held to the forks' own
forwards in tests/backends) computes what the module computes."""
from __future__ import annotations

import pytest

torch = pytest.importorskip("torch")

from prototxt_compiler.backends.torch import to_torch  # noqa: E402
from prototxt_compiler.frontend.onnx import UnsupportedNodesError  # noqa: E402
from prototxt_compiler.to_caffe import from_torch  # noqa: E402
from tests.tolerance import assert_close  # noqa: E402

OPSETS = (11, 13, 17)


class Shuffle(torch.nn.Module):
    """ShuffleNet's unit, as its torch ports write the shuffle."""

    def __init__(self, groups: int = 3) -> None:
        super().__init__()
        self.groups = groups
        self.conv = torch.nn.Conv2d(12, 12, 1, groups=groups)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.conv(x)
        n, c, h, w = x.shape
        x = x.reshape(n, self.groups, c // self.groups, h, w).transpose(1, 2)
        return torch.relu(x.reshape(n, c, h, w))


class Neck(torch.nn.Module):
    """YOLOv3's route: a 1x1 convolution, upsampled by 2, concatenated with a skip."""

    def __init__(self, mode_factor: tuple[float, float] = (2.0, 2.0)) -> None:
        super().__init__()
        self.conv = torch.nn.Conv2d(8, 4, 1)
        self.up = torch.nn.Upsample(scale_factor=mode_factor, mode="nearest")

    def forward(self, x: torch.Tensor, skip: torch.Tensor) -> torch.Tensor:
        return torch.cat([self.up(self.conv(x)), skip], 1)


def _run(module: torch.nn.Module, graph, *inputs: torch.Tensor) -> None:  # noqa: ANN001
    with torch.inference_mode():
        assert_close(to_torch(graph)(*inputs).numpy(), module(*inputs).numpy(),
                     type(module).__name__)


@pytest.mark.parametrize("opset", OPSETS)
def test_torch_channel_shuffle_is_shuffle_channel_with_its_fork(opset: int) -> None:
    torch.manual_seed(opset)
    module, x = Shuffle().eval(), torch.randn(2, 12, 5, 7)
    graph = from_torch(module, (x,), opset=opset, fork="shufflenet")
    shuffles = [n for n in graph.nodes if n.type == "ShuffleChannel"]
    assert [n.params.group for n in shuffles] == [3]
    assert {n.type for n in graph.nodes} == {"Convolution", "ShuffleChannel", "ReLU"}
    _run(module, graph, x)


@pytest.mark.parametrize("fork", [None, "yolo"])  # yolo: a fork without ShuffleChannel
def test_torch_channel_shuffle_without_the_fork_is_bvlc_copies(fork: str | None) -> None:
    torch.manual_seed(3)
    module, x = Shuffle().eval(), torch.randn(2, 12, 4, 4)
    graph = from_torch(module, (x,), opset=17, fork=fork)
    types = [n.type for n in graph.nodes]
    # the (N, 3, 4, H, W) view's axis of 3 moved past the 4: a Slice into 3, a Reshape of
    # each piece, a Concat
    assert types.count("Slice") == 1 and types.count("Concat") == 1
    assert set(types) == {"Convolution", "Reshape", "Slice", "Concat", "Flatten", "ReLU"}
    _run(module, graph, x)


@pytest.mark.parametrize("opset", OPSETS)
def test_torch_nearest_upsample_is_yolos_upsample_with_its_fork(opset: int) -> None:
    torch.manual_seed(opset)
    module = Neck().eval()
    x, skip = torch.randn(1, 8, 6, 5), torch.randn(1, 3, 12, 10)
    graph = from_torch(module, (x, skip), opset=opset, fork="yolo")
    ups = [n for n in graph.nodes if n.type == "Upsample"]
    assert [(n.params.mode, n.params.scale) for n in ups] == [("nearest", 2)]
    assert "Deconvolution" not in {n.type for n in graph.nodes}
    _run(module, graph, x, skip)
    bvlc = from_torch(module, (x, skip), opset=opset)
    assert "Upsample" not in {n.type for n in bvlc.nodes}
    assert [n.params.group for n in bvlc.nodes if n.type == "Deconvolution"] == [4]
    _run(module, bvlc, x, skip)


def test_unequal_factors_stay_a_deconvolution_with_the_fork() -> None:
    # the YOLO ports' Upsample has one scale for both axes
    module = Neck((2.0, 3.0)).eval()
    x, skip = torch.randn(1, 8, 4, 4), torch.randn(1, 3, 8, 12)
    graph = from_torch(module, (x, skip), opset=17, fork="yolo")
    assert "Upsample" not in {n.type for n in graph.nodes}
    assert [n.params.kernel for n in graph.nodes if n.type == "Deconvolution"] == [(2, 3)]
    _run(module, graph, x, skip)


class Bilinear(torch.nn.Module):
    """PSPNet's pyramid branch: a 1x1 convolution, resized bilinearly to a given size."""

    def __init__(self, size: tuple[int, int] | None = None, *, align: bool = True) -> None:
        super().__init__()
        self.conv = torch.nn.Conv2d(4, 3, 1)
        self.size, self.align = size, align

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = self.conv(x)
        if self.size is None:
            return torch.nn.functional.interpolate(y, scale_factor=2.0, mode="bilinear",
                                                   align_corners=self.align)
        return torch.nn.functional.interpolate(y, size=self.size, mode="bilinear",
                                               align_corners=self.align)


@pytest.mark.parametrize("opset", OPSETS)
@pytest.mark.parametrize("size", [None, (7, 9), (1, 3)])
def test_torch_bilinear_with_corners_aligned_is_interp_with_its_fork(
        opset: int, size: tuple[int, int] | None) -> None:
    torch.manual_seed(opset)
    module, x = Bilinear(size).eval(), torch.randn(2, 4, 4, 5)
    graph = from_torch(module, (x,), opset=opset, fork="pspnet")
    [interp] = [n for n in graph.nodes if n.type == "Interp"]
    out = size or (8, 10)
    assert (interp.params.height, interp.params.width) == out
    assert graph.outputs[0].shape == (2, 3) + out
    _run(module, graph, x)


def test_bilinear_with_corners_aligned_is_bvlc_where_the_sizes_allow_else_the_forks() -> None:
    # corners aligned maps output o to input o * (n - 1) / (m - 1): by 2 from 4 x 5 that is
    # 8 x 10, 7 / 3 and 9 / 4, no stride; 7 x 9 is 6 / 3 and 8 / 4, a triangle-kernel
    # Deconvolution of stride 2 that reads nothing past the edges
    x = torch.randn(1, 4, 4, 5)
    with pytest.raises(UnsupportedNodesError) as caught:
        from_torch(Bilinear().eval(), (x,), opset=17)
    [(_, op, why)] = caught.value.nodes
    assert op == "Resize" and "from 4 to 8 with corners aligned" in why
    assert "--fork pspnet" in why
    module = Bilinear((7, 9)).eval()
    graph = from_torch(module, (x,), opset=17)
    assert [n.type for n in graph.nodes] == ["Convolution", "Deconvolution"]
    assert graph.nodes[1].params.stride == (2, 2)
    _run(module, graph, x)


@pytest.mark.parametrize("fork", [None, "deeplab"])
def test_bilinear_without_aligned_corners_is_bvlc_with_or_without_a_fork(fork) -> None:  # noqa: ANN001
    # torch's default (align_corners=False) needs no fork layer: edge padding and a
    # triangle-kernel Deconvolution (frontend/onnx/resize.py), even where Interp is there
    torch.manual_seed(3)
    module, x = Bilinear(align=False).eval(), torch.randn(2, 4, 4, 5)
    graph = from_torch(module, (x,), opset=17, fork=fork)
    assert [n.type for n in graph.nodes] == ["Convolution", "Slice", "Concat", "Slice",
                                             "Concat", "Deconvolution"]
    _run(module, graph, x)
    with pytest.raises(UnsupportedNodesError) as caught:  # 4 x 5 to 7 x 9: no integer factor
        from_torch(Bilinear((7, 9), align=False).eval(), (x,), opset=17, fork=fork)
    [(_, op, why)] = caught.value.nodes
    assert "not by an integer factor" in why


class Block(torch.nn.Module):
    """MobileNet-v2's expansion: a 1x1 convolution and ReLU6 (also as hardtanh(0, 6))."""

    def __init__(self) -> None:
        super().__init__()
        self.conv = torch.nn.Conv2d(3, 6, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = torch.nn.functional.relu6(self.conv(x))
        return torch.nn.functional.hardtanh(y * 4 - 3, 0.0, 6.0)


@pytest.mark.parametrize("opset", OPSETS)
def test_torch_relu6_is_the_forks_relu6_with_mobilenet_and_clip_without(opset: int) -> None:
    torch.manual_seed(opset)
    module, x = Block().eval(), torch.randn(2, 3, 5, 5) * 4
    graph = from_torch(module, (x,), opset=opset, fork="mobilenet")
    assert [n.type for n in graph.nodes if n.type in ("ReLU6", "Clip")] == ["ReLU6", "ReLU6"]
    _run(module, graph, x)
    bvlc = from_torch(module, (x,), opset=opset)
    assert [n.type for n in bvlc.nodes if n.type in ("ReLU6", "Clip")] == ["Clip", "Clip"]
    _run(module, bvlc, x)


@pytest.mark.parametrize("fork, types", [
    ("pspnet", {"BN", "ReLU"}),
    (None, {"BatchNorm", "Scale", "ReLU"}),
    ("segnet", {"BatchNorm", "Scale", "ReLU"}),  # its BN holds no statistics
])
def test_torch_batchnorm_is_pspnets_bn_with_its_fork(fork: str | None, types: set) -> None:
    """(After a ReLU: torch.onnx folds a BatchNorm that follows a convolution into it.)"""
    torch.manual_seed(5)
    module = torch.nn.Sequential(torch.nn.ReLU(), torch.nn.BatchNorm2d(3, eps=1e-3),
                                 torch.nn.ReLU()).eval()
    with torch.no_grad():
        bn = module[1]
        bn.running_mean.normal_(0, 0.3)
        bn.running_var.uniform_(0.5, 2.0)
        bn.weight.uniform_(0.5, 1.5)
        bn.bias.normal_(0, 0.2)
    x = torch.randn(2, 3, 7, 6)
    graph = from_torch(module, (x,), opset=17, fork=fork)
    assert {n.type for n in graph.nodes} == types
    if fork == "pspnet":
        (layer,) = [n for n in graph.nodes if n.type == "BN"]
        assert layer.params.eps == pytest.approx(1e-3) and layer.params.global_stats
    _run(module, graph, x)

