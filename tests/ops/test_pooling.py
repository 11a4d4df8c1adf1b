"""Pooling and SPP semantics, op by op: params read, bound, output shapes, refusals and MACs.

Expected shapes are the ones real Caffe gave for tests/fixtures/shapes/pool_*.prototxt and
spp_*.prototxt (the shared test runs those nets whole)."""
from __future__ import annotations

import pytest
from google.protobuf import text_format

from prototxt_compiler.errors import OpError
from prototxt_compiler.ops import OPS
from prototxt_compiler.ops.pooling import PoolingParams, pooled_size, spp_level
from prototxt_compiler.proto import caffe_pb2


def make_layer(type: str, params: str, tops: int = 1) -> caffe_pb2.LayerParameter:
    layer = caffe_pb2.LayerParameter()
    top_text = " ".join(f'top: "t{i}"' for i in range(tops))
    text_format.Parse(f'name: "l" type: "{type}" bottom: "b" {top_text} {params}', layer)
    return layer


def shapes_of(type: str, params: str, bottom: tuple[int, ...], tops: int = 1) -> list:
    op = OPS[type]
    bound = op.bind(op.read(make_layer(type, params, tops)), [bottom])
    return op.infer(bound, [bottom], tops)


POOL_CASES = [
    # id, params, bottom, expected top (Caffe's)
    ("ceil", "pool: MAX kernel_size: 3 stride: 2", (1, 3, 7, 10), (1, 3, 3, 5)),
    ("floor", "pool: AVE kernel_size: 3 stride: 2 round_mode: FLOOR", (1, 3, 7, 10), (1, 3, 3, 4)),
    ("ceil_k2_s3", "pool: AVE kernel_size: 2 stride: 3", (1, 3, 7, 10), (1, 3, 3, 4)),
    ("clip_fires_on_h", "pool: MAX kernel_size: 2 stride: 2 pad: 1", (1, 2, 5, 6), (1, 2, 3, 4)),
    ("clip_k3", "pool: AVE kernel_size: 3 stride: 2 pad: 1", (1, 2, 5, 6), (1, 2, 3, 4)),
    ("clip_floor", "pool: MAX kernel_size: 3 stride: 2 pad: 1 round_mode: FLOOR", (1, 2, 5, 6),
     (1, 2, 3, 3)),
    ("pad_h_only_clips_w", "kernel_h: 3 kernel_w: 1 stride_h: 2 stride_w: 3 pad_h: 1 pad_w: 0",
     (1, 1, 6, 5), (1, 1, 4, 2)),
    ("no_pad_no_clip", "kernel_h: 3 kernel_w: 1 stride_h: 2 stride_w: 3", (1, 1, 6, 5),
     (1, 1, 3, 3)),
    ("kernel_lt_stride_kept", "kernel_size: 1 stride: 3", (1, 2, 5, 8), (1, 2, 3, 4)),
    ("kernel_lt_stride_ave", "pool: AVE kernel_size: 2 stride: 3", (1, 2, 5, 8), (1, 2, 2, 3)),
    ("global_max", "pool: MAX global_pooling: true", (2, 3, 5, 7), (2, 3, 1, 1)),
    ("global_ave", "pool: AVE global_pooling: true stride: 1 pad: 0", (2, 3, 5, 7), (2, 3, 1, 1)),
    ("hw", "kernel_h: 3 kernel_w: 2 stride_h: 2 stride_w: 3 pad_h: 1 pad_w: 1", (2, 4, 11, 9),
     (2, 4, 6, 4)),
    ("hw_floor", "pool: AVE kernel_h: 5 kernel_w: 4 stride_h: 3 stride_w: 2 pad_h: 2 pad_w: 0 "
     "round_mode: FLOOR", (2, 4, 11, 9), (2, 4, 4, 3)),
]


@pytest.mark.parametrize("params,bottom,top", [c[1:] for c in POOL_CASES],
                         ids=[c[0] for c in POOL_CASES])
def test_pooling_shape(params: str, bottom: tuple, top: tuple) -> None:
    assert shapes_of("Pooling", f"pooling_param {{ {params} }}", bottom) == [top]


def test_max_mask_top_has_the_pooled_shape() -> None:
    tops = shapes_of("Pooling", "pooling_param { pool: MAX kernel_size: 3 stride: 2 pad: 1 }",
                     (1, 3, 9, 9), tops=2)
    assert tops == [(1, 3, 5, 5), (1, 3, 5, 5)]


def test_read_defaults_and_bind() -> None:
    op = OPS["Pooling"]
    params = op.read(make_layer("Pooling", "pooling_param { kernel_size: 2 }"))
    assert params == PoolingParams(pool="MAX", kernel=(2, 2), stride=(1, 1), pad=(0, 0),
                                   global_pooling=False, round_mode="CEIL")
    glob = op.read(make_layer("Pooling", "pooling_param { pool: AVE global_pooling: true }"))
    bound = op.bind(glob, [(1, 8, 5, 7)])
    assert (bound.kernel, bound.stride, bound.pad, bound.bound) == ((5, 7), (1, 1), (0, 0), True)
    assert op.bind(bound, [(1, 8, 5, 7)]) is bound


REFUSED = [
    ("pad_ge_kernel", "pool: MAX kernel_size: 2 stride: 2 pad: 2", "pooling_param.pad"),
    ("global_with_kernel", "pool: AVE global_pooling: true kernel_size: 8",
     "pooling_param.kernel_size"),
    ("global_with_stride", "pool: AVE global_pooling: true stride: 2",
     "pooling_param.global_pooling"),
    ("global_with_pad", "global_pooling: true pad: 1", "pooling_param.global_pooling"),
    ("kernel_h_only", "kernel_h: 2", "pooling_param.kernel_w"),
    ("no_kernel", "pool: MAX", "pooling_param.kernel_size"),
    ("kernel_size_and_hw", "kernel_size: 2 kernel_h: 2 kernel_w: 2", "pooling_param.kernel_size"),
    ("pad_and_pad_h", "kernel_size: 3 pad: 1 pad_h: 1 pad_w: 1", "pooling_param.pad"),
    ("stride_h_only", "kernel_size: 3 stride_h: 2", "pooling_param.stride_w"),
    ("zero_stride", "kernel_size: 3 stride: 0", "pooling_param.stride"),
    ("zero_kernel", "kernel_size: 0", "pooling_param.kernel_size"),
    ("stochastic_pad", "pool: STOCHASTIC kernel_size: 3 pad: 1", "pooling_param.pad"),
]


@pytest.mark.parametrize("params,field", [c[1:] for c in REFUSED], ids=[c[0] for c in REFUSED])
def test_pooling_refused_on_read(params: str, field: str) -> None:
    with pytest.raises(OpError) as info:
        OPS["Pooling"].read(make_layer("Pooling", f"pooling_param {{ {params} }}"))
    assert info.value.field == field


@pytest.mark.parametrize("params,bottom,tops", [
    ("kernel_size: 2", (2, 4, 8), 1),                       # not 4-D
    ("kernel_size: 3 stride: 1", (1, 1, 2, 4), 1),          # empty output
    ("pool: AVE kernel_size: 2", (1, 1, 4, 4), 2),          # mask top on AVE
], ids=["3d", "kernel_too_big", "ave_mask"])
def test_pooling_refused_on_shapes(params: str, bottom: tuple, tops: int) -> None:
    with pytest.raises(OpError):
        shapes_of("Pooling", f"pooling_param {{ {params} }}", bottom, tops)


def test_pooled_size_rule() -> None:
    assert pooled_size(5, 2, 2, 1, "CEIL", clip=True) == 3    # clipped from 4
    assert pooled_size(5, 2, 2, 1, "CEIL", clip=False) == 4
    assert pooled_size(5, 1, 3, 0, "CEIL", clip=True) == 2    # clip by the other axis's pad
    assert pooled_size(2, 3, 1, 0, "CEIL", clip=False) == 0
    assert pooled_size(2, 3, 2, 0, "FLOOR", clip=False) == 0  # floor(-0.5) + 1


def test_pooling_macs() -> None:
    op = OPS["Pooling"]
    params = op.bind(op.read(make_layer("Pooling", "pooling_param { kernel_size: 3 stride: 2 "
                                                   "pad: 1 }")), [(1, 3, 9, 9)])
    assert op.macs(params, [(1, 3, 9, 9)], [(1, 3, 5, 5)]) == 75 * 9
    glob = op.bind(op.read(make_layer("Pooling", "pooling_param { global_pooling: true }")),
                   [(2, 3, 5, 7)])
    assert op.macs(glob, [(2, 3, 5, 7)], [(2, 3, 1, 1)]) == 6 * 35


@pytest.mark.parametrize("params,bottom,top", [
    ("pyramid_height: 3 pool: MAX", (2, 3, 8, 8), (2, 63)),
    ("pyramid_height: 2 pool: AVE", (1, 2, 7, 9), (1, 10)),
    ("pyramid_height: 1", (1, 2, 7, 9), (1, 2, 1, 1)),
    ("pyramid_height: 3", (1, 2, 7, 9), (1, 42)),
], ids=["square_h3", "odd_h2", "h1_stays_4d", "odd_h3"])
def test_spp_shape(params: str, bottom: tuple, top: tuple) -> None:
    assert shapes_of("SPP", f"spp_param {{ {params} }}", bottom) == [top]


def test_spp_levels_are_bound() -> None:
    op = OPS["SPP"]
    bound = op.bind(op.read(make_layer("SPP", "spp_param { pyramid_height: 3 }")), [(1, 2, 7, 9)])
    assert [(lv.kernel, lv.stride, lv.pad) for lv in bound.levels] == [
        ((7, 9), (7, 9), (0, 0)), ((4, 5), (4, 5), (1, 1)), ((2, 3), (2, 3), (1, 2))]
    assert spp_level("MAX", 1, 7, 9) == bound.levels[1]
    # 1x1, 2x2 and 4x4 bins: each output position reads a whole kernel
    assert op.macs(bound, [(1, 2, 7, 9)], [(1, 42)]) == 2 * (63 + 4 * 20 + 16 * 6)


@pytest.mark.parametrize("params,bottom,field", [
    ("pyramid_height: 3", (1, 2, 5, 8), "spp_param.pyramid_height"),   # level 2: pad 2, kernel 2
    ("pool: MAX", (1, 2, 8, 8), "spp_param.pyramid_height"),           # no levels
    ("pyramid_height: 2", (2, 3, 8), None),                            # not 4-D
], ids=["pad_ge_kernel", "height_0", "3d"])
def test_spp_refused(params: str, bottom: tuple, field: str | None) -> None:
    with pytest.raises(OpError) as info:
        shapes_of("SPP", f"spp_param {{ {params} }}", bottom)
    assert info.value.field == field
