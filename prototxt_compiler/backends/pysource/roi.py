"""ROIPooling and py-faster-rcnn's proposal layer in the generated file, written out
(``ops.roi``).

ROIPooling     per ROI (batch index, x1, y1, x2, y2) the fork's bins: the corners times
               spatial_scale rounded half away from zero, the ROI at least 1 x 1, bin i
               [floor(i * size / pooled), ceil((i + 1) * size / pooled)) clipped to the
               map; each bin the maximum of its window (NaN never wins), 0 when empty
ProposalLayer  py-faster-rcnn's anchors shifted over the score map, decoded and clipped
               to im_info, small boxes dropped, the best pre_nms_topN by score (ties to
               the later anchor), ``caffe_nms`` with pixel overlaps, the first
               post_nms_topN: rois (R, 5) with batch index 0, and their scores (R, 1)

Both loop over data-dependent counts, so the generated module runs eagerly.
"""
from __future__ import annotations

from ...ir import Node
from ...ops.roi import PROPOSAL_TYPE, ProposalParams, ROIPoolingParams
from .detection import as_operator, boxes_source
from .registry import HELPERS, PYSOURCE, Module, call, literal

__all__ = ["convert_roi_pooling", "convert_proposal"]

HELPERS.define("roi_max_pool", boxes_source("c_round", "roi_bins", "roi_max_pool"),
               needs=("FLT_MAX",))
HELPERS.define("roi_max_pool_operator",
               as_operator("roi_max_pool", "features: torch.Tensor, rois: torch.Tensor, "
                           "pooled_h: int,\n                        pooled_w: int, "
                           "spatial_scale: float",
                           "features.new_empty((rois.shape[0], features.shape[1], "
                           "pooled_h, pooled_w))"),
               needs=("roi_max_pool",))

HELPERS.define("ROIPooling", '''
class ROIPooling(nn.Module):
    """Fast R-CNN's ROI max pooling of features (N, C, H, W) over rois (R, 5):
    (R, C, pooled_h, pooled_w)."""

    def __init__(self, pooled_h: int, pooled_w: int,
                 spatial_scale: float = 1.0) -> None:
        super().__init__()
        self.pooled_h = pooled_h
        self.pooled_w = pooled_w
        self.spatial_scale = spatial_scale

    def forward(self, features: torch.Tensor, rois: torch.Tensor) -> torch.Tensor:
        return roi_max_pool(features, rois, self.pooled_h, self.pooled_w,
                            self.spatial_scale)
''', needs=("roi_max_pool_operator",))

HELPERS.define("proposals", boxes_source("proposals"), needs=("caffe_nms_operator",))

HELPERS.define("ProposalLayer", '''
def faster_rcnn_anchors(scales: tuple[float, ...], base_size: int = 16,
                        ratios: tuple[float, ...] = (0.5, 1.0, 2.0)) -> torch.Tensor:
    """py-faster-rcnn's generate_anchors, float64 (len(ratios) * len(scales), 4): for
    each ratio (outer), the base box's area at that ratio with rounded sides, times
    each scale (inner), around the base box's centre."""
    f64 = torch.float64
    centre = 0.5 * (base_size - 1)
    ratio = torch.tensor(ratios, dtype=f64)
    ws = torch.round(torch.sqrt(float(base_size * base_size) / ratio))
    hs = torch.round(ws * ratio)
    scale = torch.tensor(scales, dtype=f64)
    ws = (ws[:, None] * scale[None]).reshape(-1)
    hs = (hs[:, None] * scale[None]).reshape(-1)
    return torch.stack([centre - 0.5 * (ws - 1), centre - 0.5 * (hs - 1),
                        centre + 0.5 * (ws - 1), centre + 0.5 * (hs - 1)], dim=1)


class ProposalLayer(nn.Module):
    """py-faster-rcnn's proposal layer on scores (1, 2A, H, W), deltas (1, 4A, H, W)
    and im_info [height, width, scale] (bottoms as the prototxt orders them), with
    its TEST settings unless given: rois (R, 5), and with ``tops`` 2 their scores.
    Like py-faster-rcnn's, it takes a batch of one image only."""

    def __init__(self, feat_stride: int, scales: tuple[float, ...] = (8, 16, 32),
                 pre_nms_top_n: int = 6000, post_nms_top_n: int = 300,
                 nms_threshold: float = 0.7, min_size: float = 16.0,
                 tops: int = 1) -> None:
        super().__init__()
        self.register_buffer("anchors", faster_rcnn_anchors(scales), persistent=False)
        self.feat_stride = feat_stride
        self.pre_nms_top_n = pre_nms_top_n
        self.post_nms_top_n = post_nms_top_n
        self.nms_threshold = nms_threshold
        self.min_size = min_size
        self.tops = tops

    def forward(self, scores: torch.Tensor, deltas: torch.Tensor,
                info: torch.Tensor):
        if scores.shape[0] != 1:
            raise ValueError("the proposal layer takes one image at a time (batch 1), "
                             f"got a batch of {scores.shape[0]}")
        rois, kept = proposals(scores, deltas, info, self.anchors, self.feat_stride,
                               self.pre_nms_top_n, self.post_nms_top_n,
                               self.nms_threshold, self.min_size)
        return rois if self.tops == 1 else (rois, kept)
''', needs=("proposals",))


@PYSOURCE.register("ROIPooling")
def convert_roi_pooling(node: Node) -> Module:
    p: ROIPoolingParams = node.params
    extra = {"spatial_scale": p.spatial_scale} if p.spatial_scale != 1.0 else {}
    return Module(call("ROIPooling", p.pooled_h, p.pooled_w, **extra), (), ("ROIPooling",))


@PYSOURCE.register(PROPOSAL_TYPE)
def convert_proposal(node: Node) -> Module:
    p: ProposalParams = node.params
    defaults = ProposalParams(param_str="", feat_stride=p.feat_stride)
    args = [literal(p.feat_stride)]
    if p.scales != defaults.scales:  # yaml's numbers, written to read back exactly
        inner = ", ".join(repr(s) for s in p.scales)
        args.append(f"scales=({inner},)" if len(p.scales) == 1 else f"scales=({inner})")
    args += [f"{f}={literal(getattr(p, f))}" for f in
             ("pre_nms_top_n", "post_nms_top_n", "nms_threshold", "min_size")
             if getattr(p, f) != getattr(defaults, f)]
    if len(node.outputs) == 2:
        args.append("tops=2")
    return Module(f"ProposalLayer({', '.join(args)})", (), ("ProposalLayer",))
