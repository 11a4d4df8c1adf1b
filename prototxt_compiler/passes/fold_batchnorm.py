"""Folding BatchNorm and Scale into the Convolution or InnerProduct before them.

In Caffe's TEST phase (global statistics) the three layers compute, per output channel c:

    conv:       x_c = sum(W_c * in) + b_c                       (b = 0 without bias_term)
    BatchNorm:  y_c = (x_c - m_c) / sqrt(v_c + eps)
                with s = 0 if blob2 == 0 else 1 / blob2, m = blob0 * s, v = blob1 * s
    Scale:      z_c = gamma_c * y_c + beta_c                    (beta = 0 without bias_term)

so z = W' * in + b' with k_c = gamma_c / sqrt(v_c + eps) and

    W'_c = k_c * W_c,    b'_c = k_c * (b_c - m_c) + beta_c.

BatchNorm alone is the same with gamma = 1, beta = 0; Scale alone with m = 0, v + eps = 1.
A layer whose params give its own per-channel affine map y = k x + shift (``affine(blobs)``:
the forks' BN with stored statistics) folds as a BatchNorm does; the forks' depthwise
convolutions are Convolutions (``ConvolutionParams``, a weight row per output channel).
A BatchNorm + Scale with no such layer before them (a normalisation of the input) become one
Scale with gamma' = gamma k, beta' = k-shifted beta, the same affine map.
The factors and biases are computed in float64; the weight's product is float32: k is
rounded to float32 and W' = W * k multiplies float32 by float32, two roundings, so W' is
within a relative 2^-23 of the exact product (against 2^-24 for the float64 product rounded
once; the two differ by one unit in the last place at most on ResNeXt-101's 81M folded
weights, and the float32 product is about 2.5 times as fast). A fold happens only where it is
exact: the BatchNorm/Scale reads the layer's only top, nothing else reads the values in
between, the statistics are global (``BatchNormParams.global_stats``), the Scale
is per channel (one bottom, axis 1, num_axes 1), the Convolution's channels are axis 1, and
an InnerProduct's output is 2-D (N, num_output).

Memory: W' is a fresh float32 array, computed in one pass, never through a float64 copy; a
caller that owns the blobs can give back the old weight's memory as each fold replaces it
(``replaced``: ``compile_onnx`` drops its pages from the map of the .caffemodel), so the
weights are never held twice. With ``deferred``, a caller that only writes the folded
weights out gets each W' (float32, scaled by rows: all but a transposed InnerProduct's) as
an ``ir.deferred.RowScaled`` (W and k, the product computed a block at a time as it is
written; ``replaced`` is called once it has been), the same values without a fresh array
the size of the weights; it must replace them by arrays before the graph is anyone else's.
Each layer is visited once.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import cast

import numpy as np

from ..ir import Graph, Node, Value
from ..ir.deferred import RowScaled
from ..ops.conv import ConvolutionParams
from ..ops.norm import stats_scale

__all__ = ["fold_batchnorm"]


def _sole_reader(value: Value, graph: Graph) -> Node | None:
    if len(value.uses) != 1 or value in graph.outputs:
        return None
    return value.uses[0]


def _foldable_target(node: Node) -> bool:
    if node.blobs is None or len(node.outputs) != 1 or len(node.inputs) != 1:
        return False
    if isinstance(node.params, ConvolutionParams) and node.type != "Deconvolution":
        return node.params.axis == 1  # Convolution, and the forks' depthwise convolutions
    if node.type == "InnerProduct":
        return len(node.outputs[0].shape or ()) == 2
    return False


def _is_global_bn(node: Node) -> bool:
    return (node.type == "BatchNorm" and node.blobs is not None
            and node.params.global_stats)


def _is_channel_scale(node: Node) -> bool:
    return (node.type == "Scale" and node.blobs is not None and len(node.inputs) == 1
            and node.params.axis == 1 and node.params.num_axes == 1)


def _bn_affine(node: Node) -> tuple[np.ndarray, np.ndarray]:
    """(k, shift) with y = k * x + shift for a global-statistics BatchNorm."""
    mean, var, factor = (np.asarray(b, np.float64) for b in node.weights())
    s = float(stats_scale(factor))
    k = 1.0 / np.sqrt(var.reshape(-1) * s + node.params.eps)
    return k, -mean.reshape(-1) * s * k


def _channel_affine(node: Node) -> tuple[np.ndarray, np.ndarray] | None:
    """(k, shift) of a one-input layer whose params give its per-channel affine map
    (``params.affine(blobs)``: the forks' BN with stored statistics), else None."""
    affine = getattr(node.params, "affine", None)
    if node.blobs is None or len(node.inputs) != 1 or not callable(affine):
        return None
    return affine(node.blobs)


def _scale_affine(node: Node) -> tuple[np.ndarray, np.ndarray]:
    blobs = node.weights()
    gamma = np.asarray(blobs[0], np.float64).reshape(-1)
    beta = (np.asarray(blobs[1], np.float64).reshape(-1) if node.params.bias_term
            else np.zeros_like(gamma))
    return gamma, beta


def _apply(target: Node, k: np.ndarray, shift: np.ndarray,
           replaced: Callable[[np.ndarray], object] | None,
           deferred: Callable[[Node], bool] | None) -> None:
    weight, *rest = target.weights()
    bias = (np.asarray(rest[0], np.float64).reshape(-1) if target.params.bias_term
            else np.zeros(weight.shape[0]))
    factors = k.astype(np.float32)
    columns = target.type == "InnerProduct" and target.params.transpose
    new_weight: np.ndarray
    if deferred is not None and not columns and weight.dtype == np.float32 and \
            deferred(target):
        # an array to the graph's readers until compile_onnx writes it (see the docstring)
        new_weight = cast(np.ndarray, RowScaled(weight, factors, after=replaced))
    else:
        new_weight = np.empty(weight.shape, np.float32)
        np.multiply(weight, factors[None, :] if columns else
                    factors.reshape((-1,) + (1,) * (weight.ndim - 1)), out=new_weight)
        if replaced is not None:
            replaced(weight)
    new_bias = k * bias + shift
    target.blobs = (new_weight, new_bias.astype(np.float32))
    target.params = replace(target.params, bias_term=True)


def _fold_chain(graph: Graph, target: Node, replaced: Callable[[np.ndarray], object] | None,
                dead: list[Node], deferred: Callable[[Node], bool] | None) -> bool:
    k = np.ones(1)
    shift = np.zeros(1)
    chain: list[Node] = []
    value = target.outputs[0]
    reader = _sole_reader(value, graph)
    affine = None if reader is None else \
        _bn_affine(reader) if _is_global_bn(reader) else _channel_affine(reader)
    if reader is not None and affine is not None:
        k, shift = affine
        chain.append(reader)
        value = reader.outputs[0]
        reader = _sole_reader(value, graph)
    if reader is not None and _is_channel_scale(reader):
        gamma, beta = _scale_affine(reader)
        k, shift = gamma * k, gamma * shift + beta
        chain.append(reader)
    if not chain:
        return False
    channels = target.output_shapes()[0][1]
    k = np.broadcast_to(k, (channels,))
    shift = np.broadcast_to(shift, (channels,))
    _apply(target, k, shift, replaced, deferred)
    graph.replace_all_uses_with(chain[-1].outputs[0], target.outputs[0])
    dead.extend(chain)  # removed together (Graph.remove_nodes): one pass over the graph
    return True


def _merge_into_scale(graph: Graph, bn: Node, dead: list[Node]) -> bool:
    """A BatchNorm that no convolution precedes (one on the input, say) and the per-channel
    Scale that alone reads it become that one Scale: gamma' = gamma k, beta' = gamma shift +
    beta. (Folding it forward into the next convolution would not be exact: the
    convolution's zero padding is not normalised.)"""
    scale = _sole_reader(bn.outputs[0], graph)
    if scale is None or not _is_channel_scale(scale) or len(bn.outputs[0].shape or ()) < 2:
        return False
    k, shift = _bn_affine(bn)
    gamma, beta = _scale_affine(scale)
    shape = scale.weights()[0].shape
    scale.blobs = ((gamma * k).astype(np.float32).reshape(shape),
                   (gamma * shift + beta).astype(np.float32).reshape(shape))
    scale.params = replace(scale.params, bias_term=True)
    scale.inputs = bn.inputs
    dead.append(bn)
    return True


def fold_batchnorm(graph: Graph, *,
                   replaced: Callable[[np.ndarray], object] | None = None,
                   deferred: Callable[[Node], bool] | None = None) -> bool:
    """Folds every exact BatchNorm/Scale chain into its Convolution or InnerProduct, then
    merges each remaining global-statistics BatchNorm into the per-channel Scale after it;
    returns whether the graph changed. Nodes need their blobs (weights or initialised).
    ``replaced`` is called with each weight array a fold replaced by a fresh one (by a
    ``RowScaled`` where ``deferred(layer)``, once it has been computed: see the module
    docstring)."""
    folded = merged = 0
    dead: list[Node] = []
    for node in graph.nodes:  # a fold removes only BatchNorm and Scale layers, at the end
        if _foldable_target(node):
            folded += _fold_chain(graph, node, replaced, dead, deferred)
    graph.remove_nodes(dead)
    dead.clear()
    for node in graph.nodes:
        if _is_global_bn(node):
            merged += _merge_into_scale(graph, node, dead)
    graph.remove_nodes(dead)
    if folded:
        graph.notes.append(f"folded BatchNorm/Scale into {folded} convolution or "
                           "InnerProduct layer(s)")
    if merged:
        graph.notes.append(f"merged {merged} BatchNorm(s) into the Scale after it")
    return bool(folded or merged)
