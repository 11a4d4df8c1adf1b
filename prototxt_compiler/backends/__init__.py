"""Lowerings of the graph IR: one package per target, each with a converter registry."""

DEFAULT_OPSET = 17
"""The ONNX opset an export targets unless asked for another (``--opset``)."""
