"""Checking an export against a reference run, with the project's one tolerance rule:
max |ours - ref| <= rtol x max(1, max |ref|) (NaN matches NaN only)."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .ops.base import FLT_MAX

__all__ = ["Comparison", "compare", "FLT_MAX"]



@dataclass(frozen=True)
class Comparison:
    name: str
    max_diff: float
    bound: float
    worst: tuple[int, ...]

    @property
    def ok(self) -> bool:
        return self.max_diff <= self.bound


def compare(ours: np.ndarray, ref: np.ndarray, name: str, rtol: float = 1e-4) -> Comparison:
    ours = np.asarray(ours, dtype=np.float64)
    ref = np.asarray(ref, dtype=np.float64)
    if ours.shape != ref.shape:
        return Comparison(name, float("inf"), 0.0, ())
    if ref.size == 0:
        return Comparison(name, 0.0, 0.0, ())
    # Caffe's sentinels (+-FLT_MAX for an empty MAX window) and infinities must match
    # exactly; they would otherwise make the bound so large that nothing could fail.
    special = ~np.isfinite(ref) | (np.abs(ref) >= FLT_MAX)
    ordinary = np.abs(ref[~special])
    bound = rtol * max(1.0, float(ordinary.max()) if ordinary.size else 1.0)
    with np.errstate(invalid="ignore"):
        diff = np.asarray(np.abs(ours - ref))
    same = (ours == ref) | (np.isnan(ours) & np.isnan(ref))
    diff[same] = 0.0
    diff[special & ~same] = np.inf
    diff[np.isnan(diff)] = np.inf
    worst = np.unravel_index(int(np.argmax(diff)), diff.shape)
    return Comparison(name, float(diff[worst]), bound, tuple(int(i) for i in worst))
