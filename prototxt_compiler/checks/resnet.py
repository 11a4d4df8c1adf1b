"""Checking a graph against the residual-network templates (``checks.templates``).

The walk: every Eltwise is the merge of a unit. From its two operands the layers are
followed back to the value both paths start from (the branch point); the operand whose
path is a projection (or the branch point itself) is the shortcut. The main path's layer
types are aligned with the template's steps (fewest edits), so a missing, extra or different
layer is reported where it is; then the convolutions' roles are checked (1x1/3x3 kernels,
the 3x3's group against the cardinality bound at the first unit, widths doubling by stage,
the shortcut's stride against the main path's). Each unit must start where the previous one
ended. A unit with a projection shortcut opens a stage. Everything found is a ``Deviation``
naming its layer(s); the best-fitting template wins.
"""
from __future__ import annotations

import functools
from collections.abc import Callable, Sequence

from ..errors import LayerError, UsageError
from ..ir import Graph, Node, Value, format_shape
from ..ops.cost import layer_costs
from .align import align as _align
from .report import Deviation, Report, Stage
from .se import Excitation, check_excitation, merges, reduction, se_parts
from .templates import FAMILY_TEMPLATES, TEMPLATES, UnitTemplate

__all__ = ["check"]


def check(graph: Graph, template: str = "auto",
          shape_errors: Sequence[LayerError] = ()) -> Report:
    """The report of the best-fitting template of ``template`` ("resnext", "resnet" or
    "auto"). ``shape_errors`` are layers whose shape rule failed (``load(...,
    shape_errors=[])``): an Eltwise among them is explained as a deviation."""
    if template not in FAMILY_TEMPLATES:
        raise UsageError(f"template {template!r} is not one of "
                         f"{', '.join(map(repr, FAMILY_TEMPLATES))}")
    # the net's parameter count (0 where a shape is unknown), counted once for all templates
    params = functools.cache(lambda: sum(c.params for c in layer_costs(graph)) if all(
        v.shape is not None for v in graph.values()) else 0)
    reports = [_Walk(graph, name, TEMPLATES[name], shape_errors, params).run()
               for name in FAMILY_TEMPLATES[template]]
    best = min(reports, key=lambda r: (r.architecture is None, len(r.deviations)))
    if best.architecture is not None and template in ("resnext", "resnet"):
        _require_family(graph, best, template)
    return best


def _require_family(graph: Graph, report: Report, template: str) -> None:
    """A named template is a requirement: a ResNeXt has cardinality > 1, a ResNet 1."""
    cardinality = report.cardinality or 1
    if (template == "resnext") == (cardinality > 1):
        return
    convs = [n for n in graph.nodes if n.type == "Convolution" and _hw(n.params.kernel, 0)
             == (3, 3)]
    layers = tuple(n.name for n in convs[:1])
    if template == "resnext":
        report.deviations.append(Deviation(layers, "the 3x3 convolutions are not grouped "
                                 "(cardinality 1): a ResNet, not the ResNeXt that --template "
                                 "resnext requires"))
    else:
        report.deviations.append(Deviation(layers, f"the 3x3 convolutions have group "
                                 f"{cardinality}: a ResNeXt of cardinality {cardinality}, "
                                 "not the ResNet that --template resnet requires"))


def _channels(shape: Sequence[int] | None) -> int:
    """Axis 1 of a shape, 0 where there is none (a net that is no residual network)."""
    return shape[1] if shape is not None and len(shape) > 1 else 0


def _majority(values: Sequence[float]) -> float:
    """The most frequent value (the first seen among equals)."""
    counts: dict[float, int] = {}
    for value in values:
        counts[value] = counts.get(value, 0) + 1
    return max(counts, key=lambda v: counts[v])


def _num(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else f"{x:g}"


def _chain_back(value: Value, stop: Value, limit: int = 40) -> list[Node] | None:
    """The single-input layers from ``stop`` to ``value``, in forward order; None when the
    walk leaves the chain (a layer of several bottoms, an input) before reaching ``stop``."""
    nodes: list[Node] = []
    while value is not stop:
        node = value.producer
        if node is None or len(node.inputs) != 1 or len(nodes) > limit:
            return None
        nodes.append(node)
        value = node.inputs[0]
    return nodes[::-1]


def _hw(values: Sequence[int], default: int) -> tuple[int, int]:
    """A convolution's spatial values as (h, w), also for params left unbound (the layers
    after a shape failure): none given means the default, one means both axes."""
    values = tuple(values) or (default,)
    return (values[0], values[-1]) if len(values) <= 2 else (values[0], values[1])


def _ancestors(value: Value, limit: int = 40) -> list[Value]:
    out = [value]
    while value.producer is not None and len(value.producer.inputs) == 1 and len(out) < limit:
        value = value.producer.inputs[0]
        out.append(value)
    return out


def _branch_point(a: Value, b: Value) -> Value | None:
    back_b = {id(v) for v in _ancestors(b)}
    return next((v for v in _ancestors(a) if id(v) in back_b), None)


class _Walk:
    def __init__(self, graph: Graph, name: str, template: UnitTemplate,
                 shape_errors: Sequence[LayerError], params: Callable[[], int]) -> None:
        self.graph = graph
        self.params = params
        self.t = template
        self.report = Report(template=name)
        self.failed = {e.layer: e for e in shape_errors}
        self.cardinality: int | None = None
        self.width: int | None = None
        self.stage = 0
        self.convs: list[tuple[int, str, Node]] = []  # (stage, role, convolution)
        self.fragment = bool(graph.fragment_inputs)
        self.shortcuts: list[bool] = []  # per unit: projection
        self.squeezes: list[tuple[Node, int]] = []  # per SE unit: its squeeze, its channels

    def deviate(self, layers: Sequence[str], message: str) -> None:
        self.report.deviations.append(Deviation(tuple(layers), message))

    def run(self) -> Report:
        sums = merges(self.graph)
        if not sums:
            self.deviate((), "no two-input Eltwise: not a residual network")
            return self.report
        previous: Value | None = None
        units: list[tuple[int, int, int, tuple[int, ...], int]] = []  # stage, cin, cout,
        for merge in sums:                                               # size, stride
            unit = self.unit(merge, previous)
            if unit is None:
                return self.report
            previous, stage_info = unit
            units.append(stage_info)
        self.widths()
        if self.t.se:
            self.report.reduction, found = reduction(self.squeezes)
            self.report.deviations.extend(found)
        self.stages(units)
        if not self.fragment:
            self.head(previous)
        self.name()
        return self.report

    # -- one unit --------------------------------------------------------------------
    def unit(self, merge: Node, previous: Value | None):  # noqa: ANN201
        (a, b), se = se_parts(merge)
        branch = _branch_point(a, b)
        if branch is None:
            self.deviate((merge.name,), "the Eltwise's inputs do not start from one value: "
                         "broken shortcut")
            return None
        pre = self.t.pre
        start = branch
        main_steps = self.t.main
        if pre and previous is not None and branch is previous:
            main_steps = pre + main_steps  # identity unit: the activation is on the main path
        elif pre and previous is not None:
            pre_nodes = _chain_back(branch, previous)
            if pre_nodes is None or [n.type for n in pre_nodes] != list(pre):
                self.deviate((merge.name,), f"expected {' -> '.join(pre)} before the unit's "
                             "paths (pre-activation)")
            start = previous
        elif previous is not None and branch is not previous:
            self.deviate((merge.name,), "the unit does not start at the previous unit's "
                         f"output '{previous.blob}': broken shortcut")
        if merge.type == "Eltwise" and merge.params.operation != "SUM":
            self.deviate((merge.name,), f"Eltwise {merge.params.operation}, expected SUM")
        paths = [(_chain_back(v, branch) or [], v) for v in (a, b)]
        paths.sort(key=lambda p: len(p[0]))
        (short_nodes, short_value), (main_nodes, _) = paths
        if _chain_back(short_value, branch) is None or _chain_back(paths[1][1], branch) is None:
            self.deviate((merge.name,), "a path into the Eltwise does not come from the "
                         "unit's input: broken shortcut")
            return None
        projection = bool(short_nodes)
        self.shortcuts.append(projection)
        if projection or self.stage == 0:
            self.stage += 1
        main_stride = self.path(main_nodes, main_steps, merge)
        if projection:
            short_stride = self.path(short_nodes, self.t.projection, merge)
            if short_stride != main_stride:
                conv = next((n for n in short_nodes if n.type == "Convolution"), short_nodes[0])
                self.deviate((conv.name,), f"stride {short_stride}, expected {main_stride} "
                             "(the main path's stride)")
        self.shapes(merge, main_stride, self.stride_of(short_nodes))
        self.excitation(merge, se)
        out = merge.outputs[0]
        if self.t.relu_after_sum:
            readers = out.uses
            if len(readers) == 1 and readers[0].type == "ReLU":
                out = readers[0].outputs[0]
            else:
                self.deviate((merge.name,), "ReLU after the Eltwise is missing")
        if previous is None and not self.fragment:
            self.stem(start)
        cin = _channels(start.shape)
        cout = _channels(out.shape)
        return out, (self.stage, cin, cout, tuple(out.shape[2:]) if out.shape else (),
                     main_stride)

    def excitation(self, merge: Node, se: Excitation | None) -> None:
        """The unit's squeeze-excitation against the template's (which may have none)."""
        if not self.t.se:
            if se is not None:
                self.deviate((se.layer.name,), f"unexpected squeeze-excitation: the main path "
                             f"is scaled by '{se.scale.blob}' (the template has none)")
            return
        if se is None:
            self.deviate((merge.name,), "squeeze-excitation missing: expected the main path's "
                         "output scaled by its excitation (Axpy, Broadcastmul or Scale)")
            return
        found, squeeze, channels = check_excitation(se, self.t.se)
        self.report.deviations.extend(found)
        if squeeze is not None:
            self.squeezes.append((squeeze, channels))

    def stride_of(self, nodes: Sequence[Node]) -> int:
        stride = 1
        for node in nodes:
            if node.type == "Convolution":
                stride *= _hw(node.params.stride, 1)[0]
        return stride

    def path(self, nodes: Sequence[Node], steps: Sequence[str], merge: Node) -> int:
        """Aligns a path with the template's steps, reports the differences, checks the
        convolutions' roles; returns the path's stride."""
        want = [s.split(":")[0] for s in steps]
        last_seen: Node | None = None
        for op, i, j in _align(want, [n.type for n in nodes]):
            if op == "delete" and i is not None:
                where = last_seen.name if last_seen is not None else merge.name
                self.deviate((where,), f"{want[i]} missing after this layer")
            elif op == "insert" and j is not None:
                self.deviate((nodes[j].name,), f"unexpected {nodes[j].type} inside the unit")
            elif op == "equal" and i is not None and j is not None:
                self.role(steps[i], nodes[j])
            elif i is not None and j is not None:
                self.deviate((nodes[j].name,), f"{nodes[j].type}, expected {want[i]}")
            if j is not None:
                last_seen = nodes[j]
        return self.stride_of(nodes)

    def role(self, step: str, node: Node) -> None:
        """Checks what a convolution's role fixes by itself (its kernel, group 1 outside the
        grouped 3x3) and keeps it for ``widths``, which compares its numbers with the
        net's majority once every unit is seen."""
        if ":" not in step:
            return
        role = step.split(":")[1]
        p = node.params
        kernel = 3 if role in ("group", "conv3") else 1
        if _hw(p.kernel, 0) != (kernel, kernel):
            self.deviate((node.name,), f"kernel {'x'.join(map(str, _hw(p.kernel, 0)))}, expected "
                         f"{kernel}x{kernel}")
        if role not in ("group", "proj") and p.group != 1:
            self.deviate((node.name,), f"group {p.group}, expected 1")
        self.convs.append((self.stage, role, node))

    def widths(self) -> None:
        """The net's cardinality and bottleneck width are those most of its units have; every
        convolution whose group or width differs from them, doubled stage by stage, is
        named. For a grouped 3x3 of stage s: group C and C x w x 2^(s-1) outputs, which the
        1x1 before it must give; every unit's last 1x1 (and projection) gives its stage's
        output channels, which double too."""
        groups = [(s, n) for s, r, n in self.convs if r in ("group", "conv3")]
        if not groups:
            return
        cardinality = int(_majority([n.params.group for _, n in groups]))
        widths = [n.params.num_output / (n.params.group * 2 ** (s - 1)) for s, n in groups]
        width = _majority(widths)
        self.cardinality = cardinality
        self.width = int(width) if float(width).is_integer() else None
        outs = [n.params.num_output / 2 ** (s - 1) for s, r, n in self.convs
                if r in ("expand", "proj")]
        out = _majority(outs) if outs else None
        for s, role, node in self.convs:
            p = node.params
            inner = cardinality * width * 2 ** (s - 1)
            why = (f"cardinality {cardinality} x width {_num(width)}, doubled in each stage "
                   "after the first")
            if role == "group":
                if p.group != cardinality:
                    self.deviate((node.name,), f"group {p.group}, expected {cardinality} (the "
                                 "net's cardinality)")
                elif p.num_output != inner:
                    self.deviate((node.name,), f"num_output {p.num_output}, expected "
                                 f"{_num(inner)} ({why})")
            elif role in ("reduce", "conv3") and p.num_output != inner:
                what = "the bottleneck's width" if role == "reduce" else "the stage's width"
                self.deviate((node.name,), f"num_output {p.num_output}, expected {_num(inner)} "
                             f"({what}: {why})")
            elif role in ("expand", "proj") and out is not None and \
                    p.num_output != out * 2 ** (s - 1):
                self.deviate((node.name,), f"num_output {p.num_output}, expected "
                             f"{_num(out * 2 ** (s - 1))} (the stage's output channels, "
                             "doubled in each stage after the first)")

    def shapes(self, merge: Node, main_stride: int, short_stride: int) -> None:
        error = self.failed.get(merge.name)
        if error is None:
            return
        # Axpy(a, x, y) adds the scaled main path x to the shortcut y
        a, b = (format_shape(v.shape) for v in
                (merge.inputs[1:3] if merge.type == "Axpy" else merge.inputs[:2]))
        self.deviate((merge.name,), f"{merge.type} inputs differ in shape: {a} vs {b} (shortcut "
                     f"stride {short_stride}, main path stride {main_stride})")

    # -- the net ---------------------------------------------------------------------
    def stages(self, units: list[tuple[int, int, int, tuple[int, ...], int]]) -> None:
        """One row per stage; its stride is its first unit's, from the layers' strides."""
        for index in sorted({u[0] for u in units}):
            members = [u for u in units if u[0] == index]
            first = members[0]
            self.report.stages.append(Stage(index, len(members), first[1], members[-1][2],
                                            first[4], members[-1][3]))

    def stem(self, start: Value) -> None:
        """From the input to the first unit: a chain with a convolution in it (7x7/2 + BN +
        Scale + ReLU + MAX pool 3x3/2 for ImageNet nets, a 3x3 for CIFAR ones), an optional
        normalisation of the input before it; any pooling there is MAX."""
        inputs = [v for v in self.graph.inputs]
        chain = next((c for c in (_chain_back(start, v) for v in inputs) if c is not None), None)
        if chain is None:
            self.deviate((), f"the first unit's input '{start.blob}' does not come from the "
                         "net's input through a single chain of layers (the stem)")
            return
        if not any(n.type == "Convolution" for n in chain):
            self.deviate(tuple(n.name for n in chain[:1]), "the stem has no convolution")
        for node in chain:
            if node.type == "Pooling" and node.params.pool != "MAX":
                self.deviate((node.name,), f"stem pooling {node.params.pool}, expected MAX")

    def head(self, last: Value | None) -> None:
        if last is None:
            return
        readers = last.uses
        if self.t.pre:  # a pre-activation net normalises the last unit's sum before pooling
            for step in self.t.pre:
                if len(readers) == 1 and readers[0].type == step:
                    readers = readers[0].outputs[0].uses
        pool = readers[0] if len(readers) == 1 else None
        if pool is None or pool.type != "Pooling" or pool.params.pool != "AVE":
            self.deviate((last.producer.name,) if last.producer else (),
                         "expected a global AVE Pooling after the last unit")
            return
        fc = pool.outputs[0].uses
        if len(fc) != 1 or fc[0].type != "InnerProduct":
            self.deviate((pool.name,), "expected an InnerProduct after the global pooling")

    def name(self) -> None:
        report = self.report
        units = sum(s.units for s in report.stages)
        depth = self.t.layers_per_unit * units + 2
        report.params = self.params()
        report.cardinality = self.cardinality
        report.width = self.width
        resnext = self.t.layers_per_unit == 3 and bool(self.cardinality and self.cardinality > 1)
        se = "SE-" if self.t.se else ""
        if self.fragment:
            kind = "bottleneck" if self.t.layers_per_unit == 3 else "basic-block"
            family = ("SE-" if self.t.se else "") + ("ResNeXt" if resnext else "ResNet")
            report.architecture = f"{units} {family} {kind} unit{'s' * (units != 1)}"
            report.fragment = True
            projections = sum(self.shortcuts)
            report.shortcuts = (
                "identity shortcut" + "s" * (units > 1) if not projections else
                "projection shortcut" + "s" * (units > 1) if projections == units else
                f"{projections} projection and {units - projections} identity shortcuts")
        elif resnext:
            report.architecture = f"{se}ResNeXt-{depth} ({self.cardinality}x{self.width}d)"
        else:
            report.architecture = f"{se}ResNet-{depth}"

