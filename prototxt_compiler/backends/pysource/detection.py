"""SSD's PriorBox and DetectionOutput in the generated file, written out (``ops.detection``).

PriorBox         the boxes of every cell of bottom 0 for each prior shape, from the
                 bottoms' run-time sizes (centres in float32, corners in float64 stored as
                 float32, as the fork computes them), then the variances
DetectionOutput  decode, per class the scores over the threshold sorted (ties to the lower
                 prior), the first top_k, Caffe's greedy NMS (``caffe_nms``), the
                 keep_top_k best of each image, rows by image, label and score; one row
                 [n, -1, -1, -1, -1, -1, -1] per image when nothing is kept

``caffe_nms`` is a plain loop over the sorted boxes, vectorized over every (image, class);
py-faster-rcnn's proposal layer (``roi``) runs it with pixel overlaps. The file wraps it as
an operator (``torch.library.custom_op``, namespace ``prototxt_compiler_model``), as the
torch backend does, so that ``torch.export`` takes the module: the loop's length and the
rows' count are the data's.
"""
from __future__ import annotations

import ast
import pathlib

from ...ir import Node
from ...ops.detection import DetectionOutputParams, PriorBoxParams, prior_shapes
from .registry import HELPERS, PYSOURCE, Module, call

__all__ = ["convert_prior_box", "convert_detection_output", "boxes_source", "as_operator"]

BOXES_FILE = pathlib.Path(__file__).resolve().parents[1] / "torch" / "boxes.py"


def boxes_source(*names: str) -> str:
    """Functions of ``backends/torch/boxes.py`` as its text has them (read, not imported:
    this module does not import torch): one definition for the torch backend and model.py."""
    text = BOXES_FILE.read_text(encoding="utf-8")
    functions = {node.name: node for node in ast.parse(text).body
                 if isinstance(node, ast.FunctionDef)}
    return "\n\n\n".join(ast.get_source_segment(text, functions[name]) or ""
                          for name in names)


def as_operator(name: str, signature: str, shape: str) -> str:
    """Text that rebinds the function ``name`` (written above it) to an operator of its own
    (``torch.library.custom_op``), whose output ``shape`` (an expression of the arguments
    in ``signature``) export reads instead of running its loop."""
    return (f"# {name} as an operator of its own: torch.export keeps its loop, which "
            "the data\n# decide, as one node (eagerly it runs the function above)\n"
            f"{name} = torch.library.custom_op(\n"
            f"    \"prototxt_compiler_model::{name}\", {name}, mutates_args=())\n\n\n"
            f"@{name}.register_fake\ndef _{name}_shape({signature}) -> torch.Tensor:\n"
            f"    return {shape}")


HELPERS.define("caffe_nms", boxes_source("box_areas", "box_overlaps", "caffe_nms"))
HELPERS.define("caffe_nms_operator",
               as_operator("caffe_nms", "boxes: torch.Tensor, valid: torch.Tensor, "
                           "threshold: float,\n                     eta: float = 1.0, "
                           "offset: float = 0.0", "torch.empty_like(valid)"),
               needs=("caffe_nms",))
HELPERS.define("prior_boxes", boxes_source("prior_boxes"))
HELPERS.define("detections", boxes_source("decode_boxes", "detections"),
               needs=("caffe_nms_operator",))

HELPERS.define("PriorBox", '''
class PriorBox(nn.Module):
    """SSD's PriorBox: for each cell (h, w) of bottom 0 and each prior's (width,
    height) in ``sizes``, the box centred at ((w + offset) * step_w, (h + offset) *
    step_h), over the image's width and height, clipped to [0, 1] with ``clip``; then
    one row of the variances. The image size is bottom 1's unless ``image`` (h, w)
    fixes it; a step is image / feature size unless ``steps`` (h, w) fixes it.
    Returns (1, 2, H * W * priors * 4)."""

    def __init__(self, sizes: tuple[tuple[float, float], ...],
                 variance: tuple[float, ...] = (0.1,),
                 image: tuple[int, int] | None = None,
                 steps: tuple[float, float] | None = None, offset: float = 0.5,
                 clip: bool = False) -> None:
        super().__init__()
        half = torch.tensor(sizes, dtype=torch.float32).double() / 2
        self.register_buffer("half_sizes", half, persistent=False)
        self.register_buffer("variance", torch.tensor(variance, dtype=torch.float32),
                             persistent=False)
        self.image = image
        self.steps = steps
        self.offset = offset
        self.clip = clip

    def forward(self, x: torch.Tensor, image: torch.Tensor) -> torch.Tensor:
        return prior_boxes(x, image, self.half_sizes, self.variance, self.image,
                           self.steps, self.offset, self.clip)
''', needs=("prior_boxes",))

HELPERS.define("DetectionOutput", '''
class DetectionOutput(nn.Module):
    """SSD's DetectionOutput, fields as detection_output_param names them. Per image
    and class but the background: the boxes decoded from loc and the priors (code
    type CORNER, CENTER_SIZE or CORNER_SIZE), the scores over confidence_threshold
    sorted descending (ties to the lower prior), the first top_k, ``caffe_nms``; with
    keep_top_k >= 0 the keep_top_k best of each image (ties to the lower class, then
    rank). Returns rows (1, 1, K, 7) [image, label, score, xmin, ymin, xmax, ymax] by
    image, label and score; one row [n, -1, -1, -1, -1, -1, -1] per image when
    nothing is kept."""

    def __init__(self, num_classes: int, share_location: bool = True,
                 background_label_id: int = 0, nms_threshold: float = 0.3,
                 top_k: int | None = None, eta: float = 1.0,
                 code_type: str = "CORNER", keep_top_k: int = -1,
                 variance_encoded_in_target: bool = False,
                 confidence_threshold: float | None = None) -> None:
        super().__init__()
        self.num_classes = num_classes
        self.share_location = share_location
        classes = [c for c in range(num_classes) if c != background_label_id]
        self.register_buffer("classes", torch.tensor(classes, dtype=torch.long),
                             persistent=False)
        self.nms_threshold = nms_threshold
        self.top_k = top_k
        self.eta = eta
        self.code_type = code_type
        self.keep_top_k = keep_top_k
        self.variance_encoded_in_target = variance_encoded_in_target
        self.threshold = (-FLT_MAX if confidence_threshold is None
                          else confidence_threshold)

    def forward(self, loc: torch.Tensor, conf: torch.Tensor, prior: torch.Tensor,
                *image: torch.Tensor) -> torch.Tensor:
        return detections(loc, conf, prior, self.classes, self.num_classes,
                          self.share_location, self.threshold, self.top_k,
                          self.nms_threshold, self.eta, self.keep_top_k, self.code_type,
                          self.variance_encoded_in_target)
''', needs=("detections", "FLT_MAX"))


@PYSOURCE.register("PriorBox")
def convert_prior_box(node: Node) -> Module:
    p: PriorBoxParams = node.params
    extra: dict[str, object] = {}
    if p.variance and p.variance != (0.1,):
        extra["variance"] = p.variance
    if p.image is not None:
        extra["image"] = p.image
    if p.steps is not None:
        extra["steps"] = p.steps
    if p.offset != 0.5:
        extra["offset"] = p.offset
    if p.clip:
        extra["clip"] = True
    return Module(call("PriorBox", tuple(prior_shapes(p)), **extra), (), ("PriorBox",))


@PYSOURCE.register("DetectionOutput")
def convert_detection_output(node: Node) -> Module:
    p: DetectionOutputParams = node.params
    defaults = DetectionOutputParams(num_classes=p.num_classes)
    fields = ("share_location", "background_label_id", "nms_threshold", "top_k", "eta",
              "code_type", "keep_top_k", "variance_encoded_in_target",
              "confidence_threshold")
    extra = {f: getattr(p, f) for f in fields if getattr(p, f) != getattr(defaults, f)}
    return Module(call("DetectionOutput", p.num_classes, **extra), (), ("DetectionOutput",))
