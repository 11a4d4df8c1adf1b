"""Every op of the registry that a graph can hold has a prototxt writer."""
from prototxt_compiler.backends.prototxt import PROTOTXT
from prototxt_compiler.ops import OPS


def test_every_graph_op_has_a_prototxt_writer() -> None:
    graph_ops = {op.type for op in OPS if op.role == "layer"}
    assert graph_ops - set(PROTOTXT.types()) == set()
    assert set(PROTOTXT.types()) - graph_ops == set()
