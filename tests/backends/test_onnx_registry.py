"""Every op of the registry that a graph can hold has an ONNX converter."""
from prototxt_compiler.backends.onnx import ONNX
from prototxt_compiler.ops import OPS


def test_every_graph_op_has_an_onnx_converter() -> None:
    # data layers become graph inputs and train-only layers are dropped: no node has them
    graph_ops = {op.type for op in OPS if op.role == "layer"}
    assert graph_ops - set(ONNX.types()) == set()
    assert set(ONNX.types()) - graph_ops == set()
