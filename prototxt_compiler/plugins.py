"""Layer types from outside the package: the registries the package's own layers use, opened.

A plugin is a module that, when imported, registers what it adds:

- ``register_param(field, message=None, *, fields=None, fork=None, number=None)``: a field of
  ``LayerParameter`` that holds its params, as a protobuf message class of the plugin's, or a
  plain ``fields`` mapping (``{"scale": ("int32", 2), "mode": ("string", "nearest")}``, types
  from protobuf's scalar types, ``"repeated float"`` for a list) from which a message is
  made. Text resolves it by name; with ``fork`` and ``number`` a binary net of that fork
  (``--fork FORK``) reads it by its number.
- ``register_layer(type, *, read, infer, ..., torch=None, onnx=None)``: the layer type's
  ``OpDef`` (``ops.base``: how its params are read, written back, its blobs and its shape
  rule) and one converter per backend, exactly as an in-package family defines its layers.
  A ``Python`` layer is registered as ``Python:MODULE.LAYER``, the class its
  ``python_param`` names.

Plugins are found through the entry-point group ``prototxt_compiler.layers`` (each entry
point names a module, or a function to call) when a net is first loaded, and given by name
with ``--plugin MODULE`` on every command (``load_plugins``).
"""
from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Iterable, Mapping, Sequence
from importlib import metadata
from typing import Any

from google.protobuf import descriptor_pb2, descriptor_pool, message_factory

from .errors import UsageError
from .ops import OPS, OpDef
from .ops.extras import EXTRA_FIELDS, LAYER
from .proto import caffe_pb2

__all__ = ["register_param", "register_layer", "load_plugins", "ENTRY_POINT_GROUP"]

ENTRY_POINT_GROUP = "prototxt_compiler.layers"

_TYPES = {"double": 1, "float": 2, "int64": 3, "uint64": 4, "int32": 5, "bool": 8,
          "string": 9, "uint32": 13}
_loaded: set[str] = set()  # entry points and modules loaded, so each loads once
LAYER_FIELD_NAMES = frozenset(caffe_pb2.LayerParameter.DESCRIPTOR.fields_by_name)


def _message_of_fields(field: str, fields: Mapping[str, tuple[str, Any]]) -> Any:
    """A proto2 message with ``fields`` ({name: (type, default)}), in the default pool."""
    name = "".join(part.title() for part in field.split("_")) or "Param"
    proto = descriptor_pb2.FileDescriptorProto(
        name=f"prototxt_compiler/plugins/{field}.proto", package="prototxt_compiler.plugins",
        syntax="proto2")
    message = proto.message_type.add(name=name)
    for number, (key, (kind, default)) in enumerate(fields.items(), 1):
        repeated = kind.startswith("repeated ")
        base = kind.removeprefix("repeated ")
        if base not in _TYPES:
            raise UsageError(f"plugin field {field}.{key}: type {kind!r} is not one of "
                             f"{', '.join(_TYPES)} (or 'repeated TYPE')")
        f = message.field.add(name=key, number=number, type=_TYPES[base],
                              label=3 if repeated else 1)
        if default is not None and not repeated:
            f.default_value = str(default).lower() if base == "bool" else str(default)
    pool = descriptor_pool.Default()
    pool.Add(proto)
    return message_factory.GetMessageClass(
        pool.FindMessageTypeByName(f"prototxt_compiler.plugins.{name}"))


def _layer_fields(fork: str, field: str, message: Any, number: int) -> Any:
    """The one-field message a fork's binary layer is read with, for a plugin's field."""
    proto = descriptor_pb2.FileDescriptorProto(
        name=f"prototxt_compiler/plugins/{fork}_{field}_layer.proto",
        package=f"prototxt_compiler.plugins.{fork}", syntax="proto2",
        dependency=[message.DESCRIPTOR.file.name])
    holder = proto.message_type.add(name=f"LayerFields_{field}")
    holder.field.add(name=field, number=number, type=11, label=1,
                     type_name="." + message.DESCRIPTOR.full_name)
    pool = descriptor_pool.Default()
    pool.Add(proto)
    return message_factory.GetMessageClass(
        pool.FindMessageTypeByName(f"prototxt_compiler.plugins.{fork}.LayerFields_{field}"))


def register_param(field: str, message: Any = None, *,
                   fields: Mapping[str, tuple[str, Any]] | None = None,
                   fork: str | None = None, number: int | None = None) -> Any:
    """Registers ``LayerParameter.field`` (see the module docstring); returns its message
    class."""
    if (message is None) == (fields is None):
        raise UsageError(f"register_param({field!r}): give a message class or fields")
    if field in LAYER_FIELD_NAMES:
        raise UsageError(f"register_param({field!r}): BVLC's LayerParameter has that field")
    message = message if message is not None else _message_of_fields(field, fields or {})
    owner = fork or f"plugin:{field}"
    if number is not None and fork is None:
        raise UsageError(f"register_param({field!r}): a field number needs the fork whose "
                         "binary nets use it")
    holder = _layer_fields(owner, field, message, number or 1)
    EXTRA_FIELDS.add_fork(owner, f"plugin field {field}",
                          holder if number is not None else None)
    EXTRA_FIELDS.add(LAYER, holder.DESCRIPTOR.fields_by_name[field], fork=owner)
    return message


def register_layer(type: str, *, read: Callable[..., Any], infer: Callable[..., Any],
                   torch: Callable[..., Any] | None = None,
                   onnx: Callable[..., Any] | None = None, **rules: Any) -> OpDef:
    """Registers a layer type: its ``OpDef`` (``read``, ``infer`` and any other of its rules:
    ``param``, ``write``, ``blobs``, ``fillers``, ``macs``, ``bind``, ``bottoms``, ``tops``)
    and its converters, each backend's registered only when given."""
    rules.setdefault("family", "plugin")
    op = OPS.define(type, read=read, infer=infer, **rules)
    if torch is not None:
        from .backends.torch.registry import TORCH

        TORCH.register(type)(torch)
    if onnx is not None:
        from .backends.onnx.registry import ONNX

        ONNX.register(type)(onnx)
    return op


def load_plugins(modules: Sequence[str] = (), *, entry_points: bool = True) -> list[str]:
    """Imports the plugin ``modules`` and, with ``entry_points``, every entry point of the
    group ``prototxt_compiler.layers`` (each loaded once per process); returns what was
    loaded now."""
    loaded = []
    found: Iterable[Any] = metadata.entry_points(group=ENTRY_POINT_GROUP) if entry_points \
        else ()
    for entry in found:
        key = f"entry point {entry.name} = {entry.value}"
        if key in _loaded:
            continue
        _loaded.add(key)
        try:
            target = entry.load()
            if callable(target):
                target()
        except Exception as error:  # a plugin's own failure, said as such
            raise UsageError(f"plugin {entry.name!r} ({entry.value}) failed to load: "
                             f"{type(error).__name__}: {error}") from error
        loaded.append(entry.name)
    for module in modules:
        if f"module {module}" in _loaded:
            continue
        _loaded.add(f"module {module}")
        try:
            importlib.import_module(module)
        except ImportError as error:
            raise UsageError(f"--plugin {module}: cannot import it ({error}); is it on "
                             f"the Python path? ({', '.join(sys.path[:3])}, ...)") from error
        except Exception as error:
            raise UsageError(f"--plugin {module} failed to load: {type(error).__name__}: "
                             f"{error}") from error
        loaded.append(module)
    return loaded

