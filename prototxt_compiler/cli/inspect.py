"""``prototxt-compiler inspect``: what a .caffemodel holds, and whether it fits a net."""
from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from .common import add_output_arguments, input_shapes, print_notes

__all__ = ["add_parser", "format_bytes"]


def format_bytes(count: int) -> str:
    for unit, size in (("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)):
        if count >= size:
            return f"{count / size:,.1f} {unit}"
    return f"{count} B"


def run(args: argparse.Namespace) -> int:
    from ..frontend.caffemodel_info import read_caffemodel_info

    info = read_caffemodel_info(args.caffemodel)
    match = None
    if args.prototxt is not None:
        from ..api import load
        from ..frontend.caffemodel_match import match_caffemodel

        graph = load(args.prototxt, input_shapes=input_shapes(args), phase=args.phase)
        print_notes(graph, args)
        match = match_caffemodel(info, graph, net=args.prototxt)
    if args.json:
        json.dump(_json(info, match), sys.stdout, indent=1)
        sys.stdout.write("\n")
    else:
        sys.stdout.write(_text(info, match))
    return 0 if match is None or match.fits else 1


def _json(info: Any, match: Any) -> dict[str, Any]:
    layers = [{"name": layer.name, "type": layer.type, "stored_type": layer.stored_type,
               "format": layer.format, "count": layer.count, "bytes": layer.nbytes,
               "blobs": [{"shape": list(b.shape), "dtype": b.dtype, "count": b.count,
                          "bytes": b.nbytes, "packed": b.packed,
                          "legacy_shape": b.legacy_shape} for b in layer.blobs]}
              for layer in info.layers]
    out: dict[str, Any] = {
        "path": info.path, "name": info.name, "format": info.format,
        "file_bytes": info.file_bytes, "layers": layers,
        "totals": {"layers": len(info.layers), "layers_with_blobs": len(info.with_blobs),
                   "blobs": info.blob_count, "count": info.count, "bytes": info.nbytes}}
    if match is not None:
        out["prototxt"] = match.to_json()
    return out


def _text(info: Any, match: Any) -> str:
    lines = []
    if match is not None:
        lines.append(match.summary())
        for kind, label in (("missing", "missing"), ("differs", "differs"),
                            ("extra", "not in the net")):
            lines += [f"  {label}: {m.describe()}" for m in match.of(kind)]
    name = f" '{info.name}'" if info.name else ""
    lines.append(f"{info.path}: {info.format} NetParameter{name}, {len(info.layers)} layers, "
                 f"{format_bytes(info.file_bytes)}")
    status = {m.name: m.status for m in match.layers} if match is not None else {}
    shown = info.with_blobs or info.layers  # layers without blobs when none has any
    rows: list[tuple[str, ...]] = [("layer", "type", "blobs", "dtype", "values", "size")
                                   + (("net",) if match is not None else ())]
    for layer in shown:
        shapes = ", ".join("x".join(map(str, b.shape)) or "scalar" for b in layer.blobs) or "-"
        dtypes = sorted({b.dtype for b in layer.blobs}) or ["-"]
        kind = layer.type if layer.type == layer.stored_type else \
            f"{layer.type} ({layer.stored_type})"
        row = (layer.name, kind, shapes, "/".join(dtypes), f"{layer.count:,}",
               format_bytes(layer.nbytes))
        rows.append(row + ((status.get(layer.name, "-"),) if match is not None else ()))
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    right = {4, 5}
    for cells_of in rows:
        cells = [c.rjust(w) if i in right else c.ljust(w)
                 for i, (c, w) in enumerate(zip(cells_of, widths))]
        lines.append("  " + "  ".join(cells).rstrip())
    lines.append(f"total: {len(info.with_blobs)} of {len(info.layers)} layers with blobs, "
                 f"{info.blob_count} blobs, {info.count:,} values, {format_bytes(info.nbytes)}")
    return "\n".join(lines) + "\n"


def add_parser(sub: Any) -> None:
    cmd = sub.add_parser("inspect", help="the layers and blobs a .caffemodel holds; with "
                                         "--prototxt, which fit the net")
    cmd.add_argument("caffemodel", help="the weights file (.caffemodel, V1 or V2)")
    cmd.add_argument("--prototxt", metavar="NET.prototxt",
                     help="the net definition to hold the weights against: which layers "
                          "match, which are missing, which differ in shape (exit 1 unless "
                          "every layer of the net finds its blobs)")
    cmd.add_argument("--input-shape", action="append", default=[], metavar="NAME=N,C,H,W",
                     help="with --prototxt: the shape of an input blob (repeatable)")
    cmd.add_argument("--phase", choices=("TEST", "TRAIN"), default="TEST",
                     help="with --prototxt: which phase's layers to keep (default: "
                          "%(default)s)")
    cmd.add_argument("--json", action="store_true", help="print one JSON object")
    add_output_arguments(cmd)
    cmd.set_defaults(func=run)
