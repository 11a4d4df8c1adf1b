"""Hypothesis strategies for whole fuzz cases (``harness.Case``): which entry point, what
files, what arguments.

- ``text_cases``: a net from the registry as prototxt text (now and then legacy: V1 layers,
  input fields), valid or damaged token by token, through ``load``;
- ``binary_cases``: the same nets serialized, damaged byte by byte, through ``load``;
- ``weights_cases``: a golden fixture (prototxt + Caffe-written .caffemodel) with either file
  damaged, through ``load_with_weights``;
- ``compile_cases``: undamaged nets through every later stage: ``to_onnx``,
  ``compile_onnx`` (with an output file that must appear only on success), ``check``,
  ``check_file``, ``load_torch`` (run once when small);
- ``api_cases``: odd arguments (paths, input shapes, phases, stages, opsets, templates, seeds,
  specs for ``generate``);
- ``cli_cases``: command lines for every command, with odd flag values.
"""
from __future__ import annotations

import math
import pathlib

from google.protobuf import text_format
from hypothesis import strategies as st

from .harness import Case, In
from .mutate import mutated_bytes, mutated_text
from .netgen import legacy, nets

__all__ = ["text_cases", "binary_cases", "weights_cases", "compile_cases", "api_cases",
           "cli_cases", "ALL_CASES"]

NUMERIC = pathlib.Path(__file__).resolve().parents[1] / "fixtures" / "numeric"
PAIRS = tuple((p.read_bytes(), p.with_suffix(".caffemodel").read_bytes())
              for p in sorted(NUMERIC.glob("*.prototxt")) if p.with_suffix(".caffemodel").exists())

_ODD = st.sampled_from((None, 0, -1, 1.5, math.inf, math.nan, "", "x", b"x", [], {}, (),
                        [1, [2]], 10**30, True, object))
_DIMS = st.one_of(st.lists(st.integers(1, 8), min_size=1, max_size=5),
                  st.lists(st.sampled_from((0, -1, 1, 2**31, 2**63, 10**30, 1.0, 2.5, math.inf,
                                            math.nan, "3", None, [1], True)), max_size=5),
                  _ODD)
_SHAPES = st.one_of(st.none(), st.none(), st.dictionaries(
    st.sampled_from(("data", "nowhere", "b0_0", "", "\x00")), _DIMS, max_size=2), _ODD)
_LOAD_KWARGS = st.fixed_dictionaries({}, optional={
    "input_shapes": _SHAPES,
    "phase": st.sampled_from(("TEST", "TRAIN", "test", "", None, 1)),
    "stages": st.sampled_from((None, [], ["s"], "s", [1], ("a", "b"))),
    "allow_unknown_fields": st.sampled_from((False, True, "yes", None)),
})


@st.composite
def _net_text(draw: st.DrawFn) -> str:
    drawn = draw(nets())
    how = draw(st.sampled_from(("v2",) * 6 + ("input", "v1")))
    return drawn.text() if how == "v2" else text_format.MessageToString(legacy(drawn.net, how))


@st.composite
def text_cases(draw: st.DrawFn) -> Case:
    text = draw(_net_text())
    data = text.encode() if draw(st.integers(0, 4)) == 0 else draw(mutated_text(text))
    kwargs = draw(_LOAD_KWARGS) if draw(st.integers(0, 5)) == 0 else {}
    return Case("load", {"net": data}, (In("net"),), kwargs)


@st.composite
def binary_cases(draw: st.DrawFn) -> Case:
    net = draw(nets()).net  # fork params stay out: binary would need the fork named
    if draw(st.integers(0, 3)) == 0:
        net = legacy(net, draw(st.sampled_from(("input", "v1"))))
    data = draw(mutated_bytes(net.SerializePartialToString()))
    return Case("load", {"net": data}, (In("net"),))


@st.composite
def weights_cases(draw: st.DrawFn) -> Case:
    prototxt, weights = draw(st.sampled_from(PAIRS))
    if draw(st.integers(0, 3)) == 0:
        prototxt = draw(mutated_text(prototxt.decode()))
    else:
        weights = draw(mutated_bytes(weights))
    entry = draw(st.sampled_from(("load_with_weights", "load_with_weights", "compile_onnx")))
    args = (In("net"), In("weights")) if entry == "load_with_weights" else \
        (In("net"), In("out.onnx"), In("weights"))
    return Case(entry, {"net": prototxt, "weights": weights}, args)


@st.composite
def compile_cases(draw: st.DrawFn) -> Case:
    text = draw(_net_text()).encode()
    entry = draw(st.sampled_from(("to_onnx", "compile_onnx", "check", "check_file",
                                  "load_torch")))
    args: tuple = (In("net"),)
    kwargs: dict = {}
    if entry == "compile_onnx":
        args = (In("net"), In("out.onnx"))
        kwargs = draw(st.fixed_dictionaries({}, optional={
            "fold": st.booleans(), "static_batch": st.booleans(),
            "template": st.sampled_from((None, "auto", "resnext", "resnet")),
            "opset": st.sampled_from((13, 17, 18))}))
    elif entry == "to_onnx":
        kwargs = draw(st.fixed_dictionaries({}, optional={
            "opset": st.sampled_from((13, 17, 18)), "static_batch": st.booleans()}))
    elif entry == "load_torch":
        kwargs = draw(st.fixed_dictionaries({}, optional={"fold": st.booleans()}))
    return Case(entry, {"net": text}, args, kwargs)


_GOOD = (b'layer { name: "data" type: "Input" top: "data" input_param { shape { dim: 1 dim: 3 '
         b'dim: 8 dim: 8 } } }\nlayer { name: "c" type: "Convolution" bottom: "data" top: "c" '
         b'convolution_param { num_output: 4 kernel_size: 3 } }\n')
_PATHS = st.sampled_from((In("net"), In("absent"), In(""), In("dir"), "net\x00x", b"net", 3,
                          None, 1.5, ["net"], In("net/x")))
_SPEC_VALUES = st.one_of(st.integers(-2, 200), st.sampled_from((
    "resnext", "resnet", "mxnet", "caffe", "post-activation", "cifar", "basic", "", "x",
    [3, 4, 6, 3], [1], [], [0], [10**6], [1, 3, 224, 224], [1, 3, 0, 0], [1, 3, 2**31, 2**31],
    None, 1.5, math.inf, True, 10**30, -1, {"a": 1}, "stage1_unit2", "stage9_unit9")))
_SPEC_KEYS = st.sampled_from(("family", "depth", "units", "cardinality", "bottleneck_width",
                              "input", "classes", "naming", "style", "stem", "name", "fragment",
                              "block", "stem_channels", "stage1_channels", "softmax", "bogus"))


@st.composite
def api_cases(draw: st.DrawFn) -> Case:
    kind = draw(st.sampled_from(("load", "load", "compile_onnx", "check", "generate",
                                 "load_with_weights")))
    files = {"net": _GOOD}
    if kind == "generate":
        spec = draw(st.dictionaries(_SPEC_KEYS, _SPEC_VALUES, max_size=6))
        if draw(st.booleans()):
            spec.setdefault("depth", draw(st.sampled_from((50, 18, 26, 29))))
        return Case("generate", {}, (spec,), {"output": In("gen.prototxt")})
    path = draw(_PATHS)
    if kind == "load":
        return Case("load", files, (path,), draw(_LOAD_KWARGS))
    if kind == "load_with_weights":
        return Case(kind, files, (path, draw(_PATHS)), draw(st.fixed_dictionaries({}, optional={
            "input_shapes": _SHAPES, "seed": st.sampled_from((0, -1, 2**64, "x", 1.5)),
            "phase": st.sampled_from(("TEST", "x"))})))
    if kind == "check":
        return Case("check", files, (In("net"),), draw(st.fixed_dictionaries({}, optional={
            "template": st.sampled_from(("auto", "resnext", "resnet", "bogus", 3, None))})))
    return Case("compile_onnx", files, (path, draw(st.sampled_from((
        In("out.onnx"), In("dir/out.onnx"), In(""), In("net"), "\x00", 3)))),
        draw(st.fixed_dictionaries({}, optional={
            "opset": st.sampled_from((17, 7, 1, 0, -1, 25, 10**9, "17", 17.0, None)),
            "template": st.sampled_from((None, "auto", "resnext", "bogus", 3)),
            "seed": st.sampled_from((0, -1, 2**64, "x")),
            "input_shapes": _SHAPES})))


_FLAG_VALUES = st.sampled_from(("data=1,3,8,8", "data=0,3,8,8", "data=-1", "data=", "=1",
                                "data=1x3x8x8", "data=99999999999999999999", "nowhere=1,2",
                                "data=1,3,8,8,1,1,1", "x", "", "\x01"))


@st.composite
def cli_cases(draw: st.DrawFn) -> Case:
    command = draw(st.sampled_from(("info", "compile", "check", "generate")))
    text = draw(_net_text())
    data = text.encode() if draw(st.booleans()) else draw(mutated_text(text))
    files = {"net": data}
    argv: list = [command]
    if command == "generate":
        argv += draw(st.lists(st.sampled_from((
            "--family", "resnext", "resnet", "--depth", "50", "-3", "1000000", "--units",
            "1,1,1,1", "0,0", "--cardinality", "0", "--width", "--input", "1,3,32,32",
            "1,3,0,0", "--classes", "--stem", "cifar", "--block", "basic", "-o",
            In("gen.prototxt"))), max_size=8))
        return Case("cli", {}, tuple(argv))
    argv.append(In("net"))
    for _ in range(draw(st.integers(0, 3))):
        argv += draw(st.sampled_from((["--input-shape", draw(_FLAG_VALUES)], ["--json"],
                                      ["--phase", "TRAIN"], ["--allow-unknown-fields"], ["-q"])))
    if command == "compile":
        argv += ["-o", draw(st.sampled_from((In("out.onnx"), In("dir/out.onnx"), In("net"))))]
        argv += draw(st.sampled_from(([], ["--no-fold"], ["--static-batch"], ["--opset", "7"],
                                      ["--opset", "99"], ["--template", "resnext"],
                                      ["--seed", "-5"], ["--verify"])))
    return Case("cli", files, tuple(argv))


ALL_CASES = st.one_of(text_cases(), binary_cases(), weights_cases(), compile_cases(),
                      api_cases(), cli_cases())
