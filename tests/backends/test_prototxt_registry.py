"""Every op a graph can hold writes its params back through the ``*_param`` field it names
(the prototxt backend has no per-type code: ``OpDef.write_params`` in ``ops``): a field of
BVLC's LayerParameter, or one a Caffe fork adds (``ops.extras``)."""
from prototxt_compiler.ops import OPS
from prototxt_compiler.ops.extras import EXTRA_FIELDS, LAYER
from prototxt_compiler.proto import caffe_pb2

# Caffe types whose params are only the engine (which the IR does not keep), or none
NO_PARAMS = {"AbsVal", "BNLL", "Sigmoid", "Split", "TanH", "BatchReindex", "Filter", "LSTMUnit",
             "Axpy", "Broadcastmul", "BroadcastMul", "ReLU6"}


def test_every_graph_op_names_the_field_of_its_params() -> None:
    fields = caffe_pb2.LayerParameter.DESCRIPTOR.fields_by_name
    graph_ops = [op for op in OPS if op.role == "layer"]
    assert {op.type for op in graph_ops if op.param is None} == NO_PARAMS
    for op in graph_ops:
        if op.param is not None:
            assert op.param in fields or EXTRA_FIELDS.get(LAYER, op.param) is not None, op.type
