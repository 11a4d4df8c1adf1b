"""Bad detection-layer params and shapes: a LayerError naming the layer and the field, from
the API and, from the CLI, one message with exit code 2."""
from __future__ import annotations

import pytest

from prototxt_compiler import load
from prototxt_compiler.errors import LayerError
from tests.conftest import run_cli

INPUTS = """
layer { name: "data" type: "Input" top: "data" input_param { shape { dim: 1 dim: 3 dim: 8 dim: 8 } } }
layer { name: "f" type: "Input" top: "f" input_param { shape { dim: 1 dim: 4 dim: 2 dim: 2 } } }
layer { name: "loc" type: "Input" top: "loc" input_param { shape { dim: 1 dim: 16 } } }
layer { name: "conf" type: "Input" top: "conf" input_param { shape { dim: 1 dim: 8 } } }
"""
PRIOR = ('layer { name: "prior" type: "PriorBox" bottom: "f" bottom: "data" top: "prior" '
         'prior_box_param { %s } }')
DETECT = ('layer { name: "det" type: "DetectionOutput" bottom: "loc" bottom: "conf" '
          'bottom: "prior" top: "det" detection_output_param { %s } }')

CASES = [
    (PRIOR % "max_size: 4", "prior", "prior_box_param.min_size", "min_size must be given"),
    (PRIOR % "min_size: 4 max_size: 2", "prior", "prior_box_param.max_size", "greater"),
    (PRIOR % "min_size: 4 variance: 0.1 variance: 0.2", "prior", "prior_box_param.variance",
     "2 variance values"),
    (PRIOR % "min_size: 4 img_size: 8 img_h: 8", "prior", "prior_box_param.img_size",
     "not both"),
    (PRIOR % "min_size: 4 step_h: 2", "prior", "prior_box_param.step_w", "positive"),
    (PRIOR % "min_size: 4" + "\n" + DETECT % "nms_param { nms_threshold: 0.5 }", "det",
     "detection_output_param.num_classes", "must be given"),
    (PRIOR % "min_size: 4" + "\n" + DETECT % "num_classes: 2 nms_param { eta: 1.5 }", "det",
     "detection_output_param.nms_param.eta", "(0, 1]"),
    (PRIOR % "min_size: 4" + "\n" + DETECT % "num_classes: 3", "det", None,
     "conf has 8 channels, expected 12"),
    ('layer { name: "perm" type: "Permute" bottom: "f" top: "perm" permute_param { order: 0 '
     'order: 4 } }', "perm", "permute_param.order", "axis 4 of a 4-axis bottom"),
    ('layer { name: "perm" type: "Permute" bottom: "f" top: "perm" permute_param { order: 1 '
     'order: 1 } }', "perm", "permute_param.order", "twice"),
    ('layer { name: "perm" type: "Permute" bottom: "f" top: "f" permute_param { order: 0 '
     'order: 2 } }', "perm", "permute_param.order", "in place"),
    ('layer { name: "roi" type: "ROIPooling" bottom: "f" bottom: "loc" top: "roi" '
     'roi_pooling_param { pooled_h: 0 pooled_w: 2 } }', "roi", "roi_pooling_param.pooled_h",
     "> 0"),
    ('layer { name: "roi" type: "ROIPooling" bottom: "f" bottom: "loc" top: "roi" '
     'roi_pooling_param { pooled_h: 2 pooled_w: 2 } }', "roi", None, "(R, 5)"),
    ('layer { name: "rpn" type: "Python" bottom: "f" bottom: "f" bottom: "loc" top: "rois" '
     'python_param { module: "rpn.proposal_layer" layer: "ProposalLayer" '
     'param_str: "\'scales\': [8]" } }', "rpn", "python_param.param_str", "no 'feat_stride'"),
    ('layer { name: "rpn" type: "Python" bottom: "f" bottom: "f" bottom: "loc" top: "rois" '
     'python_param { module: "rpn.proposal_layer" layer: "ProposalLayer" '
     'param_str: "\'feat_stride\': 16" } }', "rpn", "python_param.param_str", "(1, 18, H, W)"),
]


@pytest.mark.parametrize("layers, layer, field, words", CASES,
                         ids=[f"{c[1]}-{c[3][:20]}" for c in CASES])
def test_bad_params_name_the_layer_and_field(tmp_path, layers, layer, field, words) -> None:
    path = tmp_path / "net.prototxt"
    path.write_text(INPUTS + layers + "\n")
    with pytest.raises(LayerError) as info:
        load(path)
    assert info.value.layer == layer
    assert words in info.value.message
    if field is not None:
        assert info.value.field == field


def test_the_cli_says_it_once_with_exit_2(tmp_path) -> None:
    path = tmp_path / "net.prototxt"
    path.write_text(INPUTS + PRIOR % "min_size: 4 max_size: 2" + "\n")
    run = run_cli("info", str(path))
    assert run.returncode == 2
    assert "Traceback" not in run.stderr
    assert "layer 'prior' (PriorBox)" in run.stderr and "max_size" in run.stderr
