"""Hostile prototxt text: huge tokens, huge numbers, control bytes, deep nesting, too many
fields or layers, and a million repeated values. Each gives a result or a ParseError at its
line and column, in time and memory linear in the input (memory measured with tracemalloc,
never wall-clock time)."""
from __future__ import annotations

import pathlib
import tracemalloc
from collections.abc import Callable

import pytest
from google.protobuf import text_format

from prototxt_compiler.errors import Location, ParseError
from prototxt_compiler.frontend import reader, textformat
from prototxt_compiler.frontend.reader import read_net
from prototxt_compiler.frontend.textformat import parse_text
from prototxt_compiler.frontend.tokens import tokenize
from prototxt_compiler.limits import MAX_QUOTE_CHARS, MAX_TEXT_DEPTH, MAX_TOKEN_CHARS
from prototxt_compiler.proto import caffe_pb2


def _parse(text: str, **flags: bool) -> tuple[caffe_pb2.NetParameter, object]:
    net = caffe_pb2.NetParameter()
    return net, parse_text(text, net, filename="net.prototxt", **flags)


def _peak(run: Callable[[], object]) -> int:
    """Peak bytes allocated by ``run`` (tracemalloc sees numpy's and Python's allocations)."""
    tracemalloc.start()
    try:
        run()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def _error(text: str, **flags: bool) -> ParseError:
    with pytest.raises(ParseError) as caught:
        _parse(text, **flags)
    return caught.value


# -- huge tokens --------------------------------------------------------------------------------
def test_long_string_costs_memory_linear_in_its_length() -> None:
    # The string regex once kept ~270 bytes of backtracking state per character.
    body = "a" * (MAX_TOKEN_CHARS - 4) + "\\n"  # with its quotes, as long as allowed
    text = f'name: "{body}"'
    peak = _peak(lambda: _parse(text))
    assert peak < 12 * len(text)  # the text, its token, the unescaped bytes and the str


def test_string_of_escapes_costs_memory_linear_in_its_length() -> None:
    text = 'name: "' + "\\t" * 100_000 + '"'
    assert _peak(lambda: _parse(text)) < 12 * len(text)


@pytest.mark.parametrize("token", ['"' + "x" * MAX_TOKEN_CHARS + '"', "x" * (MAX_TOKEN_CHARS + 1),
                                   "1" * (MAX_TOKEN_CHARS + 1)], ids=["string", "ident", "number"])
def test_token_past_the_limit_is_an_error_at_its_position(token: str) -> None:
    error = _error(f"name: 'n'\n  input: {token}")
    assert error.where == Location("net.prototxt", 2, 10)
    assert f"longer than the limit of {MAX_TOKEN_CHARS:,}" in error.message
    assert len(str(error)) < 300  # the token is quoted cut, not whole


def test_unknown_field_of_a_megabyte_is_quoted_cut() -> None:
    name = "f" * 1_000_000
    error = _error(f"{name}: 1")
    assert f"{'f' * MAX_QUOTE_CHARS}... (1,000,000 characters)" in error.message
    assert len(str(error)) < 300


@pytest.mark.parametrize("text, field", [
    ("layer { type: " + "Z" * 5000 + " }", "unexpected"),                 # not a string
    ("layer { pooling_param { pool: " + "Q" * 5000 + " } }", "PoolMethod"),  # enum
], ids=["string-field", "enum-field"])
def test_long_values_are_quoted_cut(text: str, field: str) -> None:
    error = _error(text)
    assert field in error.message and len(str(error)) < 400


def test_decimal_integer_of_thousands_of_digits_is_out_of_range() -> None:
    # int() refuses strings of more than 4300 digits with a ValueError; this must not leak.
    error = _error("input_dim: " + "9" * 5000)
    assert "out of range for int32 field 'input_dim'" in error.message
    assert error.where == Location("net.prototxt", 1, 12)


def test_long_literal_in_a_float_field_is_checked_in_linear_time() -> None:
    # The float pattern once backtracked quadratically: 20,000 digits took 8 s, these 200,000
    # would take 800 s. Possessive patterns read them at once.
    error = _error("layer { dropout_param { dropout_ratio: " + "1" * 200_000 + "x } }")
    assert "expected a number for float field 'dropout_ratio'" in error.message


def test_hex_integer_too_large_for_a_float_is_refused() -> None:
    # float() of a huge int raises OverflowError; protobuf refuses integers past 64 bits.
    error = _error("layer { dropout_param { dropout_ratio: 0x" + "F" * 400 + " } }")
    assert "expected a number for float field" in error.message


# -- control bytes ------------------------------------------------------------------------------
def _write(tmp_path: pathlib.Path, data: bytes) -> pathlib.Path:
    path = tmp_path / "net.prototxt"
    path.write_bytes(data)
    return path


def test_control_byte_after_a_valid_prefix_is_text_at_its_position(tmp_path) -> None:
    # Once read as binary: "not a binary Caffe NetParameter (... corrupt)", no line:col.
    path = _write(tmp_path, b'name: "n"\nlayer {\n  name: "a" \x01 type: "ReLU"\n}\n')
    with pytest.raises(ParseError) as caught:
        read_net(path)
    assert caught.value.where == Location(str(path), 3, 13)
    assert "control byte 0x01" in caught.value.message


def test_control_byte_first_in_a_text_file_is_reported_as_text(tmp_path) -> None:
    path = _write(tmp_path, b'\x02name: "n"\nlayer { name: "a" type: "ReLU" }\n' * 20)
    with pytest.raises(ParseError) as caught:
        read_net(path)
    assert caught.value.where == Location(str(path), 1, 1)
    assert "control byte 0x02" in caught.value.message


# Real Caffe (caffe-oracle forward) loads a net with \x01 in a comment and in a string, and
# refuses a NUL anywhere, even in a comment or a string.
@pytest.mark.parametrize("data, accepted", [
    (b'name: "n" # a \x01 comment\n', True),
    (b'name: "a\x01b"\n', True),
    (b'name: "n" # a \x00 comment\n', False),
    (b'name: "a\x00b"\n', False),
], ids=["ctrl-comment", "ctrl-string", "nul-comment", "nul-string"])
def test_control_bytes_in_strings_and_comments_as_caffe(tmp_path, data, accepted) -> None:
    path = _write(tmp_path, data)
    if accepted:
        net, _ = read_net(path)
        assert net.name in ("n", "a\x01b")
        return
    with pytest.raises(ParseError, match="NUL byte") as caught:
        read_net(path)
    assert caught.value.where.line == 1


def test_binary_net_is_still_read_as_binary(tmp_path) -> None:
    net = caffe_pb2.NetParameter(name="binary")
    net.layer.add(name="data", type="Input", top=["data"])
    path = _write(tmp_path, net.SerializeToString())  # starts 0x0A: a newline in text
    assert read_net(path)[0] == net


def test_corrupt_binary_says_so(tmp_path) -> None:
    path = _write(tmp_path, b"\x0a\x05ab")  # a name of 5 bytes, 2 present
    with pytest.raises(ParseError, match="not a binary Caffe NetParameter"):
        read_net(path)


# -- nesting, entries, layers, size ---------------------------------------------------------------
def test_deep_nesting_of_skipped_blocks_is_refused() -> None:
    depth = MAX_TEXT_DEPTH + 5
    error = _error("foo " + "{ " * depth + "} " * depth, allow_unknown_fields=True)
    assert f"nested more than {MAX_TEXT_DEPTH} deep" in error.message


def test_nesting_within_the_limit_is_skipped() -> None:
    depth = MAX_TEXT_DEPTH - 1
    net, source = _parse("foo " + "{ " * depth + "} " * depth + "name: 'n'",
                         allow_unknown_fields=True)
    assert net.name == "n" and len(source.ignored) == 1


def test_too_many_layers_is_refused(monkeypatch) -> None:
    monkeypatch.setattr(textformat, "MAX_LAYERS", 10)
    _parse("layer {}\n" * 10)
    error = _error("layer {}\n" * 11)
    assert error.where == Location("net.prototxt", 11, 1)
    assert "more than 10 'layer' blocks" in error.message


def test_too_many_fields_is_refused(monkeypatch) -> None:
    monkeypatch.setattr(textformat, "MAX_TEXT_ENTRIES", 100)
    _parse('input: "a"\n' * 100)
    assert "more than 100 fields and blocks" in _error('input: "a"\n' * 101).message


def test_text_larger_than_the_limit_is_refused_before_parsing(tmp_path, monkeypatch) -> None:
    monkeypatch.setattr(reader, "MAX_TEXT_BYTES", 1000)
    path = _write(tmp_path, b"# padding\n" * 101)
    with pytest.raises(ParseError, match="larger than 1,000 bytes"):
        read_net(path)


def test_large_text_is_refused_before_it_is_read(tmp_path, monkeypatch) -> None:
    monkeypatch.setattr(reader, "MAX_TEXT_BYTES", 1000)
    path = _write(tmp_path, b"# padding\n" * 101)
    read: list[int] = []
    monkeypatch.setattr(reader, "read_limited", lambda *a, **k: read.append(1) or b"")
    with pytest.raises(ParseError, match="bytes of text; prototxt text larger than 1,000"):
        read_net(path)
    assert read == []  # only its head was looked at


# -- repeated numbers in bulk -------------------------------------------------------------------
def test_a_million_input_dims_parse_in_bulk() -> None:
    # Once 17 s, token by token; now one run after the first value.
    text = 'input: "data"\n' + "input_dim: 1\n" * 1_000_000
    net, source = _parse(text)
    assert len(net.input_dim) == 1_000_000 and set(net.input_dim) == {1}
    assert [(r.first, r.count) for r in source.runs[("input_dim",)]] == [(1, 999_999)]
    assert source.at("input_dim", 0) == Location("net.prototxt", 2, 1)
    assert source.at("input_dim", 1) == Location("net.prototxt", 3, 1)
    assert source.at("input_dim", 999_999) == Location("net.prototxt", 1_000_001, 1)
    assert source.at("input_dim", 1_000_000) is None


@pytest.mark.parametrize("item", ["input_dim: 7\n", "dim: -2 ", "7, "], ids=str.strip)
def test_repeated_numbers_cost_no_object_per_value(item: str) -> None:
    body = item * 200_000
    text = {"dim: -2 ": f"input_shape {{ {body}}}", "7, ": f"input_dim: [{body}7]"}.get(
        item, body)
    holder: list = []
    peak = _peak(lambda: holder.append(_parse(text)))
    assert len(holder[0][0].input_dim) + sum(len(s.dim) for s in holder[0][0].input_shape) \
        in (200_000, 200_001)
    assert peak < 2 * len(text)  # a Location per value alone would be ~10x the text


BULK_CASES = {
    "separators": "input_dim: 1 input_dim: 2; input_dim: 3, input_dim :4\n# input_dim: 9\n"
                  "input_dim\n:\n5 input_dim: 0x10 input_dim: 7 input_dim: -0",
    "octal-ends-run": "input_dim: 1 input_dim: 2 input_dim: 012 input_dim: 4",
    "shape-dims": "input_shape { dim: 1 dim: 3 dim: 224 dim: 224 } input_shape { dim: 5 }",
    "list": "input_dim: [1, 2,\n 3 , 4, 012, 5, # six\n 6]",
    "floats": "layer { blobs { data: 1.5 data: -2e3 data: .5 data: 1. data: 1.5f data: inf "
              "data: 3 data: 1e39 data: -0.0 } }",
    "float-list": "layer { blobs { data: [1.5, -2e3, .5, 1., 1.5f, inf, 3, 4] } }",
    "doubles": "layer { blobs { double_data: 0.1 double_data: 1e-300 double_data: 7 } }",
    "uint64-edge": "layer { data_param { batch_size: 4294967295 } } "
                   "layer { window_data_param { crop_size: 0 } }",
}


@pytest.mark.parametrize("text", BULK_CASES.values(), ids=BULK_CASES.keys())
def test_bulk_runs_read_as_protobuf_reads(text: str) -> None:
    ours, _ = _parse(text)
    assert ours == text_format.Parse(text, caffe_pb2.NetParameter())


def test_value_out_of_range_in_a_run_is_reported_at_its_token() -> None:
    error = _error("input_dim: 1 input_dim: 2\ninput_dim: 99999999999 input_dim: 3")
    assert error.where == Location("net.prototxt", 2, 12)
    assert "out of range for int32 field 'input_dim'" in error.message


def test_bad_literal_in_a_list_run_is_reported_at_its_token() -> None:
    error = _error("input_dim: [1, 2, 3, 4x, 5]")
    assert error.where == Location("net.prototxt", 1, 22)


def test_positions_inside_runs() -> None:
    _, source = _parse("input_shape {\n  dim: 1 dim: 2\n  dim: 3 }\ninput_dim: [7,\n 8, 9]")
    assert [source.at("input_shape", 0, "dim", i) for i in range(3)] == [
        Location("net.prototxt", 2, 3), Location("net.prototxt", 2, 10),
        Location("net.prototxt", 3, 3)]
    assert [source.at("input_dim", i) for i in range(3)] == [
        Location("net.prototxt", 4, 13), Location("net.prototxt", 5, 2),
        Location("net.prototxt", 5, 5)]


def test_tokenizer_positions_survive_long_lines() -> None:
    tokens = list(tokenize("a: 1 # c\n" + " " * 70_000 + "b: 2", "t"))
    assert [(t.text, t.line, t.col) for t in tokens if t.kind == "ident"] == [
        ("a", 1, 1), ("b", 2, 70_001)]


@pytest.mark.parametrize("rest", [" 1", ": }"], ids=["no-colon", "bad-value"])
def test_skipped_unknown_field_of_a_megabyte_is_quoted_cut(rest: str) -> None:
    error = _error("f" * 1_000_000 + rest, allow_unknown_fields=True)
    assert "(1,000,000 characters)" in error.message and len(str(error)) < 300
