"""The one tolerance rule of the project (prototxt_compiler.verify.compare), as tests use it:
max |ours - ref| <= rtol x max(1, max |ref|), with rtol 1e-4 per layer (1e-3 for the logits
of whole deep nets, where float32 rounding accumulates)."""
from __future__ import annotations

import numpy as np

from prototxt_compiler.verify import compare


def mismatch(ours: np.ndarray, ref: np.ndarray, what: str, rtol: float = 1e-4) -> str | None:
    """None when ``ours`` matches ``ref``; else a line naming ``what`` (LAYER:TOP), the worst
    index, both values, and the bound."""
    ours = np.asarray(ours)
    ref = np.asarray(ref)
    if ours.shape != ref.shape:
        return f"{what}: shape {list(ours.shape)}, Caffe {list(ref.shape)}"
    result = compare(ours, ref, what, rtol)
    if result.ok:
        return None
    at = result.worst
    return (f"{what}: max |diff| {result.max_diff:.3g} > {result.bound:.3g} at {list(at)} "
            f"(ours {float(ours[at]):.6g}, Caffe {float(ref[at]):.6g})")


def assert_close(ours: np.ndarray, ref: np.ndarray, what: str, rtol: float = 1e-4) -> None:
    problem = mismatch(ours, ref, what, rtol)
    assert problem is None, problem
