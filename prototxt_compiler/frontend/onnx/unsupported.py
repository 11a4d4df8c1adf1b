"""Why an ONNX op with no importer has no exact BVLC Caffe form, for the error that lists
every such node of a model."""
from __future__ import annotations

__all__ = ["reason", "REASONS"]

REASONS: dict[str, str] = {
    "GroupNormalization": "Caffe has no group normalisation",
    "GatherElements": "Caffe cannot index a blob by run-time values",
    "ScatterND": "Caffe cannot write into a blob at run-time indices",
    "Where": "Caffe has no elementwise select",
    "Equal": "Caffe has no elementwise comparison",
    "Greater": "Caffe has no elementwise comparison",
    "Less": "Caffe has no elementwise comparison",
    "Not": "Caffe has no boolean blobs",
    "Expand": "Caffe broadcasts only through Scale, Bias and Tile of known shapes",
    "Tile": "Caffe's Tile repeats one axis; ONNX's Tile is not imported",
    "TopK": "Caffe's ArgMax returns indices as floats in another layout",
    "ArgMax": "Caffe's ArgMax returns float indices in another layout",
    "Cast": "Caffe blobs are float32 only",
    "Floor": "Caffe has no rounding layer",
    "Ceil": "Caffe has no rounding layer",
    "Round": "Caffe has no rounding layer",
    "NonZero": "Caffe has no data-dependent shapes",
    "NonMaxSuppression": "Caffe (BVLC) has no detection post-processing layer",
    "RoiAlign": "Caffe (BVLC) has no ROI pooling layer",
    "MaxRoiPool": "Caffe (BVLC) has no ROI pooling layer",
    "Einsum": "Caffe has no general tensor contraction",
    "LSTM": "Caffe's LSTM differs from ONNX's in gates and layout",
    "GRU": "Caffe has no GRU layer",
    "RNN": "Caffe's RNN differs from ONNX's",
    "If": "Caffe nets have no control flow",
    "Loop": "Caffe nets have no control flow",
    "Scan": "Caffe nets have no control flow",
    "QuantizeLinear": "Caffe (BVLC) computes in float32 only",
    "DequantizeLinear": "Caffe (BVLC) computes in float32 only (it is folded where its "
                        "input is a constant)",
    "ConvInteger": "Caffe (BVLC) computes in float32 only",
    "QLinearConv": "Caffe (BVLC) computes in float32 only",
    "RandomNormal": "Caffe has no run-time random generator in TEST phase",
    "RandomUniform": "Caffe has no run-time random generator in TEST phase",
}


def reason(op_type: str) -> str:
    return REASONS.get(op_type, f"no BVLC Caffe layer computes ONNX's {op_type}")
