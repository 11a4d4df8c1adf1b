"""Importing a group as the one Caffe layer a matcher proposes, once the backend's own
export of that layer has confirmed it (``verify``); otherwise the group is imported node
by node, as any other ONNX graph is.

A group is tried when every value it reads is known here (no refused node before it), none
is a pending transpose, and it is in the default domain of an opset the backend writes (13
on). A proposal whose type
is a fork's is considered only when that fork is named. A top written over a bottom's blob
(an in-place Eltwise or LRN) writes over that bottom where nothing after the group reads
it, else over a copy of it: Caffe would read the new data there.
"""
from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence

from ....errors import CompilerError
from ....ir import Value
from ....ops.activation import PowerParams
from ..context import Context, Permuted, Shuffled
from ..fork_layers import fork_allows
from ..model import OnnxNode
from ..registry import Refused
from .groups import GroupSpan
from .registry import IDIOMS, Group, Matcher, Proposal
from .verify import LayerExporter, verify

__all__ = ["take", "MIN_OPSET"]

MIN_OPSET = 13  # the backend writes opsets 13 on
MAX_PROPOSALS = 64  # per matcher and group


def _proposals(matcher: Matcher, ctx: Context, group: Group) -> Iterator[Proposal]:
    """The matcher's proposals; one that cannot read the group proposes no more."""
    try:
        for count, proposal in enumerate(matcher(ctx, group)):
            if count >= MAX_PROPOSALS:
                return
            yield proposal
    except (Refused, CompilerError, IndexError, KeyError, TypeError, ValueError,
            ZeroDivisionError, OverflowError):
        return


def _readable(ctx: Context, group: Group) -> bool:
    """Whether the group may be one layer: named, of a written opset, every input known and
    none a pending transpose (whose readers are imported node by node, ``layout``)."""
    return (bool(group.name) and ctx.opset >= MIN_OPSET
            and all(n.domain in ("", "ai.onnx") for n in group.nodes)
            and all(ctx.known(name) and name not in ctx.poisoned
                    and not isinstance(ctx.pending.get(name), (Permuted, Shuffled))
                    for name in group.inputs))


def _read_later(ctx: Context, value: Value, span: GroupSpan,
                readers: Mapping[str, Sequence[int]]) -> bool:
    """Whether anything after the group reads the Caffe value (under any ONNX name bound to
    it, or through a pending view of it), or it is a graph output."""
    names = [n for n, v in ctx.values.items() if v is value]
    names += [n for n, m in ctx.pending.items() if m.base is value]
    return value in ctx.graph.outputs or any(
        n in ctx.outputs or any(r >= span.stop for r in readers.get(n, ())) for n in names)


def _writable(ctx: Context, value: Value, span: GroupSpan,
              readers: Mapping[str, Sequence[int]], first: OnnxNode, layer: str) -> Value:
    """The value an in-place top may write over: the bottom itself, or where anything after
    the group still reads it, a copy of it (Power 1, 1, 0; a Split would share its memory)."""
    if not _read_later(ctx, value, span, readers):
        return value
    tops = [ctx.names.blob(f"{layer}/copy")]
    return ctx.layer(first, "Power", PowerParams(), [value], tops=tops,
                     name=f"{layer}/copy").outputs[0]


def take(ctx: Context, span: GroupSpan, export: LayerExporter,
         readers: Mapping[str, Sequence[int]]) -> bool:
    """Imports the group as one proposed, confirmed layer; False where none is."""
    group = span.group
    if not _readable(ctx, group):
        return False
    for matcher in IDIOMS.matchers(group.nodes[0].op_type):
        for proposal in _proposals(matcher, ctx, group):
            if any(ctx.const(b) is not None for b in proposal.bottoms):
                continue  # a bottom the model holds as a constant: not a layer's export
            if fork_allows(proposal.type, ctx.fork) and verify(ctx, group, proposal, export):
                return _apply(ctx, span, proposal, readers)
    return False


def _apply(ctx: Context, span: GroupSpan, proposal: Proposal,
           readers: Mapping[str, Sequence[int]]) -> bool:
    group = span.group
    first = group.nodes[0]
    try:
        bottoms = [ctx.value(name) for name in proposal.bottoms]
        tops = []
        for i, name in enumerate(proposal.tops):
            source = proposal.top_source(i)
            if source is None:
                tops.append(ctx.blob(name, first))
                continue
            bottoms[source] = _writable(ctx, bottoms[source], span, readers, first, group.name)
            tops.append(bottoms[source].blob)
        ctx.layer(first, proposal.type, proposal.params, bottoms, proposal.tops, tops=tops,
                  blobs=list(proposal.blobs) or None, name=group.name)
    except Refused:
        return False
    return True
