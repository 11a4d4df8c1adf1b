"""What ``check`` finds: the recognised architecture, its stages, and every deviation from
the template, each naming its layer(s). A finding is not an exception: deviations make the
command exit 1, not 2."""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from ..ir import format_dim, is_symbolic

__all__ = ["Deviation", "Stage", "Report"]


@dataclass(frozen=True)
class Deviation:
    layers: tuple[str, ...]
    message: str

    def __str__(self) -> str:
        return f"{', '.join(self.layers)}: {self.message}" if self.layers else self.message


@dataclass(frozen=True)
class Stage:
    index: int
    units: int
    in_channels: int
    out_channels: int
    stride: int
    output_size: tuple[int, ...]


@dataclass
class Report:
    template: str | None = None
    architecture: str | None = None
    cardinality: int | None = None
    width: int | None = None
    params: int = 0
    stages: list[Stage] = field(default_factory=list)
    deviations: list[Deviation] = field(default_factory=list)
    fragment: bool = False  # a cut of a net: units without a stem and head
    shortcuts: str = ""  # a fragment's shortcuts, e.g. "identity shortcut"
    reduction: int | None = None  # squeeze-excitation units: C / the squeeze's width

    @property
    def matches(self) -> bool:
        return self.architecture is not None and not self.deviations

    def headline(self) -> str:
        if self.architecture is None:
            return "no residual-network template matched"
        parts = [] if self.fragment else [f"stages {[s.units for s in self.stages]}"]
        if self.cardinality and self.cardinality > 1:
            parts += [f"cardinality {self.cardinality}", f"bottleneck width {self.width}"]
        if self.reduction:
            parts.append(f"reduction {self.reduction}")
        if self.fragment:
            parts.append(self.shortcuts)
        else:  # 0: some shape is unknown (a shape rule failed), so the count is too
            parts.append(f"{self.params / 1e6:.1f}M params" if self.params else
                         "params unknown (a shape rule failed)")
        return f"{self.architecture}: " + ", ".join(parts)

    def to_json(self) -> dict[str, Any]:
        return {"matches": self.matches, "architecture": self.architecture,
                "fragment": self.fragment, "shortcuts": self.shortcuts or None,
                "template": self.template, "cardinality": self.cardinality,
                "bottleneck_width": self.width, "reduction": self.reduction,
                "params": self.params,
                "stages": [{k: [str(d) if is_symbolic(d) else d for d in v]
                            if isinstance(v, tuple) else v for k, v in asdict(s).items()}
                           for s in self.stages],
                "deviations": [{"layers": list(d.layers), "message": d.message}
                               for d in self.deviations]}

    def render(self) -> str:
        lines = [self.headline()]
        if self.stages:
            lines.append(f"  {'stage':<6}{'units':>6}{'in':>7}{'out':>7}{'stride':>8}  output")
            for s in self.stages:
                size = "x".join(format_dim(d) for d in s.output_size) or "?"
                cin, cout = (c or "?" for c in (s.in_channels, s.out_channels))
                lines.append(f"  {s.index:<6}{s.units:>6}{cin:>7}{cout:>7}{s.stride:>8}  {size}")
        for deviation in self.deviations:
            lines.append(f"deviation: {deviation}")
        return "\n".join(lines) + "\n"
