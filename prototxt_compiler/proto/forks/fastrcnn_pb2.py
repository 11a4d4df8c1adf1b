"""Message classes of the fastrcnn fork, generated from protos/forks/fastrcnn.proto
by tools/gen_proto.py. Do not edit."""
# fmt: off
from google.protobuf import descriptor_pool as _pool
from google.protobuf import message_factory as _factory

_SERIALIZED = (
    b'\n\x14forks/fastrcnn.proto\x12 prototxt_compiler.forks.fastrcnn"\xe0\x01\n\x0bLayerFields\x12d\n\x11roi_'
    b'pooling_param\x18\xd7\xc7\xf8\x03 \x01(\x0b25.prototxt_compiler.forks.fastrcnn.ROIPoolingParameterR\x0fr'
    b'oiPoolingParam\x12k\n\x14smooth_l1_loss_param\x18\xd8\xc7\xf8\x03 \x01(\x0b27.prototxt_compiler.forks.fastrc'
    b'nn.SmoothL1LossParameterR\x11smoothL1LossParam"H\n\x0bBvlcChanges\x1a9\n\x10DropoutParameter\x12%'
    b'\n\x0bscale_train\x18\x02 \x01(\x08:\x04trueR\nscaleTrain"y\n\x13ROIPoolingParameter\x12\x1c\n\x08pooled_h\x18\x01 \x01(\r:\x01'
    b'0R\x07pooledH\x12\x1c\n\x08pooled_w\x18\x02 \x01(\r:\x010R\x07pooledW\x12&\n\rspatial_scale\x18\x03 \x01(\x02:\x011R\x0cspatialScale'
    b'"0\n\x15SmoothL1LossParameter\x12\x17\n\x05sigma\x18\x01 \x01(\x02:\x011R\x05sigma'
)

DESCRIPTOR = _pool.Default().AddSerializedFile(_SERIALIZED)
if not hasattr(DESCRIPTOR, "message_types_by_name"):  # older runtimes return None
    DESCRIPTOR = _pool.Default().FindFileByName("forks/fastrcnn.proto")

for _name, _desc in DESCRIPTOR.message_types_by_name.items():
    globals()[_name] = _factory.GetMessageClass(_desc)
for _name, _desc in DESCRIPTOR.enum_types_by_name.items():
    globals()[_name] = _desc
    for _value in _desc.values:
        globals()[_value.name] = _value.number
del _name, _desc
