"""``RowScaled``: the float32 product ``source * k[:, None]`` computed on demand; every way of
reading it gives the same bytes as numpy's own product, and a misuse raises."""
from __future__ import annotations

import numpy as np
import pytest

from prototxt_compiler.ir import deferred
from prototxt_compiler.ir.deferred import RowScaled


def _operands(shape: tuple[int, ...], seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    return (rng.normal(size=shape).astype(np.float32),
            rng.uniform(0.1, 3.0, size=shape[0]).astype(np.float32))


def _expected(source: np.ndarray, k: np.ndarray) -> np.ndarray:
    return np.multiply(source, k.reshape((-1,) + (1,) * (source.ndim - 1)))


@pytest.mark.parametrize("block_bytes", [16, 100, 4096, 1 << 20])
def test_blocks_are_the_product_in_c_order(monkeypatch, block_bytes: int) -> None:
    """Blocks smaller than a row (one row each), of several rows with a short last block,
    and one block for the whole array: the concatenated bytes are numpy's product's."""
    monkeypatch.setattr(deferred, "BLOCK_BYTES", block_bytes)
    source, k = _operands((7, 3, 2, 2))
    blocks = RowScaled(source, k).blocks()
    joined = b"".join(bytes(block) for block in blocks)
    assert joined == _expected(source, k).astype("<f4").tobytes()


def test_blocks_reuse_one_buffer_and_call_after_once_at_the_end(monkeypatch) -> None:
    monkeypatch.setattr(deferred, "BLOCK_BYTES", 48)  # 48 bytes: one row of 12 floats
    source, k = _operands((3, 12))
    seen: list[np.ndarray] = []
    scaled = RowScaled(source, k, after=seen.append)
    addresses = []
    for block in scaled.blocks():
        assert not seen  # not before every block was given
        addresses.append(np.frombuffer(block, np.uint8).ctypes.data)
    assert len(addresses) == 3 and len(set(addresses)) == 1
    assert len(seen) == 1 and seen[0] is source


def test_asarray_and_materialize_give_the_product() -> None:
    source, k = _operands((4, 5, 3))
    scaled = RowScaled(source, k)
    expected = _expected(source, k)
    assert np.array_equal(np.asarray(scaled), expected)
    assert np.asarray(scaled).dtype == np.float32
    assert np.asarray(scaled, np.float64).dtype == np.float64
    assert np.array_equal(scaled.materialize(), expected)
    assert (scaled.shape, scaled.ndim, scaled.size, scaled.nbytes, scaled.dtype) == \
        ((4, 5, 3), 3, 60, 240, np.float32)


def test_reshape_keeps_the_rows_and_the_base() -> None:
    source, k = _operands((4, 6))
    scaled = RowScaled(source, k)
    seen = scaled.reshape(scaled.shape + (1,))
    assert seen.shape == (4, 6, 1) and seen.base is scaled
    assert scaled.reshape(4, 2, -1).shape == (4, 2, 3)
    assert np.array_equal(np.asarray(seen), _expected(source, k).reshape(4, 6, 1))
    assert b"".join(bytes(b) for b in seen.blocks()) == \
        b"".join(bytes(b) for b in scaled.blocks())
    with pytest.raises(ValueError, match="does not keep the rows"):
        scaled.reshape(2, 12)
    with pytest.raises(ValueError, match="does not keep the rows"):
        scaled.reshape(4, 5)


def test_refuses_what_it_cannot_stand_for() -> None:
    source, k = _operands((3, 2))
    with pytest.raises(ValueError, match="float32 array"):
        RowScaled(source.astype(np.float64), k)
    with pytest.raises(ValueError, match="3 float32 factors"):
        RowScaled(source, k[:2])
    with pytest.raises(ValueError, match="3 float32 factors"):
        RowScaled(source, k.astype(np.float64))
    scaled = RowScaled(source, k)
    with pytest.raises(TypeError):
        scaled * 2  # not an array: arithmetic on it is an error, never the source's values
    with pytest.raises(AttributeError):
        scaled.T  # noqa: B018


def test_an_empty_weight_has_no_blocks_and_still_calls_after() -> None:
    seen: list[np.ndarray] = []
    scaled = RowScaled(np.zeros((2, 0), np.float32), np.ones(2, np.float32), after=seen.append)
    assert list(scaled.blocks()) == [] and len(seen) == 1
