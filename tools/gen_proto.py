"""Regenerates prototxt_compiler/proto/caffe_pb2.py from protos/caffe.proto.

    python tools/gen_proto.py            # rewrite the module
    python tools/gen_proto.py --check    # exit 1 when the committed module is stale

The module embeds the compiled FileDescriptorProto and builds the message classes at import
with protobuf's public descriptor-pool API, so it works with any protobuf runtime >= 4.21
rather than only the one matching the protoc that wrote it (protoc's own --python_out pins
the runtime version). Needs grpcio-tools (the `dev` extra) for protoc.
"""
from __future__ import annotations

import pathlib
import subprocess
import sys
import tempfile

from google.protobuf import descriptor_pb2

ROOT = pathlib.Path(__file__).resolve().parent.parent
PROTO = ROOT / "protos" / "caffe.proto"
MODULE = ROOT / "prototxt_compiler" / "proto" / "caffe_pb2.py"

TEMPLATE = '''"""Caffe message classes, generated from protos/caffe.proto by tools/gen_proto.py. Do not edit."""
# fmt: off
from google.protobuf import descriptor_pool as _pool
from google.protobuf import message_factory as _factory

_SERIALIZED = (
{chunks}
)

DESCRIPTOR = _pool.Default().AddSerializedFile(_SERIALIZED)
if not hasattr(DESCRIPTOR, "message_types_by_name"):  # older runtimes return None
    DESCRIPTOR = _pool.Default().FindFileByName("caffe.proto")

for _name, _desc in DESCRIPTOR.message_types_by_name.items():
    globals()[_name] = _factory.GetMessageClass(_desc)
for _name, _desc in DESCRIPTOR.enum_types_by_name.items():
    globals()[_name] = _desc
    for _value in _desc.values:
        globals()[_value.name] = _value.number
del _name, _desc
'''


def compiled_descriptor() -> bytes:
    with tempfile.TemporaryDirectory() as tmp:
        out = pathlib.Path(tmp) / "caffe.desc"
        subprocess.run([sys.executable, "-m", "grpc_tools.protoc", f"-I{PROTO.parent}",
                        f"--descriptor_set_out={out}", str(PROTO)], check=True)
        file_set = descriptor_pb2.FileDescriptorSet.FromString(out.read_bytes())
    (file_proto,) = file_set.file
    return file_proto.SerializeToString(deterministic=True)


def render(data: bytes) -> str:
    chunks = "\n".join(f"    {data[i:i + 80]!r}" for i in range(0, len(data), 80))
    return TEMPLATE.format(chunks=chunks)


def main(argv: list[str]) -> int:
    text = render(compiled_descriptor())
    if "--check" in argv:
        if not MODULE.exists() or MODULE.read_text() != text:
            print(f"{MODULE.relative_to(ROOT)} is stale: run python tools/gen_proto.py")
            return 1
        return 0
    MODULE.write_text(text)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
