"""A weight whose rows are scaled on demand: ``RowScaled(source, k)`` stands for the float32
array ``source * k[:, None]`` (``k`` one factor per row, along axis 0) without computing it.

Folding BatchNorm into a convolution makes such a product for every weight of the net. A
caller that only streams the folded weights to a file (``compile_onnx`` with an output)
gains nothing from holding them: each would be computed into fresh memory once, read once
by the writer, and then be a second copy of what the file holds. Given a ``RowScaled``, the
writer computes the product a block of rows at a time into one small buffer (``blocks``)
and writes it from there, so no fresh array the size of the weights is ever made.

It is a stand-in, not an array: it has the array's ``shape``, ``dtype``, ``ndim``,
``size`` and ``nbytes``, a ``reshape`` that keeps axis 0 (the rows stay rows), and
``np.asarray`` of it gives the product itself (``materialize``); any other use is an error,
never a wrong value. The values are exactly those of ``np.multiply(source, k[:, None])`` in
float32, whichever way they are computed. ``after`` is called with the source once a pass
of ``blocks`` has read all of it (``compile_onnx`` gives back its pages there); reading the
source again later must still give its values (a map of a file it never wrote into does).

Only a caller that owns the graph holds one, between a pass and a backend, and replaces it
by an array before the graph is anyone else's; every other graph's blobs are arrays.
"""
from __future__ import annotations

from collections.abc import Callable, Iterator
from math import prod
from typing import Any

import numpy as np

__all__ = ["RowScaled", "BLOCK_BYTES"]

#: The most bytes of product computed at once by ``blocks`` (a buffer that stays in cache).
BLOCK_BYTES = 1 << 20


class RowScaled:
    """``source * k[:, None]`` in float32, computed on demand (see the module docstring)."""

    __slots__ = ("source", "k", "shape", "after", "base")

    def __init__(self, source: np.ndarray, k: np.ndarray, *,
                 after: Callable[[np.ndarray], object] | None = None,
                 shape: tuple[int, ...] | None = None,
                 base: RowScaled | None = None) -> None:
        if source.dtype != np.float32 or source.ndim < 1:
            raise ValueError(f"RowScaled needs a float32 array of at least one axis, got "
                             f"{source.dtype} of shape {source.shape}")
        factors = np.asarray(k)
        if factors.dtype != np.float32 or factors.shape != (source.shape[0],):
            raise ValueError(f"RowScaled needs {source.shape[0]} float32 factors, got "
                             f"{factors.dtype} of shape {factors.shape}")
        self.source, self.k, self.after = source, factors, after
        self.shape = tuple(source.shape) if shape is None else tuple(shape)
        self.base = self if base is None else base
        if prod(self.shape) != source.size or self.shape[:1] != source.shape[:1]:
            raise ValueError(f"shape {self.shape} does not keep the rows of {source.shape}")

    dtype = np.dtype(np.float32)

    @property
    def ndim(self) -> int:
        return len(self.shape)

    @property
    def size(self) -> int:
        return self.source.size

    @property
    def nbytes(self) -> int:
        return self.source.size * 4

    def __repr__(self) -> str:
        return f"RowScaled(shape={self.shape}, dtype=float32)"

    def reshape(self, *shape: Any) -> RowScaled:
        """The same product seen with another shape of the same rows (axis 0 kept)."""
        dims = shape[0] if len(shape) == 1 and isinstance(shape[0], (tuple, list)) else shape
        wanted = tuple(int(d) for d in dims)
        if -1 in wanted:
            known = prod(d for d in wanted if d != -1)
            wanted = tuple(self.size // max(1, known) if d == -1 else d for d in wanted)
        return RowScaled(self.source, self.k, after=self.after, shape=wanted, base=self.base)

    def _rows(self) -> np.ndarray:
        return self.source.reshape(self.source.shape[0], -1)

    def materialize(self) -> np.ndarray:
        """The product as a fresh C-ordered float32 array of ``shape``."""
        out = np.empty(self.source.shape, np.float32)
        np.multiply(self.source, self.k.reshape((-1,) + (1,) * (self.source.ndim - 1)),
                    out=out)
        return out.reshape(self.shape)

    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        values = self.materialize()
        return values if dtype is None else values.astype(dtype, copy=False)

    def blocks(self) -> Iterator[memoryview]:
        """The product's bytes (C order, little-endian float32), a block of rows at a time
        through one buffer of at most ``BLOCK_BYTES`` (or one row, where a row is larger):
        each block is valid until the next is asked for. Calls ``after`` once all are
        given."""
        rows = self._rows()
        if rows.size:
            step = max(1, BLOCK_BYTES // max(1, rows.shape[1] * 4))
            buffer = np.empty((min(step, rows.shape[0]), rows.shape[1]), "<f4")
            factors = self.k[:, None]
            for start in range(0, rows.shape[0], step):
                stop = min(rows.shape[0], start + step)
                out = buffer[:stop - start]
                np.multiply(rows[start:stop], factors[start:stop], out=out)
                yield out.reshape(-1).data.cast("B")
        if self.after is not None:
            self.after(self.source)
