"""Every op of the registry that a graph can hold has a torch converter."""
import pytest

pytest.importorskip("torch")

from prototxt_compiler.backends.torch import TORCH  # noqa: E402
from prototxt_compiler.ops import OPS  # noqa: E402


def test_every_graph_op_has_a_torch_converter() -> None:
    # data layers become graph inputs and train-only layers are dropped: no node has them
    graph_ops = {op.type for op in OPS if op.role == "layer"}
    assert graph_ops - set(TORCH.types()) == set()
    assert set(TORCH.types()) - graph_ops == set()
