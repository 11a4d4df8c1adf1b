"""Generating nets from specs: a typed builder, family generators, TOML specs."""
from .builder import NetBuilder
from .resnext import DEPTHS, ResNeXtSpec, build_resnext
from .toml_spec import SpecError, read_spec, spec_from_mapping

__all__ = ["DEPTHS", "NetBuilder", "ResNeXtSpec", "SpecError", "build_resnext", "read_spec",
           "spec_from_mapping"]
