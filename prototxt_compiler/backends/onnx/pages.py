"""Giving back the memory of weights that an export no longer reads.

A .caffemodel's blobs are views of a copy-on-write map of the file (``frontend.weights``):
the pages a pass reads stay resident as long as the map lives, which is as long as any
blob of the net does. Once folding has put a convolution's folded weight in a fresh array,
the pages of its old weight hold nothing anyone reads, yet would keep a second copy of the
weights resident. ``release`` tells the kernel to drop them (``madvise(MADV_DONTNEED)``): a
later read of the old array would fetch the file's bytes again, which are what it held,
since nothing writes into a map it only reads. Only pages wholly inside the array are
dropped (a page shared with a neighbouring blob stays); an array that is no view of a map
is left alone (its memory goes with it).

For a caller that owns the graph's blobs and never wrote into them (``compile_onnx``,
which loads its own).
"""
from __future__ import annotations

import mmap
from typing import Any

import numpy as np

__all__ = ["release"]

PAGE = mmap.PAGESIZE


def _mapping_of(array: np.ndarray) -> mmap.mmap | None:
    owner: Any = array
    while isinstance(owner, (np.ndarray, memoryview)):
        owner = owner.base if isinstance(owner, np.ndarray) else owner.obj
    return owner if isinstance(owner, mmap.mmap) else None


def release(array: np.ndarray) -> int:
    """Drops the resident pages of ``array`` where it is a contiguous view of a memory map;
    returns how many bytes were given back (0 where there was nothing to do)."""
    mapping = _mapping_of(array)
    if mapping is None or not array.flags.c_contiguous or array.nbytes == 0 or \
            mapping.closed:
        return 0
    base = np.frombuffer(mapping, np.uint8, count=1).ctypes.data
    start = array.ctypes.data - base
    first = -(-start // PAGE) * PAGE
    last = (start + array.nbytes) // PAGE * PAGE
    if last <= first:
        return 0
    mapping.madvise(mmap.MADV_DONTNEED, first, last - first)
    return last - first
