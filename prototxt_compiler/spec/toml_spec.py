"""Reading a family spec from TOML (the standard library's tomllib) into a ``ResNeXtSpec``.

    family = "resnext"            # or "resnet" (cardinality 1, bottleneck width 64)
    depth = 50                    # or units = [3, 4, 6, 3]
    cardinality = 32
    bottleneck_width = 4
    input = [1, 3, 224, 224]
    classes = 1000
    naming = "mxnet"              # or "caffe"
    style = "post-activation"     # or "pre-activation"
    stem = "imagenet"             # or "cifar"
    name = "ResNeXt-50 (32x4d)"   # optional
    fragment = "stage1_unit2"     # optional: only this unit, its input read, not declared
    block = "bottleneck"          # or "basic" (ResNet-18/34: two 3x3 a unit; resnet only)
    stem_channels = 64            # the stem convolution's outputs
    stage1_channels = 256         # the first stage's outputs (64 for basic blocks)
    softmax = true                # false: the net ends at the classifier's logits
    se_reduction = 16             # squeeze-excitation units (SE-ResNeXt), reduction 16
    se_form = "axpy"              # SENet's Axpy, or "broadcastmul" (MXNet's conversions)

A spec that cannot make a valid net is an error naming the key and why.
"""
from __future__ import annotations

import difflib
import os
import tomllib
from collections.abc import Mapping
from typing import Any, NamedTuple

from ..errors import UsageError
from ..limits import MAX_LAYERS
from .resnext import BASIC_DEPTHS, DEPTHS, ResNeXtSpec

__all__ = ["read_spec", "spec_from_mapping", "SpecError"]

KEYS = ("family", "depth", "units", "cardinality", "bottleneck_width", "input", "classes",
        "naming", "style", "stem", "name", "fragment", "block", "stem_channels",
        "stage1_channels", "softmax", "se_reduction", "se_form")
CHOICES = {"family": ("resnext", "resnet"), "naming": ("mxnet", "caffe"),
           "style": ("post-activation", "pre-activation"), "stem": ("imagenet", "cifar"),
           "block": ("bottleneck", "basic"), "se_form": ("axpy", "broadcastmul")}


class SpecError(UsageError):
    """A spec key with a value that cannot make a valid net."""


class _Source(NamedTuple):
    """Where a spec comes from, and how it names its keys (flags on a command line)."""

    name: str
    labels: Mapping[str, str]


def _fail(where: _Source, key: str, why: str) -> SpecError:
    return SpecError(f"{where.labels.get(key, f'key {key!r}')}: {why}", where=where.name)


#: A unit is at least eight layers (two convolutions with their BatchNorm, Scale and ReLU).
MAX_UNITS = MAX_LAYERS // 8
#: Caffe's sizes (num_output, dims, groups) are 32-bit fields.
MAX_SIZE = 2**31 - 1


def _positive_int(where: _Source, key: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise _fail(where, key, f"expected a positive integer, got {value!r}")
    if value > MAX_SIZE:
        raise _fail(where, key, f"{value} is past Caffe's 32-bit sizes (at most {MAX_SIZE:,})")
    return value


def spec_from_mapping(data: Mapping[str, Any], where: str = "<spec>", *,
                      labels: Mapping[str, str] | None = None) -> ResNeXtSpec:
    """The spec that ``data`` (spec keys -> values) describes; errors name the key, or the
    caller's name for it in ``labels`` (``{"input": "--input"}`` for command-line flags)."""
    return _spec_from_mapping(data, _Source(where, labels or {}))


def _spec_from_mapping(data: Mapping[str, Any], where: _Source) -> ResNeXtSpec:
    for key in data:
        if key not in KEYS:
            close = difflib.get_close_matches(key, KEYS, n=1)
            hint = f" (did you mean '{close[0]}'?)" if close else ""
            raise _fail(where, key, f"unknown key{hint}; expected one of {', '.join(KEYS)}")
    for key, choices in CHOICES.items():
        if key in data and (not isinstance(data[key], str) or data[key] not in choices):
            raise _fail(where, key, f"{data[key]!r} is not one of {', '.join(choices)}")
    family = data.get("family", "resnext")
    stem = data.get("stem", "imagenet")
    depths = {**DEPTHS[stem], **BASIC_DEPTHS[stem]}
    if "depth" in data:
        _positive_int(where, "depth", data["depth"])
    basic_depth = "depth" in data and data["depth"] in BASIC_DEPTHS[stem]
    block = data.get("block", "basic" if basic_depth and "units" not in data else "bottleneck")
    if block == "basic" and family != "resnet":
        raise _fail(where, "block", "basic blocks make a ResNet (ResNet-18/34): give "
                    "family = \"resnet\"")
    if block == "basic" and data.get("style", "post-activation") != "post-activation":
        raise _fail(where, "block", "basic blocks are written post-activation")
    per_unit = 2 if block == "basic" else 3
    if "units" in data:
        units = data["units"]
        if not isinstance(units, list) or not units:
            raise _fail(where, "units", f"expected a list of unit counts, got {units!r}")
        units = tuple(_positive_int(where, "units", u) for u in units)
        if sum(units) > MAX_UNITS:
            raise _fail(where, "units", f"{sum(units):,} units make a net past the "
                        f"{MAX_LAYERS:,} layers a net may have (at most {MAX_UNITS:,} units)")
        if "depth" in data and per_unit * sum(units) + 2 != data["depth"]:
            raise _fail(where, "depth", f"{data['depth']} disagrees with units {list(units)} "
                        f"({per_unit} x {sum(units)} + 2 = {per_unit * sum(units) + 2})")
    elif "depth" in data:
        depth = _positive_int(where, "depth", data["depth"])
        table = BASIC_DEPTHS[stem] if block == "basic" else DEPTHS[stem]
        if depth not in table:
            known = ", ".join(map(str, sorted(depths)))
            raise _fail(where, "depth", f"no standard {stem} net of depth {depth} with "
                        f"{block} blocks (known: {known}); give "
                        f"{where.labels.get('units', repr('units'))} for another")
        units = table[depth]
    else:
        raise _fail(where, "depth", "give 'depth' or 'units'")
    cardinality = _positive_int(where, "cardinality",
                                data.get("cardinality", 1 if family == "resnet" else 32))
    if family == "resnet" and cardinality != 1:
        raise _fail(where, "cardinality", f"a ResNet has cardinality 1, got {cardinality} "
                    "(use family = \"resnext\")")
    width = _positive_int(where, "bottleneck_width",
                          data.get("bottleneck_width", 64 if family == "resnet" else 4))
    shape = data.get("input", [1, 3, 224, 224] if stem == "imagenet" else [1, 3, 32, 32])
    if not isinstance(shape, list) or len(shape) != 4:
        raise _fail(where, "input", f"expected [N, C, H, W], got {shape!r}")
    shape = tuple(_positive_int(where, "input", d) for d in shape)
    reduction = data.get("se_reduction", 0)
    if reduction != 0:
        reduction = _positive_int(where, "se_reduction", reduction)
        if block != "bottleneck" or data.get("style", "post-activation") != "post-activation":
            raise _fail(where, "se_reduction", "squeeze-excitation units are SENet's "
                        "post-activation bottlenecks: give block = \"bottleneck\" and style = "
                        "\"post-activation\"")
        outer = data.get("stage1_channels", 0) or 256
        if isinstance(outer, int) and outer % reduction:
            raise _fail(where, "se_reduction", f"{reduction} does not divide the first stage's "
                        f"{outer} channels")
    elif "se_form" in data:
        raise _fail(where, "se_form", f"give {where.labels.get('se_reduction', 'se_reduction')} "
                    "too: the form says how squeeze-excitation units scale their main path")
    stride = (4 if stem == "imagenet" else 1) * 2 ** (len(units) - 1)
    if min(shape[2:]) < stride:
        raise _fail(where, "input", f"{shape[2]}x{shape[3]} is smaller than the net's total "
                    f"stride {stride} ({stem} stem, {len(units)} stages)")
    return ResNeXtSpec(units=units, cardinality=cardinality, bottleneck_width=width,
                       input=shape, classes=_positive_int(where, "classes",
                                                          data.get("classes", 1000)),
                       naming=data.get("naming", "mxnet"),
                       style=data.get("style", "post-activation"), stem=stem,
                       name=str(data.get("name", "")), family=family,
                       fragment=_fragment(where, data.get("fragment", "")), block=block,
                       stem_channels=_positive_int(where, "stem_channels",
                                                   data.get("stem_channels", 64)),
                       stage1_channels=_positive_int(where, "stage1_channels",
                                                     data.get("stage1_channels", 0) or
                                                     (64 if block == "basic" else 256)),
                       softmax=_bool(where, "softmax", data.get("softmax", True)),
                       se_reduction=reduction, se_form=data.get("se_form", "axpy"))


def _bool(where: _Source, key: str, value: Any) -> bool:
    if not isinstance(value, bool):
        raise _fail(where, key, f"expected true or false, got {value!r}")
    return value


def _fragment(where: _Source, value: Any) -> str:
    if not isinstance(value, str):
        raise _fail(where, "fragment", f"expected a unit's name such as \"stage1_unit2\", "
                    f"got {value!r}")
    return value


def read_spec(path: str | os.PathLike[str]) -> ResNeXtSpec:
    where = str(path)
    try:
        with open(path, "rb") as stream:
            data = tomllib.load(stream)
    except OSError as error:
        raise SpecError(f"cannot read the spec: {error.strerror or error}", where=where) from error
    except tomllib.TOMLDecodeError as error:
        raise SpecError(f"not valid TOML: {error}", where=where) from error
    return spec_from_mapping(data, where)
