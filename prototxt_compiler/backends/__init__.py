"""Lowerings of the graph IR: one package per target, each with a converter registry."""
