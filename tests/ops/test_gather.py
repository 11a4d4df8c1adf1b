"""BatchReindex and Filter in ``ops``: what the Caffe-run fixtures do not show by themselves.

Shapes and refusals are held to Caffe by tests/fixtures/shapes/batch_reindex_*.prototxt and
filter_*.prototxt (a Filter's count taking the value Caffe's run gave it), values by
tests/fixtures/numeric/batch_reindex_gather.prototxt and filter_select.prototxt. Here: how
the count of a Filter is named and travels, what happens where a layer needs it as a number,
and in place.
"""
from __future__ import annotations

import pathlib

import pytest

import prototxt_compiler as pc
from prototxt_compiler.errors import CompilerError
from prototxt_compiler.ir import is_symbolic

HEAD = ('layer { name: "data" type: "Input" top: "x" top: "label" top: "s" input_param { '
        'shape { dim: 6 dim: 3 } shape { dim: 6 dim: 2 } shape { dim: 6 dim: 1 } } }\n')


def net(tmp_path: pathlib.Path, body: str) -> pathlib.Path:
    path = tmp_path / "net.prototxt"
    path.write_text(HEAD + body + "\n")
    return path


def shapes(path: pathlib.Path) -> dict:
    return {v.name: v.shape for v in pc.load(path).values()}


def test_the_count_is_one_symbol_per_layer_shared_by_its_tops(tmp_path: pathlib.Path) -> None:
    path = net(tmp_path, 'layer { name: "f" type: "Filter" bottom: "x" bottom: "label" '
                         'bottom: "s" top: "fx" top: "fl" }\n'
                         'layer { name: "g" type: "Filter" bottom: "x" bottom: "s" top: "gx" }')
    found = shapes(path)
    assert str(found["fx"][0]) == "selected(f)" and found["fx"][1:] == (3,)
    assert found["fl"] == (found["fx"][0], 2)
    assert str(found["gx"][0]) == "selected(g)"  # another layer, another count


def test_an_unnamed_layer_names_its_count_by_its_first_top(tmp_path: pathlib.Path) -> None:
    path = net(tmp_path, 'layer { type: "Filter" bottom: "x" bottom: "s" top: "fx" }')
    assert str(shapes(path)["fx"][0]) == "selected(fx)"


def test_a_selector_of_no_items_selects_none(tmp_path: pathlib.Path) -> None:
    path = tmp_path / "empty.prototxt"
    path.write_text('layer { name: "data" type: "Input" top: "x" top: "s" input_param { '
                    'shape { dim: 0 dim: 3 } shape { dim: 0 dim: 1 } } }\n'
                    'layer { name: "f" type: "Filter" bottom: "x" bottom: "s" top: "fx" }\n')
    assert shapes(path)["fx"] == (0, 3)


def test_the_count_travels_into_costs(tmp_path: pathlib.Path) -> None:
    path = net(tmp_path, 'layer { name: "f" type: "Filter" bottom: "x" bottom: "s" top: "fx" }\n'
                         'layer { name: "ip" type: "InnerProduct" bottom: "fx" top: "ip" '
                         'inner_product_param { num_output: 4 } }')
    costs = {c.name: c for c in pc.layer_costs(pc.load(path))}
    assert costs["ip"].params == 4 * 3 + 4  # the weights do not depend on the count
    assert is_symbolic(costs["ip"].macs) and str(costs["ip"].macs) == "12*selected(f)"


@pytest.mark.parametrize("body,message", [
    # a Reshape to two rows needs the count to be even: only the data know
    ('layer { name: "r" type: "Reshape" bottom: "fx" top: "r" '
     'reshape_param { shape { dim: 2 dim: -1 } } }', "where the data decide it: selected"),
    # an Eltwise with all 6 items: the count would have to be 6, which only the data decide
    ('layer { name: "e" type: "Eltwise" bottom: "fx" bottom: "x" top: "e" }',
     "selected\\(f\\) is decided by the data"),
])
def test_a_layer_that_needs_the_count_as_a_number_says_the_data_decide_it(
        tmp_path: pathlib.Path, body: str, message: str) -> None:
    path = net(tmp_path, 'layer { name: "f" type: "Filter" bottom: "x" bottom: "s" '
                         'top: "fx" }\n' + body)
    with pytest.raises(CompilerError, match=message):
        pc.load(path)


def test_filter_in_place_is_a_new_version_of_the_blob(tmp_path: pathlib.Path) -> None:
    """Caffe's Filter in place moves items only forward, so it gives what a new top gets
    (tests/fixtures/numeric/filter_select.prototxt holds it to Caffe)."""
    path = net(tmp_path, 'layer { name: "p" type: "Power" bottom: "label" top: "lp" }\n'
                         'layer { name: "f" type: "Filter" bottom: "lp" bottom: "s" top: "lp" }')
    found = shapes(path)
    assert found["lp"] == (6, 2) and str(found["lp@1"][0]) == "selected(f)"


def test_batch_reindex_in_place_is_refused(tmp_path: pathlib.Path) -> None:
    """Caffe reshapes the bottom it still reads: it gave other values than with a new top."""
    path = net(tmp_path, 'layer { name: "p" type: "Power" bottom: "x" top: "xp" }\n'
                         'layer { name: "i" type: "Reshape" bottom: "s" top: "i" '
                         'reshape_param { shape { dim: -1 } } }\n'
                         'layer { name: "b" type: "BatchReindex" bottom: "xp" bottom: "i" '
                         'top: "xp" }')
    with pytest.raises(CompilerError, match="cannot run in place"):
        pc.load(path)


def test_batch_reindex_takes_the_index_length(tmp_path: pathlib.Path) -> None:
    path = net(tmp_path, 'layer { name: "i" type: "Reshape" bottom: "label" top: "i" '
                         'reshape_param { shape { dim: -1 } } }\n'
                         'layer { name: "b" type: "BatchReindex" bottom: "x" bottom: "i" '
                         'top: "y" }')
    assert shapes(path)["y"] == (12, 3)
