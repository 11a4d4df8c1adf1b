"""Canonical prototxt: parse -> IR -> emit -> parse gives the same graph (the same text form,
params, shapes and names) for every fixture and every file of the shared corpus (legacy ones
come out upgraded); emitting again gives the same bytes."""
from __future__ import annotations

import pathlib

import pytest

from prototxt_compiler import load
from prototxt_compiler.backends.prototxt import to_prototxt
from tests.conftest import CORPUS, corpus_path

FIXTURES = pathlib.Path(__file__).parents[1] / "fixtures"
CASES = sorted((FIXTURES / "numeric").glob("*.prototxt")) + sorted(
    p for p in (FIXTURES / "shapes").glob("*.prototxt")
    if '"caffe_error"' not in p.with_suffix(".json").read_text())
CORPUS_SHAPES = {"alexnet_train_val": {"data": (10, 3, 227, 227)}}


def roundtrip(path: pathlib.Path, tmp_path: pathlib.Path, shapes: dict | None = None) -> None:
    graph = load(path, input_shapes=shapes)
    text = to_prototxt(graph)
    emitted = tmp_path / "emitted.prototxt"
    emitted.write_text(text)
    again = load(emitted)  # shapes now declared by Input layers (a fragment stays one)
    assert str(again) == str(graph)
    assert to_prototxt(again) == text


def test_a_fragment_stays_a_fragment(corpus, tmp_path: pathlib.Path) -> None:  # noqa: ANN001
    """A fragment's inputs are read, not declared: emitting it declares none, whether its
    shapes were given or left symbolic."""
    shapes = {"stage1_unit1_plus": (1, 256, 56, 56)}
    graph = load(corpus / "seed_stage1_unit2.prototxt", input_shapes=shapes)
    text = to_prototxt(graph)
    assert 'type: "Input"' not in text
    emitted = tmp_path / "emitted.prototxt"
    emitted.write_text(text)
    assert str(load(emitted, input_shapes=shapes)) == str(graph)


@pytest.mark.parametrize("case", CASES, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_fixture_roundtrip(case: pathlib.Path, tmp_path: pathlib.Path) -> None:
    roundtrip(case, tmp_path)


@pytest.mark.parametrize("name", sorted(p.stem for p in CORPUS.glob("*.prototxt")) or ["(none)"])
def test_corpus_roundtrip(name: str, tmp_path: pathlib.Path) -> None:
    roundtrip(corpus_path() / f"{name}.prototxt", tmp_path, CORPUS_SHAPES.get(name))
