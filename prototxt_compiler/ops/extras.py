"""The fields a Caffe message has beyond BVLC's: those Caffe forks add (``proto.forks``:
SSD's ``prior_box_param``, PSPNet's ``interp_param``...) and those plugins register.

Text resolves such a field by its name, every fork at once. Where forks give one name to
different messages (SegNet's and PSPNet's ``bn_param``; the YOLO ports' and SegNet's
``upsample_param``), the text reads into a union of their messages: each field of every one
of them, by name (the first definition of a name wins), so a layer type's ``read`` finds the
fields its fork wrote, whichever fork that is. A binary NetParameter needs its fork named,
since field numbers collide across forks and with BVLC's (PSPNet's 143 is BVLC's
``input_param``): ``ExtraFields.binary(fork)`` gives that fork's numbers.

Fields a fork adds to BVLC's own messages (PSPNet's ``update_global_stats`` in
``batch_norm_param``) are registered under that message's full name and read as scalars or
messages beside it; they change no inference result here and are kept only for the notes.
"""
from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from google.protobuf import descriptor_pb2, descriptor_pool, message_factory
from google.protobuf.descriptor import Descriptor, FieldDescriptor

__all__ = ["ExtraField", "ExtraFields", "EXTRA_FIELDS", "LAYER", "load_fork_fields"]

LAYER = "caffe.LayerParameter"


@dataclass
class ExtraField:
    """A field of ``owner`` (a message's full name) that BVLC does not have: ``message`` is
    the class text reads a message field into (a union where forks differ), ``field`` the
    first definition (its type, label and default for scalars), ``forks`` who defines it,
    ``numbers`` each one's field number."""

    owner: str
    name: str
    field: FieldDescriptor
    message: Any = None
    forks: list[str] = field(default_factory=list)
    numbers: dict[str, int] = field(default_factory=dict)
    classes: dict[str, Any] = field(default_factory=dict)  # fork -> its own message class


class ExtraFields:
    """Owner message -> field name -> ``ExtraField``; and fork -> title."""

    def __init__(self, loader: Any = None) -> None:
        self._fields: dict[str, dict[str, ExtraField]] = {}
        self._forks: dict[str, str] = {}
        self._layer_fields: dict[str, Any] = {}  # fork -> its LayerFields message class
        self._unions = 0
        self._loader = loader  # registers the built-in forks on first use (they cost 0.3 s)

    def _ensure(self) -> None:
        if self._loader is not None:
            loader, self._loader = self._loader, None
            loader(self)

    # -- registering --------------------------------------------------------------------
    def add_fork(self, name: str, title: str, layer_fields: Any = None) -> None:
        """A fork (or a plugin's schema) by name; ``layer_fields`` is the message whose
        fields are its LayerParameter additions by their numbers (for binary nets)."""
        self._ensure()
        if name in self._forks and self._forks[name] != title:
            raise RuntimeError(f"fork {name!r} is registered twice")
        self._forks[name] = title
        if layer_fields is not None:
            self._layer_fields[name] = layer_fields

    def layer_fields(self, fork: str) -> Any:
        """The message that reads ``fork``'s LayerParameter additions from a layer's bytes."""
        self._ensure()
        return self._layer_fields.get(fork)

    def add(self, owner: str, field_descriptor: FieldDescriptor, *, fork: str) -> ExtraField:
        """Registers ``field_descriptor`` (a field of ``fork``'s version of ``owner``)."""
        self._ensure()
        name = field_descriptor.name
        existing = self._fields.setdefault(owner, {}).get(name)
        cls = None
        if field_descriptor.message_type is not None:
            cls = message_factory.GetMessageClass(field_descriptor.message_type)
        if existing is None:
            existing = ExtraField(owner, name, field_descriptor, cls)
            self._fields[owner][name] = existing
        elif cls is not None and existing.message is not None and \
                existing.message.DESCRIPTOR.full_name != cls.DESCRIPTOR.full_name:
            existing.message = self._union(name, [existing.message, cls])
        existing.forks.append(fork)
        existing.numbers[fork] = field_descriptor.number
        if cls is not None:
            existing.classes[fork] = cls
        return existing

    def _union(self, name: str, classes: list[Any]) -> Any:
        """A message with every field of ``classes`` by name (numbers renumbered: text
        needs none), built in the default descriptor pool."""
        sources: list[Any] = []
        for cls in classes:  # a union of unions flattens
            sources += getattr(cls, "_union_of", [cls])
        self._unions += 1
        package = f"prototxt_compiler.extras.union{self._unions}"
        proto = descriptor_pb2.FileDescriptorProto(
            name=f"prototxt_compiler/extras/union_{self._unions}.proto", package=package,
            syntax="proto2")
        # named as its first fork names it, so that messages read "InterpParameter"
        message = proto.message_type.add(name=sources[0].DESCRIPTOR.name)
        seen: set[str] = set()
        for cls in sources:
            descriptor: Descriptor = cls.DESCRIPTOR
            if descriptor.file.name not in proto.dependency:
                proto.dependency.append(descriptor.file.name)
            for f in descriptor.fields:
                if f.name in seen:
                    continue
                seen.add(f.name)
                copy = descriptor_pb2.FieldDescriptorProto()
                copy.MergeFrom(_field_proto(descriptor, f.name))
                copy.number = len(seen)
                copy.ClearField("oneof_index")
                message.field.append(copy)
        pool = descriptor_pool.Default()
        pool.Add(proto)
        union = message_factory.GetMessageClass(
            pool.FindMessageTypeByName(f"{package}.{message.name}"))
        union._union_of = sources
        return union

    # -- reading ------------------------------------------------------------------------
    def get(self, owner: str, name: str) -> ExtraField | None:
        self._ensure()
        return self._fields.get(owner, {}).get(name)

    def of(self, owner: str) -> Mapping[str, ExtraField]:
        self._ensure()
        return self._fields.get(owner, {})

    def forks(self) -> Mapping[str, str]:
        """Fork name -> title, in registration order."""
        self._ensure()
        return dict(self._forks)

    def binary(self, fork: str) -> dict[int, ExtraField]:
        """The LayerParameter fields of ``fork`` by its field numbers."""
        self._ensure()
        return {f.numbers[fork]: f for f in self._fields.get(LAYER, {}).values()
                if fork in f.numbers}

    def __iter__(self) -> Iterator[ExtraField]:
        self._ensure()
        for fields in list(self._fields.values()):
            yield from fields.values()


def _field_proto(descriptor: Descriptor, name: str) -> descriptor_pb2.FieldDescriptorProto:
    proto = descriptor_pb2.DescriptorProto()
    descriptor.CopyToProto(proto)
    found = next(f for f in proto.field if f.name == name)
    if found.type_name and not found.type_name.startswith("."):
        found.type_name = "." + found.type_name
    return found


def load_fork_fields(registry: ExtraFields) -> None:
    """Registers every fork of ``proto.forks``: its LayerParameter additions, and its
    additions to BVLC's messages."""
    from ..proto.forks import FORKS

    for fork in FORKS.values():
        registry.add_fork(fork.name, fork.title, fork.layer_fields)
        for f in fork.layer_fields.DESCRIPTOR.fields:
            registry.add(LAYER, f, fork=fork.name)
        for owner, fields in fork.changed.items():
            for name, f in fields.items():
                if name not in _bvlc_fields(owner):
                    registry.add(owner, f, fork=fork.name)


def _bvlc_fields(owner: str) -> set[str]:
    from ..proto import caffe_pb2

    descriptor = caffe_pb2.DESCRIPTOR.message_types_by_name.get(owner.removeprefix("caffe."))
    return set(descriptor.fields_by_name) if descriptor is not None else set()


EXTRA_FIELDS = ExtraFields(loader=load_fork_fields)
