"""The Python-source backend: a graph as a standalone, readable PyTorch module file.

``to_python_source(graph)`` gives the text of a ``model.py`` that imports only torch (one
attribute per Caffe layer, ``forward`` in Caffe's order) and the arrays of its class's
``state_dict``; ``save_state_dict`` writes them with ``torch.save`` (and as safetensors where
that package is installed). Writing the text needs no torch. Every module of the package is
imported, so each family's converters and written-out definitions register themselves.
"""
from __future__ import annotations

from ...ops.base import import_modules
from .registry import HELPERS, PYSOURCE
from .save import save_state_dict
from .writer import ModuleSource, to_python_source

import_modules(__name__, __path__)

__all__ = ["HELPERS", "PYSOURCE", "ModuleSource", "save_state_dict", "to_python_source"]
