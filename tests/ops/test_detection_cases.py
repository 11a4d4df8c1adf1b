"""Hand-derived cases for the detection layers, each worked out in the test from the fork's
source (weiliu89/caffe ssd: prior_box_layer.cpp, detection_output_layer.cpp, bbox_util.cpp;
caffe-fast-rcnn: roi_pooling_layer.cpp; py-faster-rcnn: proposal_layer.py), each run
through torch, through ONNX in onnxruntime and through the generated model.py."""
from __future__ import annotations

import pathlib
from math import sqrt

import numpy as np
import pytest

torch = pytest.importorskip("torch")
ort = pytest.importorskip("onnxruntime")

from prototxt_compiler import load, to_torch  # noqa: E402
from prototxt_compiler.backends.onnx import to_onnx  # noqa: E402
from prototxt_compiler.errors import CompilerError  # noqa: E402
from tests.backends.test_pysource import write_graph  # noqa: E402
from tests.tolerance import assert_close  # noqa: E402


def run_both(tmp_path, text: str, feeds: dict[str, np.ndarray]) -> list[np.ndarray]:
    """The net's outputs by torch, by ONNX and by the written model.py; asserts they agree
    and returns torch's."""
    path = tmp_path / "net.prototxt"
    path.write_text(text)
    graph = load(path)
    module = to_torch(graph)
    got = module(*[torch.from_numpy(feeds[n]) for n in module.input_names])
    got = got if isinstance(got, tuple) else (got,)
    session = ort.InferenceSession(to_onnx(graph).SerializeToString(),
                                   providers=["CPUExecutionProvider"])
    via_onnx = session.run(None, {v.blob: feeds[v.blob] for v in graph.inputs})
    written = write_graph(graph, tmp_path, "net")
    with torch.no_grad():
        via_source = written(*[torch.from_numpy(feeds[v.blob]) for v in graph.inputs])
    via_source = via_source if isinstance(via_source, tuple) else (via_source,)
    assert len(got) == len(via_onnx) == len(via_source) == len(graph.outputs)
    outs = []
    for a, b, c in zip(got, via_onnx, via_source):
        a = a.detach().numpy()
        assert a.shape == b.shape == c.shape
        assert_close(b, a, "onnx vs torch")
        assert_close(c.numpy(), a, "model.py vs torch")
        outs.append(a)
    return outs


def inputs(**shapes: tuple[int, ...]) -> str:
    return "\n".join(f'layer {{ name: "{n}" type: "Input" top: "{n}" input_param {{ shape {{ '
                     + " ".join(f"dim: {d}" for d in s) + " } } }" for n, s in shapes.items())


# ---- PriorBox: a 2x2 feature map of an 8x8 image ------------------------------------------

def priors(tmp_path, params: str, image=(8, 8)) -> np.ndarray:
    text = inputs(f=(1, 1, 2, 2), im=(1, 1) + image) + \
        f'\nlayer {{ name: "p" type: "PriorBox" bottom: "f" bottom: "im" top: "p" ' \
        f'prior_box_param {{ {params} }} }}'
    feeds = {"f": np.zeros((1, 1, 2, 2), np.float32), "im": np.zeros((1, 1) + image, np.float32)}
    return run_both(tmp_path, text, feeds)[0]


def expected_priors(centres, sizes, scale, clip=False) -> np.ndarray:
    rows = [[(cx - w / 2) / scale[1], (cy - h / 2) / scale[0], (cx + w / 2) / scale[1],
             (cy + h / 2) / scale[0]] for cy, cx in centres for w, h in sizes]
    out = np.array(rows, dtype=np.float64).reshape(-1)
    return np.clip(out, 0, 1) if clip else out


def test_prior_box_2x2(tmp_path) -> None:
    # step = 8 / 2 = 4, centres (w + 0.5) * 4 = 2, 6; ratios [1, 2, 1/2]; P = 3 + 1 (max_size)
    # per cell: m x m = 2x2, sqrt(2 * 8) = 4 square, 2*sqrt(2) x 2/sqrt(2), 2*sqrt(.5) x 2/sqrt(.5)
    out = priors(tmp_path, "min_size: 2 max_size: 8 aspect_ratio: 2 flip: true variance: 0.1")
    sizes = [(2, 2), (4, 4), (2 * sqrt(2), 2 / sqrt(2)), (2 * sqrt(0.5), 2 / sqrt(0.5))]
    centres = [(2, 2), (2, 6), (6, 2), (6, 6)]  # (cy, cx) row-major
    assert out.shape == (1, 2, 4 * 4 * 4)
    assert_close(out[0, 0], expected_priors(centres, sizes, (8, 8)), "boxes")
    assert_close(out[0, 1], np.full(64, 0.1), "variance")
    # the first prior of cell (0, 0): (2 - 1, 2 - 1, 2 + 1, 2 + 1) / 8
    assert_close(out[0, 0, :4], np.array([0.125, 0.125, 0.375, 0.375]), "first prior")


def test_prior_box_fork_truncates_sizes_and_clips(tmp_path) -> None:
    # min_size 2.7 is read as int 2 by the fork's loop; flip false keeps ratio 2 only; clip
    out = priors(tmp_path, "min_size: 2.7 aspect_ratio: 2 aspect_ratio: 2.0000001 flip: false "
                 "clip: true variance: 0.1 variance: 0.2 variance: 0.3 variance: 0.4")
    sizes = [(2, 2), (2 * sqrt(2), 2 / sqrt(2))]
    centres = [(2, 2), (2, 6), (6, 2), (6, 6)]
    assert_close(out[0, 0], expected_priors(centres, sizes, (8, 8), clip=True), "boxes")
    assert_close(out[0, 1], np.tile([0.1, 0.2, 0.3, 0.4], 8), "variances")


def test_prior_box_image_size_step_and_offset(tmp_path) -> None:
    # img_h 10 / img_w 20 fix the normalisation; step 3 and offset 0: centres 0, 3
    out = priors(tmp_path, "min_size: 2 img_h: 10 img_w: 20 step: 3 offset: 0", image=(8, 8))
    centres = [(0, 0), (0, 3), (3, 0), (3, 3)]
    assert_close(out[0, 0], expected_priors(centres, [(2, 2)], (10, 20)), "boxes")
    # without step: 10 / 2 = 5 and 20 / 2 = 10 (the fixed image, not bottom 1's)
    out = priors(tmp_path, "min_size: 2 img_size: 10", image=(8, 8))
    centres = [(2.5, 2.5), (2.5, 7.5), (7.5, 2.5), (7.5, 7.5)]
    assert_close(out[0, 0], expected_priors(centres, [(2, 2)], (10, 10)), "boxes")


# ---- DetectionOutput -----------------------------------------------------------------------

B0, B1, B2, B3, B4 = ([0.0, 0.0, 0.4, 0.4], [0.0, 0.0, 0.4, 0.3], [0.5, 0.5, 0.9, 0.9],
                      [0.2, 0.0, 0.6, 0.4], [0.1, 0.0, 0.5, 0.4])
# overlaps with B0: B1 0.12 / 0.16 = 0.75; B2 disjoint; B3 0.08 / 0.24 = 1/3; B4 0.12 / 0.2 = 0.6
BOXES = [B0, B1, B2, B3, B4]
SCORES = {1: [0.9, 0.8, 0.7, 0.6, 0.0], 2: [0.5, 0.5, 0.2, 0.5, 0.0]}  # class 0: background


def detect(tmp_path, params: str, scores=SCORES, batch: int = 1, loc=None, classes: int = 3,
           code: str = "CORNER", encoded: bool = True, share: bool = True,
           boxes=BOXES) -> np.ndarray:
    """CORNER with the variance in the target and zero loc: the decoded boxes are the
    priors themselves."""
    p = len(boxes)
    conf = np.zeros((batch, p, classes), np.float32)
    for c, values in scores.items():
        conf[:, :, c] = values
    loc_classes = 1 if share else classes
    loc = np.zeros((batch, p * loc_classes * 4), np.float32) if loc is None else loc
    prior = np.concatenate([np.array(boxes, np.float32).reshape(-1),
                            np.tile(np.float32([0.1, 0.1, 0.2, 0.2]), p)]).reshape(1, 2, -1)
    text = inputs(loc=loc.shape, conf=(batch, p * classes), prior=prior.shape) + \
        '\nlayer { name: "det" type: "DetectionOutput" bottom: "loc" bottom: "conf" ' \
        f'bottom: "prior" top: "det" detection_output_param {{ num_classes: {classes} ' \
        f'share_location: {str(share).lower()} code_type: {code} ' \
        f'variance_encoded_in_target: {str(encoded).lower()} {params} }} }}'
    out = run_both(tmp_path, text, {"loc": loc, "conf": conf.reshape(batch, -1),
                                    "prior": prior})[0]
    assert out.shape[:2] == (1, 1) and out.shape[3] == 7
    return out.reshape(-1, 7)


def rows(*dets) -> np.ndarray:
    return np.array([[n, label, score] + box for n, label, score, box in dets], np.float32)


def test_nms_keeps_drops_and_ties(tmp_path) -> None:
    # class 1 by score: B0 .9 kept; B1 .8 overlaps B0 by .75 > .5: dropped; B2 .7 kept; B3 .6
    # overlaps B0 by 1/3 and B2 by 0: kept. Class 2: the ties at .5 (B0, B1, B3) go in prior
    # order: B0 kept, B1 dropped, B3 kept; then B2 .2 kept. Rows by label, then score.
    out = detect(tmp_path, "nms_param { nms_threshold: 0.5 }")
    assert_close(out, rows((0, 1, .9, B0), (0, 1, .7, B2), (0, 1, .6, B3),
                           (0, 2, .5, B0), (0, 2, .5, B3), (0, 2, .2, B2)), "detections")


def test_an_overlap_equal_to_the_threshold_is_kept(tmp_path) -> None:
    # bbox_util.cpp ApplyNMSFast keeps a box while its overlap <= the threshold. Powers of
    # two make every float exact: sizes .25 and .125, intersection .125, union .25, IoU .5
    boxes = [[0.0, 0.0, 0.5, 0.5], [0.0, 0.0, 0.5, 0.25]]
    out = detect(tmp_path, "nms_param { nms_threshold: 0.5 }", scores={1: [0.9, 0.8]},
                 classes=2, boxes=boxes)
    assert_close(out, rows((0, 1, .9, boxes[0]), (0, 1, .8, boxes[1])), "IoU .5 at .5")
    out = detect(tmp_path, "nms_param { nms_threshold: 0.49 }", scores={1: [0.9, 0.8]},
                 classes=2, boxes=boxes)
    assert_close(out, rows((0, 1, .9, boxes[0])), "IoU .5 at .49")


def test_confidence_threshold_is_strict(tmp_path) -> None:
    # score > 0.5: class 2's .5 ties and .2 all go; class 1's .6 stays at 0.5, goes at 0.6
    out = detect(tmp_path, "nms_param { nms_threshold: 0.5 } confidence_threshold: 0.5")
    assert_close(out, rows((0, 1, .9, B0), (0, 1, .7, B2), (0, 1, .6, B3)), "threshold .5")
    out = detect(tmp_path, "nms_param { nms_threshold: 0.5 } confidence_threshold: 0.6")
    assert_close(out, rows((0, 1, .9, B0), (0, 1, .7, B2)), "threshold .6")
    # unset: -FLT_MAX, so even the zero scores of B4 pass; B4 overlaps B0 by .6 > .5 in class 1
    # and class 2 (dropped both times)
    out = detect(tmp_path, "nms_param { nms_threshold: 0.5 }")
    assert len(out) == 6


def test_empty_result_is_one_row_per_image(tmp_path) -> None:
    out = detect(tmp_path, "confidence_threshold: 0.95", batch=2)
    assert_close(out, np.array([[0, -1, -1, -1, -1, -1, -1], [1, -1, -1, -1, -1, -1, -1]]),
                 "empty")


def test_keep_top_k_over_classes_then_label_order(tmp_path) -> None:
    # the 6 detections by score: .9 .7 .6 (class 1), .5 (2, B0), .5 (2, B3), .2: the best 4
    # take class 2's B0 (the tie goes to the earlier); the rows stay by label
    out = detect(tmp_path, "nms_param { nms_threshold: 0.5 } keep_top_k: 4")
    assert_close(out, rows((0, 1, .9, B0), (0, 1, .7, B2), (0, 1, .6, B3), (0, 2, .5, B0)), "4")
    out = detect(tmp_path, "nms_param { nms_threshold: 0.5 } keep_top_k: 0", batch=1)
    assert_close(out, np.array([[0, -1, -1, -1, -1, -1, -1]]), "keep none")


def test_top_k_before_nms(tmp_path) -> None:
    # top_k 2: class 1 keeps B0, B1 as candidates (B1 then dropped); class 2 B0, B1 (ties)
    out = detect(tmp_path, "nms_param { nms_threshold: 0.5 top_k: 2 }")
    assert_close(out, rows((0, 1, .9, B0), (0, 2, .5, B0)), "top_k")


def test_eta_shrinks_the_threshold(tmp_path) -> None:
    scores = {1: [0.9, 0.0, 0.0, 0.0, 0.85]}
    # threshold .7: B4 overlaps B0 by .6 <= .7: kept
    out = detect(tmp_path, "nms_param { nms_threshold: 0.7 } confidence_threshold: 0.1",
                 scores=scores)
    assert_close(out, rows((0, 1, .9, B0), (0, 1, .85, B4)), "eta 1")
    # eta .5: after B0 the threshold is .7 * .5 = .35 (it was > .5), and .6 > .35: dropped
    out = detect(tmp_path, "nms_param { nms_threshold: 0.7 eta: 0.5 } confidence_threshold: 0.1",
                 scores=scores)
    assert_close(out, rows((0, 1, .9, B0)), "eta .5")


def test_per_class_locations(tmp_path) -> None:
    # share_location false: loc holds (P, C, 4); class 2's boxes are moved right by 0.05
    loc = np.zeros((1, 5, 3, 4), np.float32)
    loc[:, :, 2] = [0.05, 0, 0.05, 0]
    out = detect(tmp_path, "nms_param { nms_threshold: 0.5 } confidence_threshold: 0.4",
                 loc=loc.reshape(1, -1), share=False)
    moved = [[b[0] + 0.05, b[1], b[2] + 0.05, b[3]] for b in (B0, B3)]
    assert_close(out, rows((0, 1, .9, B0), (0, 1, .7, B2), (0, 1, .6, B3),
                           (0, 2, .5, moved[0]), (0, 2, .5, moved[1])), "per class")


@pytest.mark.parametrize("code, encoded, box", [
    # prior (0.2, 0.2, 0.6, 0.6), variances (.1, .1, .2, .2), loc (1, -1, l2, 0)
    # CENTER_SIZE, l2 = 5 ln 2: centre (.1 * 1 * .4 + .4, .1 * -1 * .4 + .4) = (.44, .36),
    #   width exp(.2 * 5 ln 2) * .4 = .8, height .4
    ("CENTER_SIZE", False, [0.04, 0.16, 0.84, 0.56]),
    # CORNER_SIZE, l2 = 1: (.2 + .1 * .4, .2 - .1 * .4, .6 + .2 * .4, .6)
    ("CORNER_SIZE", False, [0.24, 0.16, 0.68, 0.6]),
    # CORNER, l2 = 1: (.2 + .1, .2 - .1, .6 + .2, .6)
    ("CORNER", False, [0.3, 0.1, 0.8, 0.6]),
    # CORNER with the variance in the target: (.2 + 1, .2 - 1, .6 + 1, .6)
    ("CORNER", True, [1.2, -0.8, 1.6, 0.6]),
])
def test_decoding(tmp_path, code: str, encoded: bool, box: list[float]) -> None:
    l2 = 5 * np.log(2) if code == "CENTER_SIZE" else 1.0
    out = detect(tmp_path, "", scores={1: [0.9]}, classes=2, code=code, encoded=encoded,
                 loc=np.array([[1.0, -1.0, l2, 0.0]], np.float32),
                 boxes=[[0.2, 0.2, 0.6, 0.6]])
    assert_close(out, rows((0, 1, .9, box)), code)


# ---- ROIPooling ----------------------------------------------------------------------------

def test_roi_pooling_bins_and_rounding(tmp_path) -> None:
    features = np.arange(16, dtype=np.float32).reshape(1, 1, 4, 4)  # x[h, w] = 4h + w
    rois = np.array([[0, 0, 0, 3, 3],     # 4x4, bins [0,2) [2,4): maxima 5 7 13 15
                     [0, 1, 1, 2, 2],     # 2x2, one cell a bin: 5 6 9 10
                     [0, 10, 10, 12, 12],  # past the map: every bin empty, 0
                     ], np.float32)
    text = inputs(f=(1, 1, 4, 4), r=(3, 5)) + '\nlayer { name: "p" type: "ROIPooling" ' \
        'bottom: "f" bottom: "r" top: "p" roi_pooling_param { pooled_h: 2 pooled_w: 2 } }'
    out = run_both(tmp_path, text, {"f": features, "r": rois})[0]
    assert_close(out.reshape(3, 4), np.array([[5, 7, 13, 15], [5, 6, 9, 10], [0, 0, 0, 0]]),
                 "rois")
    # spatial_scale .5: round(.5) = 1, round(2.5) = 3 (halves away from zero): rows and
    # columns 1..3, roi size 3, bin 1.5: [0, 2) + 1 and [1, 3) + 1 -> maxima 10 11 14 15
    text = text.replace("pooled_w: 2 }", "pooled_w: 2 spatial_scale: 0.5 }")
    rois = np.array([[0, 1, 1, 5, 5]] * 3, np.float32)
    out = run_both(tmp_path, text, {"f": features, "r": rois})[0]
    assert_close(out[0].reshape(4), np.array([10, 11, 14, 15]), "scaled roi")


def test_roi_pooling_never_lets_nan_or_minus_infinity_win(tmp_path) -> None:
    # roi_pooling_layer.cpp starts every bin at -FLT_MAX and takes a value only when it is
    # greater: NaN and -inf never are, so an all-NaN or all -inf bin gives -FLT_MAX (not 0,
    # which only an empty bin gives), and NaN beside 3 gives 3
    features = np.array([[np.nan, -np.inf], [np.nan, 3.0]], np.float32).reshape(1, 1, 2, 2)
    text = inputs(f=(1, 1, 2, 2), r=(1, 5)) + '\nlayer { name: "p" type: "ROIPooling" ' \
        'bottom: "f" bottom: "r" top: "p" roi_pooling_param { pooled_h: 2 pooled_w: 1 } }'
    lowest = -np.finfo(np.float32).max
    # roi 0,0 .. 1,1: bins rows [0, 1) and [1, 2), each the whole width
    out = run_both(tmp_path, text, {"f": features, "r": np.float32([[0, 0, 0, 1, 1]])})[0]
    np.testing.assert_array_equal(out.reshape(2), np.float32([lowest, 3.0]))
    # one column, x = 0: the NaN of row 0, then the NaN of row 1
    out = run_both(tmp_path, text, {"f": features, "r": np.float32([[0, 0, 0, 0, 1]])})[0]
    np.testing.assert_array_equal(out.reshape(2), np.float32([lowest, lowest]))


# ---- the proposal layer --------------------------------------------------------------------

def test_published_anchors() -> None:
    from prototxt_compiler.ops.roi import generate_anchors

    # the anchors of Shaoqing Ren's MATLAB code, which py-faster-rcnn's comment quotes; MATLAB
    # counts pixels from 1, py-faster-rcnn from 0 (its base box is [1, 1, 16, 16] - 1): one less
    published = [[-83, -39, 100, 56], [-175, -87, 192, 104], [-359, -183, 376, 200],
                 [-55, -55, 72, 72], [-119, -119, 136, 136], [-247, -247, 264, 264],
                 [-35, -79, 52, 96], [-79, -167, 96, 184], [-167, -343, 184, 360]]
    np.testing.assert_array_equal(generate_anchors((8, 16, 32)), np.array(published) - 1)


def proposals(tmp_path, fg: list[float], scale: float) -> tuple[np.ndarray, np.ndarray]:
    # one cell, scales [8]: anchors [-83,-39,100,56], [-55,-55,72,72], [-35,-79,52,96]
    text = inputs(s=(1, 6, 1, 1), d=(1, 12, 1, 1), info=(1, 3)) + \
        '\nlayer { name: "proposal" type: "Python" bottom: "s" bottom: "d" bottom: "info" ' \
        'top: "rois" top: "scores" python_param { module: "rpn.proposal_layer" ' \
        'layer: "ProposalLayer" param_str: "\'feat_stride\': 16, \'scales\': [8]" } }'
    scores = np.array([0, 0, 0] + fg, np.float32).reshape(1, 6, 1, 1)
    feeds = {"s": scores, "d": np.zeros((1, 12, 1, 1), np.float32),
             "info": np.array([[200, 200, scale]], np.float32)}
    rois, kept = run_both(tmp_path, text, feeds)
    return rois, kept


def test_proposals_clip_sort_and_nms(tmp_path) -> None:
    # zero deltas: the anchors, clipped to [0, 199]: [0,0,100,56] [0,0,72,72] [0,0,52,96];
    # by score .9 (a1), .6 (a2), .3 (a0). Pixel IoU (+1): a1/a2 53*73 / (5329+5141-3869) = .586,
    # a0/a1 73*57 / (5757+5329-4161) = .601, a0/a2 53*57 / (5757+5141-3021) = .38: all <= .7
    rois, scores = proposals(tmp_path, [0.3, 0.9, 0.6], 1.0)
    assert_close(rois, np.array([[0, 0, 0, 72, 72], [0, 0, 0, 52, 96], [0, 0, 0, 100, 56]]),
                 "rois")
    assert_close(scores, np.array([[0.9], [0.6], [0.3]]), "scores")
    # a tie goes to the later anchor (argsort()[::-1]): a2 before a0
    rois, _ = proposals(tmp_path, [0.6, 0.9, 0.6], 1.0)
    assert_close(rois[:, 1:], np.array([[0, 0, 72, 72], [0, 0, 52, 96], [0, 0, 100, 56]]), "tie")


def test_proposals_drop_small_boxes(tmp_path) -> None:
    # im_info scale 4: sides below 16 * 4 = 64 go: 101x57 and 53x97 do, 73x73 stays
    rois, scores = proposals(tmp_path, [0.3, 0.9, 0.6], 4.0)
    assert_close(rois, np.array([[0, 0, 0, 72, 72]]), "rois")


def test_proposals_take_one_image(tmp_path) -> None:
    # proposal_layer.py's forward asserts bottom[0]'s batch is 1: another batch is refused
    # by the shape rule (naming the layer), raised by the torch module and model.py, and
    # the ONNX export keeps the batch 1 where an SSD's is the symbol N
    text = inputs(s=(2, 6, 1, 1), d=(2, 12, 1, 1), info=(2, 3)) + \
        '\nlayer { name: "proposal" type: "Python" bottom: "s" bottom: "d" bottom: "info" ' \
        'top: "rois" python_param { module: "rpn.proposal_layer" ' \
        'layer: "ProposalLayer" param_str: "\'feat_stride\': 16, \'scales\': [8]" } }'
    path = tmp_path / "net.prototxt"
    path.write_text(text)
    with pytest.raises(CompilerError, match=r"layer 'proposal' .*one image at a time .*got a "
                                            r"batch of 2"):
        load(path)
    path.write_text(text.replace("dim: 2", "dim: 1"))
    graph = load(path)
    feeds = [torch.zeros(2, 6, 1, 1), torch.zeros(2, 12, 1, 1), torch.zeros(2, 3)]
    with pytest.raises(ValueError, match="one image at a time.*got a batch of 2"):
        to_torch(graph)(*feeds)
    with pytest.raises(ValueError, match="one image at a time.*got a batch of 2"):
        write_graph(graph, tmp_path, "net")(*feeds)
    model = to_onnx(graph)
    assert [[d.dim_value for d in v.type.tensor_type.shape.dim][0]
            for v in model.graph.input] == [1, 1, 1]
    ssd = pathlib.Path(__file__).parents[1] / "fixtures" / "detection" / "ssd_tiny.prototxt"
    ssd = to_onnx(load(ssd, weights=ssd.with_suffix(".caffemodel")))
    assert ssd.graph.input[0].type.tensor_type.shape.dim[0].dim_param == "N"
