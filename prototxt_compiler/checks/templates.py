"""Residual-network templates: the family generators' unit recipes (``spec.units``) in
Caffe's layer types, so a unit is described once, where nets are generated from it.

A unit is the layers between the value it reads (the previous unit's output) and the value
it writes (after its Eltwise SUM, and the ReLU after it where the style has one). ``main``
lists the main path's layers from the unit's input to the Eltwise, ``projection`` the layers
of a projection shortcut; a step names the layer type and, for convolutions, its role:
``reduce`` (1x1 into the bottleneck), ``group`` (the 3x3 carrying the cardinality),
``expand`` (1x1 out of it), ``conv3`` (a plain 3x3 of a basic block), ``proj`` (the 1x1
projection). ``pre`` lists the layers a pre-activation unit applies to its input before
both paths; ``se`` a squeeze-excitation unit's branch from the main path's output to the
scale it multiplies that output by (``checks.se``). The folded template is a recipe with its BatchNorm and Scale folded away.
"""
from __future__ import annotations

from dataclasses import dataclass

from ..spec.units import CAFFE_TYPES, RECIPES, UnitRecipe

__all__ = ["UnitTemplate", "TEMPLATES", "FAMILY_TEMPLATES", "template_of"]


@dataclass(frozen=True)
class UnitTemplate:
    name: str
    main: tuple[str, ...]
    projection: tuple[str, ...]
    relu_after_sum: bool = True
    pre: tuple[str, ...] = ()
    layers_per_unit: int = 3  # weighted layers a unit adds to the depth
    se: tuple[str, ...] = ()  # the squeeze-excitation branch (``checks.se.SE_STEPS`` kinds)

    def describe(self) -> str:
        return " -> ".join(self.main)


def _caffe(steps: tuple[str, ...], *, folded: bool = False) -> tuple[str, ...]:
    out: list[str] = []
    for step in steps:
        kind, _, role = step.partition(":")
        if folded and kind == "bn":
            continue
        out += [f"{t}:{role}" if role else t for t in CAFFE_TYPES[kind]]
    return tuple(out)


def _se(steps: tuple[str, ...]) -> tuple[str, ...]:
    """An SE branch's steps in the check's kinds: Caffe types, and its two fully connected
    roles ("squeeze", "excite"), which a 1x1 Convolution or an InnerProduct may fill."""
    return tuple(step.partition(":")[2] if step.startswith("conv:") else CAFFE_TYPES[step][0]
                 for step in steps)


def template_of(recipe: UnitRecipe, *, folded: bool = False) -> UnitTemplate:
    """The template a net made from ``recipe`` matches (``folded``: after BatchNorm/Scale
    folding)."""
    name = recipe.name.replace("(post-activation)", "(BatchNorm folded)") if folded \
        else recipe.name
    return UnitTemplate(name, _caffe(recipe.main, folded=folded),
                        _caffe(recipe.projection, folded=folded), recipe.relu_after_sum,
                        _caffe(recipe.pre, folded=folded), recipe.depth, _se(recipe.se))


TEMPLATES: dict[str, UnitTemplate] = {
    "bottleneck": template_of(RECIPES["bottleneck"]),
    "bottleneck-folded": template_of(RECIPES["bottleneck"], folded=True),
    "basic": template_of(RECIPES["basic"]),
    "bottleneck-preact": template_of(RECIPES["bottleneck-preact"]),
    "bottleneck-se": template_of(RECIPES["bottleneck-se"]),
    "bottleneck-se-folded": template_of(RECIPES["bottleneck-se"], folded=True),
}

# which unit templates `--template` tries
FAMILY_TEMPLATES: dict[str, tuple[str, ...]] = {
    "resnext": ("bottleneck", "bottleneck-folded", "bottleneck-preact", "bottleneck-se",
                "bottleneck-se-folded"),
    "resnet": ("bottleneck", "bottleneck-folded", "basic", "bottleneck-preact",
               "bottleneck-se", "bottleneck-se-folded"),
    "auto": ("bottleneck", "bottleneck-folded", "basic", "bottleneck-preact", "bottleneck-se",
             "bottleneck-se-folded"),
}
