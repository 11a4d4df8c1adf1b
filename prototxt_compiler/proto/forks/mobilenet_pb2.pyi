# Generated from protos/forks/mobilenet.proto by tools/gen_proto.py (protoc --pyi_out). Do not edit.
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from typing import ClassVar as _ClassVar

DESCRIPTOR: _descriptor.FileDescriptor

class LayerFields(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...
