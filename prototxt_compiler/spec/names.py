"""The layer names of the family generators' naming schemes: the MXNet conversions the seed
uses (``stage1_unit2_conv1``, ``scale_stage1_unit2_bn1``, ``stage1_unit2_plus``) and Kaiming
He's Caffe ResNets (``res2a_branch2a``, ``bn2a_branch2a``, ``scale2a_branch2a``, ``res2a``;
units past the sixth of a stage are ``b1``, ``b2``...)."""
from __future__ import annotations

__all__ = ["Names"]


class Names:
    """The layer names of one naming scheme."""

    def __init__(self, scheme: str, units: tuple[int, ...], classes: int) -> None:
        self.scheme = scheme
        self.units = units
        self.classes = classes

    def unit(self, s: int, u: int) -> str:
        if self.scheme == "mxnet":
            return f"stage{s}_unit{u}"
        count = self.units[s - 1]
        letter = "abcdefghijklmnopqrstuvwxyz"[u - 1] if count <= 6 else (
            "a" if u == 1 else f"b{u - 1}")
        return f"{s + 1}{letter}"

    def conv(self, s: int, u: int, i: int) -> str:
        t = self.unit(s, u)
        return f"{t}_conv{i}" if self.scheme == "mxnet" else f"res{t}_branch2{'abc'[i - 1]}"

    def bn(self, s: int, u: int, i: int) -> tuple[str, str]:
        t = self.unit(s, u)
        if self.scheme == "mxnet":
            return f"{t}_bn{i}", f"scale_{t}_bn{i}"
        return f"bn{t}_branch2{'abc'[i - 1]}", f"scale{t}_branch2{'abc'[i - 1]}"

    def relu(self, s: int, u: int, i: int) -> str:
        t = self.unit(s, u)
        return f"{t}_relu{i}" if self.scheme == "mxnet" else f"res{t}_branch2{'abc'[i - 1]}_relu"

    def shortcut(self, s: int, u: int) -> tuple[str, str, str]:
        t = self.unit(s, u)
        if self.scheme == "mxnet":
            return f"{t}_sc", f"{t}_sc_bn", f"scale_{t}_sc_bn"
        return f"res{t}_branch1", f"bn{t}_branch1", f"scale{t}_branch1"

    def plus(self, s: int, u: int) -> tuple[str, str]:
        t = self.unit(s, u)
        return (f"{t}_plus", f"{t}_relu") if self.scheme == "mxnet" else (f"res{t}", f"res{t}_relu")

    def stem(self) -> dict[str, str]:
        if self.scheme == "mxnet":
            return {"conv": "conv0", "bn": "bn0", "scale": "scale_bn0", "relu": "relu0",
                    "pool": "pooling0"}
        return {"conv": "conv1", "bn": "bn_conv1", "scale": "scale_conv1", "relu": "conv1_relu",
                "pool": "pool1"}

    def head(self) -> dict[str, str]:
        if self.scheme == "mxnet":
            return {"bn": "bn1", "scale": "scale_bn1", "relu": "relu1", "pool": "pool1",
                    "fc": "fc1", "prob": "prob"}
        return {"pool": "pool5", "fc": f"fc{self.classes}", "prob": "prob"}
