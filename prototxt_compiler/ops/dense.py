"""InnerProduct and Embed: Caffe's fully connected layer and its lookup-table sibling.

InnerProduct flattens the bottom's axes [axis, end) into K and keeps the leading ones:
    M = prod(bottom[:axis]), K = prod(bottom[axis:]), N = num_output
    top = bottom[:axis] + (N,)
    weight (N, K), or (K, N) when transpose; bias (N,) when bias_term
    MACs = M * K * N
Embed looks up each bottom element (an integer index below input_dim) in a table:
    top = bottom + (num_output,)
    weight (input_dim, num_output); bias (num_output,) when bias_term
    MACs = 0 (a copy per element; no multiplies)
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace

from ..errors import OpError
from ..ir import Shape
from ..proto import caffe_pb2
from .base import OPS, canonical_axis, count
from .fillers import Filler, read_filler
from .writing import write_fields

__all__ = ["InnerProductParams", "EmbedParams"]


@dataclass(frozen=True)
class InnerProductParams:
    """``axis`` is non-negative once bound to a bottom shape."""

    num_output: int
    bias_term: bool = True
    transpose: bool = False
    axis: int = 1
    weight_filler: Filler = Filler()
    bias_filler: Filler = Filler()
    bound: bool = field(default=False, repr=False)


@dataclass(frozen=True)
class EmbedParams:
    num_output: int
    input_dim: int
    bias_term: bool = True
    weight_filler: Filler = Filler()
    bias_filler: Filler = Filler()


def read_inner_product(layer: caffe_pb2.LayerParameter) -> InnerProductParams:
    p = layer.inner_product_param
    if p.num_output < 1:
        raise OpError("num_output is required and must be positive",
                      field="inner_product_param.num_output")
    return InnerProductParams(
        num_output=p.num_output, bias_term=p.bias_term, transpose=p.transpose, axis=p.axis,
        weight_filler=read_filler(p.weight_filler), bias_filler=read_filler(p.bias_filler))


def bind_inner_product(p: InnerProductParams, bottoms: Sequence[Shape]) -> InnerProductParams:
    if p.bound:
        return p
    axis = canonical_axis(p.axis, len(bottoms[0]), "inner_product_param.axis")
    return replace(p, axis=axis, bound=True)


def infer_inner_product(p: InnerProductParams, bottoms: Sequence[Shape],
                        num_tops: int) -> list[Shape]:
    p = bind_inner_product(p, bottoms)
    return [tuple(bottoms[0][:p.axis]) + (p.num_output,)]


def blobs_inner_product(p: InnerProductParams, bottoms: Sequence[Shape]) -> list[Shape]:
    p = bind_inner_product(p, bottoms)
    k = count(bottoms[0], p.axis)
    weight = (k, p.num_output) if p.transpose else (p.num_output, k)
    return [weight] + ([(p.num_output,)] if p.bias_term else [])


def macs_inner_product(p: InnerProductParams, bottoms: Sequence[Shape],
                       tops: Sequence[Shape]) -> int:
    p = bind_inner_product(p, bottoms)
    return count(bottoms[0], 0, p.axis) * count(bottoms[0], p.axis) * p.num_output


def read_embed(layer: caffe_pb2.LayerParameter) -> EmbedParams:
    p = layer.embed_param
    if p.num_output < 1:
        raise OpError("num_output is required and must be positive",
                      field="embed_param.num_output")
    if p.input_dim < 1:
        raise OpError("input_dim (the number of table entries) is required and must be "
                      "positive", field="embed_param.input_dim")
    return EmbedParams(num_output=p.num_output, input_dim=p.input_dim, bias_term=p.bias_term,
                       weight_filler=read_filler(p.weight_filler),
                       bias_filler=read_filler(p.bias_filler))


def infer_embed(p: EmbedParams, bottoms: Sequence[Shape], num_tops: int) -> list[Shape]:
    return [tuple(bottoms[0]) + (p.num_output,)]


def blobs_embed(p: EmbedParams, bottoms: Sequence[Shape]) -> list[Shape]:
    return [(p.input_dim, p.num_output)] + ([(p.num_output,)] if p.bias_term else [])


def fillers_dense(p: InnerProductParams | EmbedParams, bottoms: Sequence[Shape]) -> list[Filler]:
    """InnerProduct's and Embed's weight_filler, then bias_filler when bias_term."""
    return [p.weight_filler] + ([p.bias_filler] if p.bias_term else [])


def write_dense(p: InnerProductParams | EmbedParams, q: caffe_pb2.InnerProductParameter |
                caffe_pb2.EmbedParameter, bottoms: Sequence[Shape]) -> None:
    """``num_output`` (and Embed's ``input_dim``) always; the rest where not the default. A
    bound ``axis`` is non-negative and reads back to the same bound axis."""
    q.num_output = p.num_output
    if isinstance(p, EmbedParams):
        q.input_dim = p.input_dim
    write_fields(p, q, skip=("num_output", "input_dim"))


OPS.define("InnerProduct", family="dense", read=read_inner_product, bind=bind_inner_product,
           infer=infer_inner_product, blobs=blobs_inner_product, macs=macs_inner_product,
           fillers=fillers_dense, param="inner_product_param", write=write_dense)
OPS.define("Embed", family="dense", read=read_embed, infer=infer_embed, blobs=blobs_embed,
           fillers=fillers_dense, param="embed_param", write=write_dense)
