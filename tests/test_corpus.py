"""Every prototxt of the shared model-zoo corpus parses, upgrades and shape-infers with the
shapes real Caffe computed for it (../shared/corpus/ref/NAME.shapes.json)."""
from __future__ import annotations

import json

import pytest

from prototxt_compiler import load
from tests.conftest import CORPUS, corpus_path
from tests.shape_compare import shape_mismatches

# The files Caffe ran (it refused alexnet_train_val: test_train_val_net_matches_deploy).
NAMES = sorted(p.name[:-len(".shapes.json")] for p in (CORPUS / "ref").glob("*.shapes.json")
               if "shapes" in json.loads(p.read_text()))


def reference(name: str) -> dict:
    return json.loads((corpus_path() / "ref" / f"{name}.shapes.json").read_text())


@pytest.mark.parametrize("name", NAMES or ["(corpus missing)"])
def test_corpus_shapes_match_caffe(name: str) -> None:
    corpus = corpus_path()
    ref = reference(name)
    given = {}
    if "fragment" in ref.get("note", ""):
        given = {blob: tuple(shape) for blob, shape in ref["inputs"].items()}
    graph = load(corpus / f"{name}.prototxt", input_shapes=given)
    assert shape_mismatches(graph, ref["shapes"]) == []
    assert {v.blob: list(v.shape) for v in graph.inputs} == ref["inputs"]
    assert [v.blob for v in graph.outputs] == ref["outputs"]


def test_corpus_is_complete() -> None:
    corpus = corpus_path()
    assert len(NAMES) >= 10
    assert (corpus / "alexnet_train_val.prototxt").exists()
    assert all((corpus / f"{name}.prototxt").exists() for name in NAMES)


def test_fork_ceil_mode_is_read_as_round_mode_with_a_note() -> None:
    graph = load(corpus_path() / "resnext50_32x4d_fork_ceil_mode.prototxt")
    notes = [n for n in graph.notes if "ceil_mode" in n]
    assert notes and "round_mode: FLOOR" in notes[0]
    pools = [n for n in graph.nodes if n.type == "Pooling" and n.params.round_mode == "FLOOR"]
    assert pools


def test_train_val_net_matches_deploy() -> None:
    """Caffe cannot run AlexNet's train_val (its LMDB is absent), so its shapes are checked
    against those Caffe computed for the same architecture's deploy net, given the same
    input: the Data layer's shape comes from --input-shape (its crop size fixes H and W but
    the channels live in the database)."""
    corpus = corpus_path()
    deploy = reference("alexnet_v1_2014")
    graph = load(corpus / "alexnet_train_val.prototxt",
                 input_shapes={"data": tuple(deploy["inputs"]["data"])})
    assert {"loss", "accuracy"} <= set(graph.dropped)
    assert [v.blob for v in graph.inputs] == ["data"]  # label fed only the losses
    ours = {f"{n.name}:{v.blob}": list(v.shape) for n in graph.nodes for v in n.outputs}
    common = {k: v for k, v in deploy["shapes"].items() if k in ours}
    assert len(common) >= 20
    assert {k: ours[k] for k in common} == common
