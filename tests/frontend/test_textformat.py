"""Our protobuf text format parser: against protobuf's own on real files, and on every error.

The real prototxts of ``../shared/corpus`` must give the very message
``google.protobuf.text_format`` gives (the fork file, which protobuf refuses, must give BVLC's
reading of its fork field); the small cases pin down positions, value syntax and each error's
FILE:LINE:COL and wording.
"""
from __future__ import annotations

import math
import os
import pathlib

import pytest
from google.protobuf import text_format

from prototxt_compiler.errors import Location, ParseError
from prototxt_compiler.frontend.source import IgnoredField
from prototxt_compiler.frontend.textformat import parse_text, parse_text_file
from prototxt_compiler.proto import caffe_pb2

CORPUS = pathlib.Path(__file__).resolve().parents[2].parent / "shared" / "corpus"
FORK_FILE = "resnext50_32x4d_fork_ceil_mode.prototxt"
CORPUS_FILES = sorted(CORPUS.glob("*.prototxt"))


def _need_corpus() -> None:
    """Skip when the corpus is absent, except in CI, where its absence is a failure."""
    if CORPUS.is_dir() and CORPUS_FILES:
        return
    message = f"corpus folder {CORPUS} is absent or empty"
    if os.environ.get("CI") == "true":
        pytest.fail(message)
    pytest.skip(message)


def _corpus_params() -> list[object]:
    files = [p for p in CORPUS_FILES if p.name != FORK_FILE]
    return files or [pytest.param(None, id="corpus-absent")]


def _parse(text: str, message: object = None, **flags: bool) -> tuple[object, object]:
    message = message if message is not None else caffe_pb2.NetParameter()
    return message, parse_text(text, message, filename="net.prototxt", **flags)


def _at(line: int, col: int) -> Location:
    return Location("net.prototxt", line, col)


# -- the corpus ---------------------------------------------------------------------------------
@pytest.mark.parametrize("path", _corpus_params(),
                         ids=lambda p: p.stem if isinstance(p, pathlib.Path) else str(p))
def test_corpus_file_parses_as_protobuf_does(path: pathlib.Path | None) -> None:
    _need_corpus()
    assert path is not None
    ours = caffe_pb2.NetParameter()
    source_map = parse_text_file(path, ours)
    theirs = text_format.Parse(path.read_text(encoding="utf-8"), caffe_pb2.NetParameter())
    assert ours == theirs
    assert source_map.file == str(path) and not source_map.ignored and not source_map.notes
    for field in ("layer", "layers"):
        for index in range(len(getattr(ours, field))):
            assert source_map.at(field, index).file == str(path)


def test_corpus_fork_file_reads_ceil_mode_as_round_mode() -> None:
    _need_corpus()
    path = CORPUS / FORK_FILE
    text = path.read_text(encoding="utf-8")
    with pytest.raises(text_format.ParseError, match="ceil_mode"):
        text_format.Parse(text, caffe_pb2.NetParameter())
    ours = caffe_pb2.NetParameter()
    source_map = parse_text_file(path, ours)
    line = next(n for n, row in enumerate(text.splitlines(), 1) if "ceil_mode: false" in row)
    col = text.splitlines()[line - 1].index("ceil_mode") + 1
    [index] = [i for i, layer in enumerate(ours.layer)
               if layer.pooling_param.HasField("round_mode")]
    assert ours.layer[index].pooling_param.round_mode == caffe_pb2.PoolingParameter.FLOOR
    where = source_map.at("layer", index, "pooling_param", "round_mode")
    assert where == Location(str(path), line, col)
    assert source_map.notes == [f"{path}:{line}:{col}: pooling_param.ceil_mode: false (a Caffe "
                                f"fork's field) read as round_mode: FLOOR"]
    # Everything else is read as protobuf reads the BVLC spelling.
    bvlc = text_format.Parse(text.replace("ceil_mode: false", "round_mode: FLOOR"),
                             caffe_pb2.NetParameter())
    assert ours == bvlc


def test_corpus_largest_file_parses_whole() -> None:
    _need_corpus()
    path = CORPUS / "resnext101_32x4d_mxnet_names.prototxt"
    net = caffe_pb2.NetParameter()
    parse_text_file(path, net)
    assert len(net.layer) > 300


# -- positions ----------------------------------------------------------------------------------
NET = """\
name: "tiny"  # a comment
input: "data"
layer {
  name: "conv1" type: "Convolution"
  bottom: "data" top: "conv1"
  convolution_param { num_output: 8 kernel_size: 3 }
}
layer {
  name: "pool1"; type: "Pooling";
  bottom: "conv1"
  top: "pool1", top: "mask"
  pooling_param: { pool: MAX }
}
"""


@pytest.mark.parametrize("path, line, col", [
    (("name",), 1, 1),
    (("input", 0), 2, 1),
    (("layer", 0), 3, 1),
    (("layer", 0, "type"), 4, 17),
    (("layer", 0, "convolution_param"), 6, 3),
    (("layer", 0, "convolution_param", "kernel_size", 0), 6, 37),
    (("layer", 1), 8, 1),
    (("layer", 1, "top", 1), 11, 17),
    (("layer", 1, "pooling_param", "pool"), 12, 20),
], ids=lambda v: ".".join(map(str, v)) if isinstance(v, tuple) else None)
def test_positions_point_at_field_names(path: tuple, line: int, col: int) -> None:
    _, source_map = _parse(NET)
    assert source_map.at(*path) == _at(line, col)


def test_small_net_reads_as_protobuf_reads_it() -> None:
    net, source_map = _parse(NET)
    assert net == text_format.Parse(NET, caffe_pb2.NetParameter())
    assert list(net.layer[1].top) == ["pool1", "mask"]
    assert source_map.at("layer", 2) is None


def test_parsing_clears_the_message_first() -> None:
    net = caffe_pb2.NetParameter(name="old", input=["x"])
    _parse('name: "new"', net)
    assert net.name == "new" and list(net.input) == []


def test_any_message_type_can_be_parsed() -> None:
    layer, source_map = _parse('name: "p" type: "Pooling"\npooling_param < pool: AVE >',
                               caffe_pb2.LayerParameter())
    assert layer.pooling_param.pool == caffe_pb2.PoolingParameter.AVE
    assert source_map.at("pooling_param", "pool") == _at(2, 17)


# -- values -------------------------------------------------------------------------------------
def test_list_syntax_equals_repeated_fields() -> None:
    listed, source_map = _parse("input_shape { dim: [1, 3, 0x10, 224] }\n"
                                "layer: [{ name: 'a' top: [] }, < name: 'b' >]")
    repeated = text_format.Parse("input_shape { dim: 1 dim: 3 dim: 16 dim: 224 }\n"
                                 "layer { name: 'a' } layer { name: 'b' }",
                                 caffe_pb2.NetParameter())
    assert listed == repeated
    assert source_map.at("input_shape", 0, "dim", 2) == _at(1, 27)  # list items: the value
    assert source_map.at("layer", 1) == _at(2, 32)


@pytest.mark.parametrize("literal, expected", [
    (r'"plain"', "plain"),
    (r"'single \"quoted\"'", 'single "quoted"'),
    (r'"tab\there\nnewline"', "tab\there\nnewline"),
    (r'"back\\slash \' quote"', "back\\slash ' quote"),
    (r'"octal \101\60"', "octal A0"),
    (r'"hex \x41\x7e"', "hex A~"),
    (r'"utf8 \303\251 é"', "utf8 é é"),
    (r'"adjacent " ' + "'literals '" + r' "join"', "adjacent literals join"),
], ids=["plain", "single-quotes", "tab-newline", "backslash-quote", "octal", "hex", "utf8",
        "adjacent"])
def test_string_literals(literal: str, expected: str) -> None:
    net, _ = _parse(f"name: {literal}")
    assert net.name == expected
    assert net == text_format.Parse(f"name: {literal}", caffe_pb2.NetParameter())


def test_bytes_field_keeps_raw_bytes() -> None:
    datum, _ = _parse(r'data: "\377\x00A"', caffe_pb2.Datum())
    assert datum.data == b"\xff\x00A"


@pytest.mark.parametrize("literal, expected", [
    ("1e-5", 1e-5), (".5", 0.5), ("5.", 5.0), ("-2.5e+3", -2500.0), ("1.5f", 1.5), ("2F", 2.0),
    ("3", 3.0), ("0x10", 16.0), ("inf", math.inf), ("-inf", -math.inf), ("Infinity", math.inf),
    ("-INF", -math.inf),
], ids=lambda v: v if isinstance(v, str) else None)
def test_float_literals(literal: str, expected: float) -> None:
    net, _ = _parse(f"layer {{ dropout_param {{ dropout_ratio: {literal} }} }}")
    assert net.layer[0].dropout_param.dropout_ratio == pytest.approx(expected)


@pytest.mark.parametrize("literal", ["nan", "NaN", "nanf"])
def test_float_nan(literal: str) -> None:
    net, _ = _parse(f"layer {{ dropout_param {{ dropout_ratio: {literal} }} }}")
    assert math.isnan(net.layer[0].dropout_param.dropout_ratio)


@pytest.mark.parametrize("literal, expected", [
    ("42", 42), ("0x2A", 42), ("0X2a", 42), ("052", 42), ("0", 0), ("-7", -7),
    ("2147483647", 2**31 - 1), ("-2147483648", -2**31),
], ids=lambda v: v if isinstance(v, str) else None)
def test_integer_literals(literal: str, expected: int) -> None:
    net, _ = _parse(f"layer {{ concat_param {{ axis: {literal} }} }}")
    assert net.layer[0].concat_param.axis == expected


@pytest.mark.parametrize("literal, expected", [
    ("true", True), ("True", True), ("t", True), ("1", True),
    ("false", False), ("False", False), ("f", False), ("0", False),
])
def test_bool_literals(literal: str, expected: bool) -> None:
    net, _ = _parse(f"force_backward: {literal}")
    assert net.HasField("force_backward") and net.force_backward is expected


def test_enums_by_name_and_by_number() -> None:
    net, _ = _parse("layer { pooling_param { pool: AVE } } layer { pooling_param { pool: 2 } }")
    assert [layer.pooling_param.pool for layer in net.layer] == [
        caffe_pb2.PoolingParameter.AVE, caffe_pb2.PoolingParameter.STOCHASTIC]


# -- unknown fields -----------------------------------------------------------------------------
UNKNOWN = """\
name: "n"
flavour: "x" "y"
layer {
  name: "p"
  pooling_param { pool: MAX foo: 3 torch_pad { a: [1, 2] b < c: 1 > } }
  extra: [{ x: 1 }, { y: [2] }]
}
layer { name: "q" }
"""


def test_unknown_fields_are_errors_by_default() -> None:
    with pytest.raises(ParseError) as caught:
        _parse(UNKNOWN)
    assert caught.value.where == _at(2, 1)
    assert caught.value.message == "unknown field 'flavour' in NetParameter"


def test_unknown_fields_skipped_on_request_are_recorded() -> None:
    net, source_map = _parse(UNKNOWN, allow_unknown_fields=True)
    assert net == text_format.Parse('name: "n" layer { name: "p" pooling_param { pool: MAX } }'
                                    'layer { name: "q" }', caffe_pb2.NetParameter())
    assert source_map.ignored == [
        IgnoredField(_at(2, 1), "flavour"),
        IgnoredField(_at(5, 29), "layer[0].pooling_param.foo"),
        IgnoredField(_at(5, 36), "layer[0].pooling_param.torch_pad"),
        IgnoredField(_at(6, 3), "layer[0].extra"),
    ]
    assert str(source_map.ignored[1]) == ("net.prototxt:5:29: ignored unknown field "
                                          "layer[0].pooling_param.foo")
    assert source_map.at("layer", 1, "name") == _at(8, 9)


def test_unknown_enum_values_stay_errors_with_unknown_fields_allowed() -> None:
    with pytest.raises(ParseError, match="'AVG' is not a value"):
        _parse("layer { pooling_param { pool: AVG } }", allow_unknown_fields=True)


# -- errors -------------------------------------------------------------------------------------
ERRORS = [
    ("closing-brace-at-top", 'name: "x"\n}', 2, 1, ["unexpected '}', expected a field name"]),
    ("typo-field", "layer {\n  convolution_param { kernal_size: 3 }\n}", 2, 23,
     ["unknown field 'kernal_size' in ConvolutionParameter (did you mean 'kernel_size'?)"]),
    ("no-suggestion", "zzzzqqq: 1", 1, 1, ["unknown field 'zzzzqqq' in NetParameter"]),
    ("unknown-enum", "layer { pooling_param { pool: AVG } }", 1, 31,
     ["'AVG' is not a value of PoolingParameter.PoolMethod (expected one of MAX, AVE, "
      "STOCHASTIC)"]),
    ("unknown-enum-number", "layer { pooling_param { pool: 9 } }", 1, 31,
     ["'9' is not a value of PoolingParameter.PoolMethod"]),
    ("quoted-enum", "layer { pooling_param { pool: 'MAX' } }", 1, 31,
     ["expected a value of PoolingParameter.PoolMethod for field 'pool'", "got 'MAX'"]),
    ("negative-uint32", "layer { convolution_param { num_output: -3 } }", 1, 41,
     ["expected an integer for uint32 field 'num_output', got '-3'"]),
    ("float-for-int", "layer { convolution_param { num_output: 2.5 } }", 1, 41,
     ["expected an integer for uint32 field 'num_output', got '2.5'"]),
    ("uint32-overflow", "layer { convolution_param { group: 4294967296 } }", 1, 36,
     ["integer 4294967296 out of range for uint32 field 'group' (0 to 4294967295)"]),
    ("int32-overflow", "layer { concat_param { axis: -2147483649 } }", 1, 30,
     ["out of range for int32 field 'axis' (-2147483648 to 2147483647)"]),
    ("bad-float", "layer { dropout_param { dropout_ratio: 1.5.2 } }", 1, 40,
     ["expected a number for float field 'dropout_ratio', got '1.5.2'"]),
    ("no-minus-nan", "layer { dropout_param { dropout_ratio: -nan } }", 1, 40,
     ["expected a number for float field 'dropout_ratio', got '-nan'"]),
    ("bad-bool", "force_backward: yes", 1, 17,
     ["expected true or false for bool field 'force_backward', got 'yes'"]),
    ("unquoted-string", "name: conv1", 1, 7,
     ["unexpected 'conv1', expected a quoted string for string field 'name'"]),
    ("unterminated-string", 'name: "conv1\nlayer {}', 1, 7, ["unterminated string"]),
    ("bad-escape", r'name: "a\qb"', 1, 9, ["invalid escape '\\q' in string"]),
    ("unterminated-block", 'name: "n"\nlayer {\n  name: "a"\n', 2, 7,
     ["'layer {' opened here is never closed", "expected '}'"]),
    ("unterminated-nested", "layer {\n  pooling_param <\n    pool: MAX\n", 2, 17,
     ["'pooling_param <' opened here is never closed", "expected '>'"]),
    ("mismatched-closer", "layer {\n  pooling_param <\n    pool: MAX\n}", 4, 1,
     ["unexpected '}', expected a field name or '>'"]),
    ("unterminated-list", "layer { top: ['a', 'b'", 1, 14,
     ["'top [' opened here is never closed", "expected ']'"]),
    ("list-separator", "layer { top: ['a' 3] }", 1, 19,
     ["unexpected '3', expected ',' or ']' in the list of field 'top'"]),
    ("list-not-repeated", "name: ['a']", 1, 7,
     ["list syntax [...] given for field 'name', which is not repeated"]),
    ("scalar-set-twice", 'name: "a"\nname: "b"', 2, 1,
     ["field 'name' of NetParameter given twice (first at line 1, column 1); it is not "
      "repeated"]),
    ("message-set-twice", "layer {\n  pooling_param { }\n  pooling_param { pool: MAX }\n}", 3,
     3, ["field 'pooling_param' of LayerParameter given twice (first at line 2, column 3)"]),
    ("fork-and-bvlc-field", "layer { pooling_param { round_mode: CEIL ceil_mode: false } }", 1,
     42, ["field 'round_mode' of PoolingParameter given twice"]),
    ("missing-colon", "name 'x'", 1, 6, ["unexpected 'x', expected ':' after field 'name'"]),
    ("missing-value", "name:", 1, 6, ["unexpected end of file, expected a quoted string"]),
    ("message-without-block", "layer: 3", 1, 8,
     ["unexpected '3', expected '{' to open message field 'layer'"]),
    ("stray-character", "name: 'a' @", 1, 11, ["unexpected character '@'"]),
    ("invalid-utf8-string", r'name: "\377"', 1, 7, ["string field 'name' is not valid UTF-8"]),
]


@pytest.mark.parametrize("text, line, col, parts", [e[1:] for e in ERRORS],
                         ids=[e[0] for e in ERRORS])
def test_errors_say_where_and_what_was_expected(text: str, line: int, col: int,
                                                parts: list[str]) -> None:
    with pytest.raises(ParseError) as caught:
        _parse(text)
    assert caught.value.where == _at(line, col)
    for part in parts:
        assert part in caught.value.message
    assert str(caught.value).startswith(f"net.prototxt:{line}:{col}: ")


def test_repeated_fields_may_be_given_many_times() -> None:
    net, source_map = _parse('input: "a"\ninput: "b"\ninput: "c"')
    assert list(net.input) == ["a", "b", "c"]
    assert source_map.at("input", 2) == _at(3, 1)


# -- files --------------------------------------------------------------------------------------
def test_file_positions_name_the_path(tmp_path: pathlib.Path) -> None:
    path = tmp_path / "net.prototxt"
    path.write_bytes('\ufeffname: "ünet"\nlayer { name: "é" }\n'.encode("utf-8"))
    net = caffe_pb2.NetParameter()
    source_map = parse_text_file(path, net)
    assert net.name == "ünet" and net.layer[0].name == "é"
    assert source_map.file == str(path)
    assert source_map.at("layer", 0, "name") == Location(str(path), 2, 9)


def test_file_not_utf8_points_at_the_bad_byte(tmp_path: pathlib.Path) -> None:
    path = tmp_path / "latin1.prototxt"
    path.write_bytes(b'name: "n"\nlayer { name: "\xc3\xa9\xe9" }\n')  # UTF-8 e-acute, Latin-1 one
    with pytest.raises(ParseError) as caught:
        parse_text_file(path, caffe_pb2.NetParameter())
    assert caught.value.where == Location(str(path), 2, 17)
    assert "not valid UTF-8: byte 0xe9" in caught.value.message
