"""Ops with no Caffe layer of their own written as the ONNX ops that define them, each step
imported as its importer imports it (LogSoftmax, Gelu, a LayerNormalization over axes that
are not the last).

    total = step(ctx, node, "ReduceSum", (x,), "sum", attrs={"axes": [1], "keepdims": 1})
    step(ctx, node, "Sub", (x, total), "result", output=node.outputs[0])

A step's layers are named ``NODE/label`` (``NODE`` where it writes the node's output) and
its output is the ONNX value ``OUTPUT/label``, which names its blob.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from .context import Context
from .model import OnnxNode
from .registry import IMPORTERS

__all__ = ["step", "constant"]


def step(ctx: Context, node: OnnxNode, op: str, inputs: Sequence[str], label: str, *,
         output: str | None = None, attrs: Mapping[str, Any] | None = None) -> str:
    """Imports ``op`` on ``inputs`` as part of ``node``; returns its output's name."""
    out = node.outputs[0]
    base = node.name or out
    name = output or f"{out}/{label}"
    IMPORTERS[op](ctx, OnnxNode(name=base if name == out else f"{base}/{label}",
                                op_type=op, domain="", inputs=tuple(inputs), outputs=(name,),
                                attrs=dict(attrs or {})))
    return name


def constant(ctx: Context, node: OnnxNode, label: str, value: Any,
             dtype: Any = np.float32) -> str:
    """A constant a step reads, named ``OUTPUT/label``."""
    name = f"{node.outputs[0]}/{label}"
    ctx.consts[name] = np.asarray(value, dtype)
    return name
