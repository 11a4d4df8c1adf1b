"""The one tolerance rule of the project, as the brief states it:
max |ours - ref| <= rtol x max(1, max |ref|), with rtol 1e-4 per layer (1e-3 for the logits
of whole deep nets, where float32 rounding accumulates)."""
from __future__ import annotations

import numpy as np


def mismatch(ours: np.ndarray, ref: np.ndarray, what: str, rtol: float = 1e-4) -> str | None:
    """None when ``ours`` matches ``ref``; else a line naming ``what`` (LAYER:TOP), the worst
    index, both values, and the bound."""
    ours = np.asarray(ours, dtype=np.float64)
    ref = np.asarray(ref, dtype=np.float64)
    if ours.shape != ref.shape:
        return f"{what}: shape {list(ours.shape)}, Caffe {list(ref.shape)}"
    if ref.size == 0:
        return None
    bound = rtol * max(1.0, float(np.max(np.abs(ref))))
    diff = np.asarray(np.abs(ours - ref))
    diff[np.isnan(ours) != np.isnan(ref)] = np.inf
    diff[np.isnan(ours) & np.isnan(ref)] = 0.0
    worst = np.unravel_index(int(np.argmax(diff)), diff.shape)
    if diff[worst] <= bound:
        return None
    return (f"{what}: max |diff| {diff[worst]:.3g} > {bound:.3g} at {list(map(int, worst))} "
            f"(ours {ours[worst]:.6g}, Caffe {ref[worst]:.6g})")


def assert_close(ours: np.ndarray, ref: np.ndarray, what: str, rtol: float = 1e-4) -> None:
    problem = mismatch(ours, ref, what, rtol)
    assert problem is None, problem
