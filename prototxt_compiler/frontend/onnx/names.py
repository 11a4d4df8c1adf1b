"""Caffe layer and blob names made from ONNX node and value names: valid, unique, stable.

A Caffe name here keeps letters, digits and ``_ . - /`` (the characters Caffe's own model
zoos use, ``inception_3a/1x1``); every other character becomes ``_``, a leading ``/`` (as
torch.onnx writes ``/layer1/layer1.0/conv1/Conv``) is dropped, and an empty name becomes
``unnamed``. A value that torch.onnx names after its node (``NODE_output_0``) takes the
node's name, as a Caffe top is usually named after its layer. Names that collide after
this are made unique with ``_1``, ``_2``... in the order they are asked for, which is the
ONNX graph's node order: the same model always gives the same names.
"""
from __future__ import annotations

import re

__all__ = ["caffe_name", "Namer"]

_INVALID = re.compile(r"[^A-Za-z0-9_.\-/]")


def caffe_name(text: str) -> str:
    """``text`` with only the characters Caffe names keep here."""
    name = _INVALID.sub("_", text).lstrip("/")
    return name or "unnamed"


class Namer:
    """Hands out unique layer names and unique blob names (Caffe keeps them apart)."""

    def __init__(self) -> None:
        self._layers: set[str] = set()
        self._blobs: set[str] = set()

    @staticmethod
    def _unique(name: str, taken: set[str]) -> str:
        candidate, i = name, 1
        while candidate in taken:
            candidate, i = f"{name}_{i}", i + 1
        taken.add(candidate)
        return candidate

    def layer(self, text: str) -> str:
        return self._unique(caffe_name(text), self._layers)

    def blob(self, text: str, *, node: str | None = None) -> str:
        """A blob named after the ONNX value ``text``; ``node`` is the name of the ONNX node
        that writes it, whose ``NODE_output_K`` values are named ``NODE`` (``NODE_K``)."""
        if node:
            match = re.fullmatch(re.escape(node) + r"_output_(\d+)", text)
            if match:
                k = int(match.group(1))
                text = node if k == 0 else f"{node}_{k}"
        return self._unique(caffe_name(text), self._blobs)

    def reserve_blob(self, name: str) -> str:
        """Claims an exact blob name (a graph input's), unique-suffixed if taken."""
        return self._unique(name, self._blobs)
