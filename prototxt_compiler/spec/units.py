"""Residual units as recipes: what one unit is, step by step. The generator builds units
from them and ``checks`` verifies nets against them, so a unit is described once.

A step is ``conv:ROLE`` (a convolution: ``reduce`` the 1x1 into the bottleneck, ``group``
the 3x3 carrying the cardinality, ``expand`` the 1x1 out of it, ``conv3`` a plain 3x3 of a
basic block, ``proj`` the 1x1 projection), ``bn`` (BatchNorm followed by its Scale, as these
nets write it) or ``relu``. ``main`` is the main path from the unit's input to the sum,
``projection`` a projection shortcut's path, ``pre`` what a pre-activation unit applies to
its input before both paths; ``relu_after_sum`` whether a ReLU follows the sum, and
``shortcut_first`` whether the shortcut is the sum's first bottom; ``se`` a
squeeze-excitation branch (``pool`` the global AVE pooling, ``conv:squeeze`` and
``conv:excite`` its 1x1 convolutions, ``sigmoid``) from the main path's output to the scale
that multiplies it before the sum. The unit's stride is carried by its first 3x3 and by the
projection.
"""
from __future__ import annotations

from dataclasses import dataclass

from ..ir import Value
from ..ops.fillers import Filler
from .builder import NetBuilder
from .names import Names

__all__ = ["UnitRecipe", "RECIPES", "build_unit", "MSRA", "CAFFE_TYPES", "SE_FORMS"]

# He et al.'s initialisation, which ResNet and ResNeXt train with, for every convolution
MSRA = Filler(type="msra")
# the Caffe layer types a step stands for
CAFFE_TYPES = {"conv": ("Convolution",), "bn": ("BatchNorm", "Scale"), "relu": ("ReLU",),
               "pool": ("Pooling",), "sigmoid": ("Sigmoid",)}


@dataclass(frozen=True)
class UnitRecipe:
    name: str
    main: tuple[str, ...]
    projection: tuple[str, ...]
    relu_after_sum: bool = True
    pre: tuple[str, ...] = ()
    shortcut_first: bool = True
    se: tuple[str, ...] = ()

    @property
    def depth(self) -> int:
        """The weighted layers one unit adds to the net's depth."""
        return sum(1 for step in self.main if step.startswith("conv"))


def _steps(text: str) -> tuple[str, ...]:
    return tuple(text.split())


RECIPES: dict[str, UnitRecipe] = {
    # the seed's form: 1x1 -> BN -> Scale -> ReLU -> 3x3 (group C) -> BN -> Scale -> ReLU ->
    # 1x1 -> BN -> Scale, (+) shortcut, ReLU
    "bottleneck": UnitRecipe(
        "bottleneck (post-activation)",
        _steps("conv:reduce bn relu conv:group bn relu conv:expand bn"),
        _steps("conv:proj bn")),
    # MXNet's residual_unit: BN -> ReLU before the paths, conv -> BN -> ReLU inside
    "bottleneck-preact": UnitRecipe(
        "bottleneck (pre-activation)",
        _steps("conv:reduce bn relu conv:group bn relu conv:expand"),
        _steps("conv:proj"), relu_after_sum=False, pre=_steps("bn relu"),
        shortcut_first=False),
    # SENet's: the bottleneck whose last BN/Scale output x is scaled by its excitation
    # (global AVE pool -> 1x1 to C/r -> ReLU -> 1x1 to C -> Sigmoid) before the sum
    "bottleneck-se": UnitRecipe(
        "bottleneck with squeeze-excitation (post-activation)",
        _steps("conv:reduce bn relu conv:group bn relu conv:expand bn"),
        _steps("conv:proj bn"), se=_steps("pool conv:squeeze relu conv:excite sigmoid")),
    # ResNet-18/34: two 3x3 convolutions
    "basic": UnitRecipe(
        "basic block (post-activation)",
        _steps("conv:conv3 bn relu conv:conv3 bn"),
        _steps("conv:proj bn")),
}


# how an SE unit applies its excitation: SENet's Axpy (a x + y, the unit's sum), or the
# MXNet conversions' Broadcastmul (x s) followed by the Eltwise SUM
SE_FORMS = ("axpy", "broadcastmul")


@dataclass(frozen=True)
class UnitShape:
    """One unit's numbers: the bottleneck's width, the unit's output channels, its stride,
    whether it projects, the 3x3's group, and for an SE unit its reduction and form."""

    inner: int
    outer: int
    stride: int
    project: bool
    cardinality: int
    reduction: int = 0
    se_form: str = "axpy"


def _excitation(b: NetBuilder, recipe: UnitRecipe, base: str, x: Value,
                shape: UnitShape) -> Value:
    """The SE branch of ``recipe.se`` from ``x``: its excitation, (N, C, 1, 1)."""
    from ..ops.activation import NeuronParams

    y = x
    for step in recipe.se:
        kind, _, role = step.partition(":")
        if kind == "pool":
            y = b.global_avg_pool(y, name=f"{base}_se_pool")
        elif kind == "conv":
            width = shape.outer // shape.reduction if role == "squeeze" else shape.outer
            y = b.conv(y, width, kernel=1, weight_filler=MSRA,
                       name=f"{base}_se_{'down' if role == 'squeeze' else 'up'}")
        elif kind == "relu":
            y = b.relu(y, name=f"{base}_se_relu")
        else:
            y = b._add(f"{base}_se_sigmoid", "Sigmoid", NeuronParams(), [y], y.blob)
    return y


def _se_sum(b: NetBuilder, recipe: UnitRecipe, names: Names, s: int, u: int, y: Value,
            short: Value, shape: UnitShape) -> Value:
    """The unit's sum with its main path ``y`` scaled by its excitation, in the shape's
    form: ``Axpy(a, y, short)``, or ``Broadcastmul(y, a)`` then the Eltwise SUM."""
    from ..ops.broadcast import AxpyParams, BroadcastParams

    plus = names.plus(s, u)[0]
    base = names.unit(s, u) if names.scheme == "mxnet" else f"res{names.unit(s, u)}"
    a = _excitation(b, recipe, base, y, shape)
    if shape.se_form == "axpy":
        return b._add(plus, "Axpy", AxpyParams(), [a, y, short], plus)
    scaled = b._add(f"{base}_se_scale", "Broadcastmul", BroadcastParams(), [y, a],
                    f"{base}_se_scale")
    return b.add(short, scaled, name=plus) if recipe.shortcut_first else \
        b.add(scaled, short, name=plus)


def build_unit(b: NetBuilder, recipe: UnitRecipe, names: Names, eps: float, x: Value, s: int,
               u: int, shape: UnitShape) -> Value:
    """Adds unit ``u`` of stage ``s`` to ``b`` after ``x``; returns the unit's output."""
    counts = {"conv": 0, "bn": 0, "relu": 0}
    strided = [False]

    def conv(y: Value, role: str) -> Value:
        if role == "proj":
            return b.conv(y, shape.outer, kernel=1, stride=shape.stride, bias=False,
                          weight_filler=MSRA, name=names.shortcut(s, u)[0])
        counts["conv"] += 1
        three = role in ("group", "conv3")
        stride = 1
        if three and not strided[0]:
            stride, strided[0] = shape.stride, True
        width = shape.outer if role in ("expand", "conv3") else shape.inner
        return b.conv(y, width, kernel=3 if three else 1, stride=stride, pad=1 if three else 0,
                      group=shape.cardinality if role == "group" else 1, bias=False,
                      weight_filler=MSRA, name=names.conv(s, u, counts["conv"]))

    def run(steps: tuple[str, ...], y: Value, *, shortcut: bool = False,
            top: str | None = None) -> Value:
        for step in steps:
            kind, _, role = step.partition(":")
            if kind == "conv":
                y = conv(y, role)
            elif kind == "bn" and shortcut:
                _, bn, scale = names.shortcut(s, u)
                y = b.bn_scale(y, bn=bn, scale=scale, eps=eps)
            elif kind == "bn":
                counts["bn"] += 1
                bn, scale = names.bn(s, u, counts["bn"])
                y = b.bn_scale(y, bn=bn, scale=scale, eps=eps, top=bn if top else None)
            else:
                counts["relu"] += 1
                y = b.relu(y, name=names.relu(s, u, counts["relu"]))
        return y

    act = run(recipe.pre, x, top="new") if recipe.pre else x  # x is read by both paths
    y = run(recipe.main, act)
    short = run(recipe.projection, act, shortcut=True) if shape.project else x
    plus, relu = names.plus(s, u)
    if recipe.se:
        total = _se_sum(b, recipe, names, s, u, y, short, shape)
    elif recipe.shortcut_first:
        total = b.add(short, y, name=plus)
    else:
        total = b.add(y, short, name=plus)
    return b.relu(total, name=relu) if recipe.relu_after_sum else total
