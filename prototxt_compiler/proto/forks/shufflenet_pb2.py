"""Message classes of the shufflenet fork, generated from protos/forks/shufflenet.proto
by tools/gen_proto.py. Do not edit."""
# fmt: off
from google.protobuf import descriptor_pool as _pool
from google.protobuf import message_factory as _factory

_SERIALIZED = (
    b'\n\x16forks/shufflenet.proto\x12"prototxt_compiler.forks.shufflenet"\x7f\n\x0bLayerFields\x12p\n\x15s'
    b'huffle_channel_param\x18\xa4\x01 \x01(\x0b2;.prototxt_compiler.forks.shufflenet.ShuffleChannelP'
    b'arameterR\x13shuffleChannelParam"2\n\x17ShuffleChannelParameter\x12\x17\n\x05group\x18\x01 \x01(\r:\x011R\x05grou'
    b'p'
)

DESCRIPTOR = _pool.Default().AddSerializedFile(_SERIALIZED)
if not hasattr(DESCRIPTOR, "message_types_by_name"):  # older runtimes return None
    DESCRIPTOR = _pool.Default().FindFileByName("forks/shufflenet.proto")

for _name, _desc in DESCRIPTOR.message_types_by_name.items():
    globals()[_name] = _factory.GetMessageClass(_desc)
for _name, _desc in DESCRIPTOR.enum_types_by_name.items():
    globals()[_name] = _desc
    for _value in _desc.values:
        globals()[_value.name] = _value.number
del _name, _desc
