"""stage1_unit2: a standalone PyTorch module, written by prototxt-compiler 0.1.0 from
models/stage1.prototxt.

It imports only torch. Stage1Unit2 has one attribute per Caffe layer (13), named after
it; forward() runs them in Caffe's order.

Inputs, positional, in Caffe's order:
    stage1_unit1_plus: Nx256xHxW (an input of this fragment, read by
        'stage1_unit2_conv1'; sizes the net does not fix are free)
Output:
    stage1_unit2_plus: Nx256xHxW

Weights (not trained: Caffe's fillers, seed 0):

    model = Stage1Unit2()
    model.load_state_dict(torch.load("stage1_model.pt"))
    model.eval()  # Caffe's TEST phase
"""
import torch
from torch import nn


class Scale(nn.Module):
    """Caffe's Scale: y = x * weight (+ bias); weight and bias (``shape``: the bottom's
    axes [axis, axis + num_axes)) broadcast over the ``trailing`` axes after them.
    Without a learned weight (``learned`` false) the scale is the second input."""

    def __init__(self, shape: tuple[int, ...], trailing: int = 2, bias: bool = False,
                 learned: bool = True) -> None:
        super().__init__()
        self.weight = nn.Parameter(torch.ones(shape)) if learned else None
        self.bias = nn.Parameter(torch.zeros(shape)) if bias else None
        self.trailing = trailing

    def expand(self, b: torch.Tensor) -> torch.Tensor:
        return b.reshape(tuple(b.shape) + (1,) * self.trailing)

    def forward(self, x: torch.Tensor,
                scale: torch.Tensor | None = None) -> torch.Tensor:
        y = x * self.expand(self.weight if scale is None else scale)
        return y if self.bias is None else y + self.expand(self.bias)


FLT_MAX = 3.4028234663852886e38  # Caffe's float32 FLT_MAX: an empty MAX window's


class Eltwise(nn.Module):
    """Caffe's Eltwise over its bottoms: SUM (times ``coeff``), PROD or MAX;
    ``in_place``: Caffe's CPU result when the top is bottom 0's blob (bottom 0 drops out
    of SUM and MAX)."""

    def __init__(self, operation: str = "SUM", coeff: tuple[float, ...] = (),
                 in_place: bool = False) -> None:
        super().__init__()
        self.operation = operation
        self.coeff = coeff
        self.in_place = in_place

    def forward(self, *xs: torch.Tensor) -> torch.Tensor:
        if self.operation == "PROD":
            y = xs[0] * xs[1]
            for x in xs[2:]:
                y = y * x
            return y
        if self.operation == "MAX":
            first = torch.full_like(xs[0], -FLT_MAX) if self.in_place else xs[0]
            y = torch.where(first > xs[1], first, xs[1])
            for x in xs[2:]:
                y = torch.where(x > y, x, y)
            return y
        coeff = self.coeff or (1.0,) * len(xs)
        start = 1 if self.in_place else 0
        y = xs[start] * coeff[start] if coeff[start] != 1 else xs[start]
        for x, c in zip(xs[start + 1:], coeff[start + 1:]):
            y = y + (x * c if c != 1 else x)
        return y


class Stage1Unit2(nn.Module):
    """Caffe's 'stage1_unit2': one attribute per layer, forward() in Caffe's order."""

    def __init__(self) -> None:
        super().__init__()
        self.stage1_unit2_conv1 = nn.Conv2d(256, 128, 1, bias=False)
        self.stage1_unit2_bn1 = nn.BatchNorm2d(
            128, eps=0.00002, momentum=0.001, affine=False
        )
        self.scale_stage1_unit2_bn1 = Scale((128,), trailing=2, bias=True)
        self.stage1_unit2_relu1 = nn.ReLU()
        self.stage1_unit2_conv2 = nn.Conv2d(
            128, 128, 3, padding=1, groups=32, bias=False
        )
        self.stage1_unit2_bn2 = nn.BatchNorm2d(
            128, eps=0.00002, momentum=0.001, affine=False
        )
        self.scale_stage1_unit2_bn2 = Scale((128,), trailing=2, bias=True)
        self.stage1_unit2_relu2 = nn.ReLU()
        self.stage1_unit2_conv3 = nn.Conv2d(128, 256, 1, bias=False)
        self.stage1_unit2_bn3 = nn.BatchNorm2d(
            256, eps=0.00002, momentum=0.001, affine=False
        )
        self.scale_stage1_unit2_bn3 = Scale((256,), trailing=2, bias=True)
        self.stage1_unit2_plus = Eltwise()
        self.stage1_unit2_relu = nn.ReLU()

    def forward(self, stage1_unit1_plus: torch.Tensor) -> torch.Tensor:
        stage1_unit2_conv1 = self.stage1_unit2_conv1(stage1_unit1_plus)  # Nx128xHxW
        stage1_unit2_conv1 = self.stage1_unit2_bn1(stage1_unit2_conv1)  # Nx128xHxW
        stage1_unit2_conv1 = self.scale_stage1_unit2_bn1(stage1_unit2_conv1)
        stage1_unit2_conv1 = self.stage1_unit2_relu1(stage1_unit2_conv1)  # Nx128xHxW
        stage1_unit2_conv2 = self.stage1_unit2_conv2(stage1_unit2_conv1)  # Nx128xHxW
        stage1_unit2_conv2 = self.stage1_unit2_bn2(stage1_unit2_conv2)  # Nx128xHxW
        stage1_unit2_conv2 = self.scale_stage1_unit2_bn2(stage1_unit2_conv2)
        stage1_unit2_conv2 = self.stage1_unit2_relu2(stage1_unit2_conv2)  # Nx128xHxW
        stage1_unit2_conv3 = self.stage1_unit2_conv3(stage1_unit2_conv2)  # Nx256xHxW
        stage1_unit2_conv3 = self.stage1_unit2_bn3(stage1_unit2_conv3)  # Nx256xHxW
        stage1_unit2_conv3 = self.scale_stage1_unit2_bn3(stage1_unit2_conv3)
        stage1_unit2_plus = self.stage1_unit2_plus(
            stage1_unit1_plus, stage1_unit2_conv3
        )
        stage1_unit2_plus = self.stage1_unit2_relu(stage1_unit2_plus)  # Nx256xHxW
        return stage1_unit2_plus
