"""Residual-network templates, as data: what a unit's main path, shortcut and merge look
like, step by step. Adding a template is adding a description here, not code.

A unit is the layers between the value it reads (the previous unit's output) and the value
it writes (after its Eltwise SUM, and the ReLU after it where the style has one). ``main``
lists the main path's layers from the unit's input to the Eltwise, ``projection`` the layers
of a projection shortcut; a step names the layer type and, for convolutions, its role:
``reduce`` (1x1 into the bottleneck), ``group`` (the 3x3 carrying the cardinality),
``expand`` (1x1 out of it), ``conv3`` (a plain 3x3 of a basic block), ``proj`` (the 1x1
projection). ``pre`` lists the layers a pre-activation unit applies to its input before
both paths.
"""
from __future__ import annotations

from dataclasses import dataclass

__all__ = ["UnitTemplate", "TEMPLATES", "FAMILY_TEMPLATES"]


@dataclass(frozen=True)
class UnitTemplate:
    name: str
    main: tuple[str, ...]
    projection: tuple[str, ...]
    relu_after_sum: bool = True
    pre: tuple[str, ...] = ()
    layers_per_unit: int = 3  # weighted layers a unit adds to the depth

    def describe(self) -> str:
        return " -> ".join(self.main)


def _steps(text: str) -> tuple[str, ...]:
    return tuple(text.split())


TEMPLATES: dict[str, UnitTemplate] = {
    # the seed's form: 1x1 -> BN -> Scale -> ReLU -> 3x3 (group C) -> BN -> Scale -> ReLU ->
    # 1x1 -> BN -> Scale, (+) shortcut, ReLU
    "bottleneck": UnitTemplate(
        "bottleneck (post-activation)",
        _steps("Convolution:reduce BatchNorm Scale ReLU Convolution:group BatchNorm Scale ReLU "
               "Convolution:expand BatchNorm Scale"),
        _steps("Convolution:proj BatchNorm Scale")),
    "bottleneck-folded": UnitTemplate(
        "bottleneck (BatchNorm folded)",
        _steps("Convolution:reduce ReLU Convolution:group ReLU Convolution:expand"),
        _steps("Convolution:proj")),
    "basic": UnitTemplate(
        "basic block (post-activation)",
        _steps("Convolution:conv3 BatchNorm Scale ReLU Convolution:conv3 BatchNorm Scale"),
        _steps("Convolution:proj BatchNorm Scale"), layers_per_unit=2),
    "bottleneck-preact": UnitTemplate(
        "bottleneck (pre-activation)",
        _steps("Convolution:reduce BatchNorm Scale ReLU Convolution:group BatchNorm Scale "
               "ReLU Convolution:expand"),
        _steps("Convolution:proj"), relu_after_sum=False, pre=_steps("BatchNorm Scale ReLU")),
}

# which unit templates `--template` tries
FAMILY_TEMPLATES: dict[str, tuple[str, ...]] = {
    "resnext": ("bottleneck", "bottleneck-folded", "bottleneck-preact"),
    "resnet": ("bottleneck", "bottleneck-folded", "basic", "bottleneck-preact"),
    "auto": ("bottleneck", "bottleneck-folded", "basic", "bottleneck-preact"),
}
