"""Regenerates prototxt_compiler/proto/caffe_pb2.py from protos/caffe.proto, and each
prototxt_compiler/proto/forks/FORK_pb2.py from protos/forks/FORK.proto.

    python tools/gen_proto.py            # rewrite the modules
    python tools/gen_proto.py --check    # exit 1 when a committed module is stale or orphaned

Each module embeds the compiled FileDescriptorProto and builds the message classes at import
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
PROTOS = ROOT / "protos"
PROTO = PROTOS / "caffe.proto"
MODULE = ROOT / "prototxt_compiler" / "proto" / "caffe_pb2.py"
FORK_MODULES = ROOT / "prototxt_compiler" / "proto" / "forks"

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


FORK_TEMPLATE = '''"""Message classes of the {fork} fork, generated from protos/forks/{fork}.proto
by tools/gen_proto.py. Do not edit."""
# fmt: off
from google.protobuf import descriptor_pool as _pool
from google.protobuf import message_factory as _factory
{imports}
_SERIALIZED = (
{chunks}
)

DESCRIPTOR = _pool.Default().AddSerializedFile(_SERIALIZED)
if not hasattr(DESCRIPTOR, "message_types_by_name"):  # older runtimes return None
    DESCRIPTOR = _pool.Default().FindFileByName("forks/{fork}.proto")

for _name, _desc in DESCRIPTOR.message_types_by_name.items():
    globals()[_name] = _factory.GetMessageClass(_desc)
for _name, _desc in DESCRIPTOR.enum_types_by_name.items():
    globals()[_name] = _desc
    for _value in _desc.values:
        globals()[_value.name] = _value.number
del _name, _desc
'''


def compiled_descriptor(proto: pathlib.Path = PROTO) -> bytes:
    """PROTO's FileDescriptorProto, named by its path under protos/ (``caffe.proto``,
    ``forks/ssd.proto``), which is also how a fork file imports caffe.proto."""
    with tempfile.TemporaryDirectory() as tmp:
        out = pathlib.Path(tmp) / "caffe.desc"
        subprocess.run([sys.executable, "-m", "grpc_tools.protoc", f"-I{PROTOS}",
                        f"--descriptor_set_out={out}", str(proto)], check=True)
        file_set = descriptor_pb2.FileDescriptorSet.FromString(out.read_bytes())
    (file_proto,) = file_set.file
    return file_proto.SerializeToString(deterministic=True)


def stub(proto: pathlib.Path) -> str:
    """The type stub (.pyi) of PROTO's module, from protoc's own --pyi_out, so that mypy
    knows the message classes the module builds at import. A fork's import of caffe.proto
    reads as the package's caffe_pb2."""
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run([sys.executable, "-m", "grpc_tools.protoc", f"-I{PROTOS}",
                        f"--pyi_out={tmp}", str(proto)], check=True)
        text = (pathlib.Path(tmp) / proto.relative_to(PROTOS).with_suffix("")).with_name(
            f"{proto.stem}_pb2.pyi").read_text()
    return ("# Generated from protos/" + str(proto.relative_to(PROTOS)) + " by tools/gen_proto.py"
            " (protoc --pyi_out). Do not edit.\n"
            + text.replace("import caffe_pb2 as _caffe_pb2",
                           "from prototxt_compiler.proto import caffe_pb2 as _caffe_pb2"))


def render(data: bytes, template: str = TEMPLATE, **names: str) -> str:
    chunks = "\n".join(f"    {data[i:i + 80]!r}" for i in range(0, len(data), 80))
    return template.format(chunks=chunks, **names)


def targets() -> dict[pathlib.Path, str]:
    """Every generated module and the text it must hold."""
    out = {MODULE: render(compiled_descriptor()), MODULE.with_suffix(".pyi"): stub(PROTO)}
    for proto in sorted((PROTOS / "forks").glob("*.proto")):
        out[FORK_MODULES / f"{proto.stem}_pb2.pyi"] = stub(proto)
        data = compiled_descriptor(proto)
        uses = descriptor_pb2.FileDescriptorProto.FromString(data).dependency
        if list(uses) not in ([], ["caffe.proto"]):
            raise SystemExit(f"{proto.relative_to(ROOT)} may import caffe.proto only")
        imports = ("\nfrom prototxt_compiler.proto import caffe_pb2 as _caffe_pb2  "
                   "# noqa: F401  (registers the file it imports)\n" if uses else "")
        out[FORK_MODULES / f"{proto.stem}_pb2.py"] = render(
            data, FORK_TEMPLATE, fork=proto.stem, imports=imports)
    return out


def main(argv: list[str]) -> int:
    wanted = targets()
    if "--check" in argv:
        problems = [f"{path.relative_to(ROOT)} is stale: run python tools/gen_proto.py"
                    for path, text in wanted.items()
                    if not path.exists() or path.read_text() != text]
        problems += [f"{path.relative_to(ROOT)} has no protos/forks/{path.stem[:-4]}.proto: "
                     "delete it" for path in sorted(FORK_MODULES.glob("*_pb2.py*"))
                     if path not in wanted]
        for problem in problems:
            print(problem)
        return 1 if problems else 0
    for path, text in wanted.items():
        if not path.exists() or path.read_text() != text:
            path.write_text(text)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
