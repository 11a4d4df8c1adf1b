# Generated from protos/forks/shufflenet.proto by tools/gen_proto.py (protoc --pyi_out). Do not edit.
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class LayerFields(_message.Message):
    __slots__ = ("shuffle_channel_param",)
    SHUFFLE_CHANNEL_PARAM_FIELD_NUMBER: _ClassVar[int]
    shuffle_channel_param: ShuffleChannelParameter
    def __init__(self, shuffle_channel_param: _Optional[_Union[ShuffleChannelParameter, _Mapping]] = ...) -> None: ...

class ShuffleChannelParameter(_message.Message):
    __slots__ = ("group",)
    GROUP_FIELD_NUMBER: _ClassVar[int]
    group: int
    def __init__(self, group: _Optional[int] = ...) -> None: ...
