"""Caffe's NetState rules: which layers a net keeps in a phase (Net::FilterNet).

A layer with ``include`` rules is kept when any of them is met; otherwise it is kept unless
one of its ``exclude`` rules is met. A rule is met when every condition it states holds: its
phase equals the state's, the state's level lies in [min_level, max_level], every ``stage``
it names is in the state's stages and no ``not_stage`` is.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ..errors import LayerError
from ..proto import caffe_pb2

__all__ = ["NetState", "rule_met", "keeps_layer"]

PHASES = {"TRAIN": caffe_pb2.TRAIN, "TEST": caffe_pb2.TEST}


@dataclass(frozen=True)
class NetState:
    phase: str = "TEST"
    level: int = 0
    stages: tuple[str, ...] = ()

    @classmethod
    def of(cls, net: caffe_pb2.NetParameter, phase: str, stages: Sequence[str] | None = None,
           level: int | None = None) -> NetState:
        """The state a net runs in: the caller's phase, the net's own level and stages
        (``state { }`` in the prototxt) unless the caller gives them."""
        return cls(phase=phase,
                   level=net.state.level if level is None else level,
                   stages=tuple(net.state.stage) if stages is None else tuple(stages))


def rule_met(state: NetState, rule: caffe_pb2.NetStateRule) -> bool:
    if rule.HasField("phase") and rule.phase != PHASES[state.phase]:
        return False
    if rule.HasField("min_level") and state.level < rule.min_level:
        return False
    if rule.HasField("max_level") and state.level > rule.max_level:
        return False
    if any(stage not in state.stages for stage in rule.stage):
        return False
    return not any(stage in state.stages for stage in rule.not_stage)


def keeps_layer(state: NetState, layer: caffe_pb2.LayerParameter) -> bool:
    if len(layer.include) and len(layer.exclude):
        raise LayerError("give either include or exclude rules, not both", layer=layer.name,
                         type=layer.type, field="include")
    if len(layer.include):
        return any(rule_met(state, rule) for rule in layer.include)
    return not any(rule_met(state, rule) for rule in layer.exclude)
