"""The fork nets written back: parse -> IR -> emit -> parse gives the same graph (params,
shapes, names; each fork layer's params in its fork's block after the BVLC fields), and
emitting again gives the same bytes, for every fork net of tests/fixtures/fork_nets/ and the
shared corpus' fork nets."""
from __future__ import annotations

import pathlib

import pytest

from prototxt_compiler import load
from prototxt_compiler.backends.prototxt import to_prototxt
from tests.backends.test_prototxt_roundtrip import roundtrip
from tests.conftest import corpus_path
from tests.fixtures.fork_twins import FORK_NETS

NETS = sorted(p for p in FORK_NETS.glob("*.prototxt") if not p.name.endswith(".twin.prototxt"))
CORPUS_FORKS = ["se_resnet50_axpy_fork", "mobilenet_v1_yolov3_upsample_fork"]


@pytest.mark.parametrize("path", NETS, ids=lambda p: p.stem)
def test_fork_net_roundtrip(path: pathlib.Path, tmp_path: pathlib.Path) -> None:
    roundtrip(path, tmp_path)


@pytest.mark.parametrize("name", CORPUS_FORKS)
def test_corpus_fork_net_roundtrip(name: str, tmp_path: pathlib.Path) -> None:
    roundtrip(corpus_path() / "forks" / f"{name}.prototxt", tmp_path)


def test_fork_params_are_written_as_their_forks_write_them() -> None:
    text = to_prototxt(load(FORK_NETS / "yolo_neck.prototxt"))
    # the YOLO ports' scale is always written: the union message's default is SegNet's 2
    assert text.count("upsample_param {\n    scale: 2\n  }") == 1
    assert "upsample_param {\n    scale: 1\n  }" in text
    text = to_prototxt(load(FORK_NETS / "bn_forks.prototxt"))
    assert "bn_mode: LEARN" in text and "bn_mode: INFERENCE" in text
    assert "frozen: true" in text and "eps: 0.001" in text
    text = to_prototxt(load(FORK_NETS / "mobilenet_dw.prototxt"))
    assert 'type: "ConvolutionDepthwise"' in text and "group: 6" not in text
