"""The fields Caffe forks add to a layer: text finds them by name (every fork at once, a
union where forks differ), with positions; a binary net needs its fork named, and says so.
The forks' messages themselves are held to the forks' own caffe.proto by
tests/test_fork_protos.py."""
from __future__ import annotations

import pathlib

import pytest
from google.protobuf import text_format

from prototxt_compiler.errors import Location, ParseError, UsageError
from prototxt_compiler.frontend.reader import read_net
from prototxt_compiler.ops.base import LayerView
from prototxt_compiler.ops.extras import EXTRA_FIELDS, LAYER
from prototxt_compiler.ops.writing import is_repeated
from prototxt_compiler.proto import caffe_pb2
from prototxt_compiler.proto.forks import FORKS

FIELDS = sorted({f.name for fork in FORKS.values() for f in fork.layer_fields.DESCRIPTOR.fields})


def _sample(message: object) -> str:
    """A text body that sets one scalar field of ``message`` (or none)."""
    for field in message.DESCRIPTOR.fields:
        if field.message_type is None and not is_repeated(field):
            if field.type == field.TYPE_BOOL:
                return f"{field.name}: true"
            if field.enum_type is not None:
                return f"{field.name}: {field.enum_type.values[-1].name}"
            if field.type in (field.TYPE_STRING, field.TYPE_BYTES):
                return f'{field.name}: "x"'
            return f"{field.name}: 7"
    return ""


@pytest.mark.parametrize("name", FIELDS)
def test_every_fork_field_parses_from_text_with_its_position(name: str,
                                                             tmp_path: pathlib.Path) -> None:
    extra = EXTRA_FIELDS.get(LAYER, name)
    assert extra is not None
    body = _sample(extra.message())
    net = tmp_path / "net.prototxt"
    net.write_text(f'layer {{\n  name: "x"\n  type: "Anything"\n  {name} {{ {body} }}\n}}\n')
    _, source = read_net(net)
    message = source.extras[("layer", 0)][name]
    assert source.at("layer", 0, name) == Location(str(net), 4, 3)
    if body:
        key = body.split(":")[0]
        assert source.at("layer", 0, name, key) == Location(str(net), 4, 6 + len(name))
        assert message.HasField(key)
    # written back as the emitter writes it, the block reads to the same message
    again = extra.message()
    text_format.Parse(text_format.MessageToString(message), again)
    assert again == message


def test_a_field_several_forks_define_reads_into_their_union(tmp_path: pathlib.Path) -> None:
    net = tmp_path / "net.prototxt"
    net.write_text('layer { name: "a" type: "Upsample" upsample_param { scale: 2 } }\n'
                   'layer { name: "b" type: "Upsample" upsample_param { upsample_h: 8 '
                   'upsample_w: 6 } }\n')
    _, source = read_net(net)
    yolo, segnet = (source.extras[("layer", i)]["upsample_param"] for i in (0, 1))
    assert yolo.scale == 2 and (segnet.upsample_h, segnet.upsample_w) == (8, 6)
    extra = EXTRA_FIELDS.get(LAYER, "upsample_param")
    assert extra.forks == ["segnet", "yolo"]
    # a layer that sets no such field reads the union's defaults, as an unset BVLC field
    view = LayerView(caffe_pb2.LayerParameter(name="c"))
    assert not view.HasField("upsample_param") and view.upsample_param.scale == 2  # SegNet's


def test_errors_inside_a_fork_block_point_at_the_token(tmp_path: pathlib.Path) -> None:
    net = tmp_path / "net.prototxt"
    net.write_text('layer { name: "a" type: "Interp"\n  interp_param { heigth: 8 } }\n')
    with pytest.raises(ParseError, match=r"net.prototxt:2:18: unknown field 'heigth' in "
                                         r".*InterpParameter \(did you mean 'height'\?\)"):
        read_net(net)
    net.write_text('layer { name: "a" type: "Interp"\n  interp_param { height: 8 }\n'
                   '  interp_param { width: 8 } }\n')
    with pytest.raises(ParseError, match=r"net.prototxt:3:3: field 'interp_param' given twice"):
        read_net(net)


@pytest.mark.parametrize("line, hint", [
    # a misspelled fork field is matched against the forks' fields too, and names its fork
    ('type: "PriorBox" prior_box_parm { min_size: 4 }',
     "unknown field 'prior_box_parm' in LayerParameter (did you mean 'prior_box_param', "
     "a field of the ssd fork?)"),
    ('type: "BN" bn_parm { }', "(did you mean 'bn_param', a field of the pspnet or segnet fork?)"),
    # the fork spellings read as BVLC's are candidates in BVLC's own messages
    ('type: "Pooling" pooling_param { ceil_mod: false }',
     "unknown field 'ceil_mod' in PoolingParameter (did you mean 'ceil_mode'"),
    # a BVLC field still wins where it is the closer one
    ('type: "Power" power_parm { }', "(did you mean 'power_param'?)"),
])
def test_a_misspelled_field_is_matched_against_fork_fields(tmp_path: pathlib.Path, line: str,
                                                           hint: str) -> None:
    net = tmp_path / "net.prototxt"
    net.write_text(f'layer {{ name: "a" {line} }}\n')
    with pytest.raises(ParseError) as info:
        read_net(net)
    assert hint in str(info.value)


def _varint(n: int) -> bytes:
    out = b""
    while True:
        out += bytes([(n & 0x7F) | (0x80 if n > 0x7F else 0)])
        n >>= 7
        if not n:
            return out


def _field(number: int, payload: bytes) -> bytes:
    return _varint(number << 3 | 2) + _varint(len(payload)) + payload


def _pspnet_interp_net(path: pathlib.Path) -> None:
    """A binary net as PSPNet writes it: interp_param under 143, BVLC's input_param."""
    interp = FORKS["pspnet"].layer_fields.DESCRIPTOR.fields_by_name["interp_param"]
    assert interp.number == 143 == caffe_pb2.LayerParameter.DESCRIPTOR.fields_by_name[
        "input_param"].number
    message = FORKS["pspnet"].layer_fields()
    message.interp_param.height = 65
    message.interp_param.width = 33
    layer = caffe_pb2.LayerParameter(name="interp", type="Interp", bottom=["x"], top=["y"])
    path.write_bytes(_field(100, layer.SerializeToString() + message.SerializeToString()))


def test_a_binary_net_of_a_fork_needs_its_fork_named(tmp_path: pathlib.Path) -> None:
    net = tmp_path / "pspnet.bin"
    _pspnet_interp_net(net)
    with pytest.raises(ParseError, match=r"layer 0 'interp' \(Interp\): its input_param holds "
                                         r"fields BVLC Caffe does not know there .*"
                                         r"interp_param in pspnet.*give --fork pspnet"):
        read_net(net)
    layers, source = read_net(net, fork="pspnet")
    assert not layers.layer[0].HasField("input_param")  # those bytes were PSPNet's
    interp = source.extras[("layer", 0)]["interp_param"]
    assert (interp.height, interp.width) == (65, 33)
    with pytest.raises(UsageError, match="--fork 'pspnett': not a known fork"):
        read_net(net, fork="pspnett")


def test_unknown_numbers_are_named_with_the_forks_that_use_them(tmp_path: pathlib.Path) -> None:
    message = FORKS["ssd"].layer_fields()
    message.permute_param.order.extend([0, 2, 3, 1])
    layer = caffe_pb2.LayerParameter(name="perm", type="Permute")
    net = tmp_path / "ssd.bin"
    net.write_bytes(_field(100, layer.SerializeToString() + message.SerializeToString()))
    with pytest.raises(ParseError, match=r"field number\(s\) 202 \(permute_param/"
                                         r"region_loss_param\).*give --fork ssd or --fork yolo"):
        read_net(net)
    _, source = read_net(net, fork="ssd")
    assert list(source.extras[("layer", 0)]["permute_param"].order) == [0, 2, 3, 1]
