"""Saving the generated module's weights: its ``state_dict`` with ``torch.save``, or as a
safetensors file (when the ``safetensors`` package is installed), each written atomically by
the caller's ``write`` (``api.write_atomically``)."""
from __future__ import annotations

import os
from collections.abc import Callable, Mapping

import numpy as np

from ...errors import UsageError

__all__ = ["save_state_dict", "safetensors_available"]

Writer = Callable[[str | os.PathLike[str], Callable[[str], None]], None]


def safetensors_available() -> bool:
    try:
        import safetensors.torch  # noqa: F401
    except ImportError:
        return False
    return True


def _tensors(state: Mapping[str, np.ndarray]) -> dict:
    import torch

    return {key: torch.from_numpy(np.array(array, copy=True)) for key, array in state.items()}


def save_state_dict(state: Mapping[str, np.ndarray], path: str | os.PathLike[str],
                    write: Writer) -> None:
    """Writes ``state`` to ``path``: ``torch.save`` of the state_dict, or safetensors when
    the name ends in ``.safetensors``."""
    target = os.fspath(path)
    if target.endswith(".safetensors"):
        if not safetensors_available():
            raise UsageError(f"{target}: writing safetensors needs the safetensors package "
                             "(pip install safetensors); or give a .pt file name")
        from safetensors.torch import save_file

        tensors = _tensors(state)
        write(target, lambda tmp: save_file(tensors, tmp))
        return
    import torch

    tensors = _tensors(state)
    write(target, lambda tmp: torch.save(tensors, tmp))
