"""A graph as the text of a standalone PyTorch module file (``model.py``).

The file imports only torch. Its class has one attribute per Caffe layer, named after it
(``names.attribute_names``): a torch module where Caffe's semantics are exactly that
module's, else a small class written out above it (``registry.HELPERS``) whose docstring
states Caffe's rule. ``forward`` takes the net's inputs positionally in Caffe's input order,
calls the layers in Caffe's order with one variable per blob (``names.Variables``), and
returns the outputs in Caffe's order (one tensor, or a tuple). The module docstring states
the input shapes and where they came from. The weights are the ``state_dict`` the class
loads: ``ModuleSource.state``.
"""
from __future__ import annotations

import keyword
import re
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from ...errors import UsageError
from ...ir import Graph, format_shape
from ...version import __version__
from ..registry import converting, require_blobs
from .formatting import fit, statement
from .names import RESERVED, Variables, attribute_names, class_name
from .registry import HELPERS, PYSOURCE, Module

__all__ = ["ModuleSource", "to_python_source"]


@dataclass(frozen=True)
class ModuleSource:
    """The file's text, its class's name, and the arrays of the class's ``state_dict``."""

    text: str
    class_name: str
    state: dict[str, np.ndarray]
    input_names: tuple[str, ...]
    output_names: tuple[str, ...]


def _convert(graph: Graph, index: int) -> Module:
    node = graph.nodes[index]
    with converting(graph, node, "model.py"):
        return PYSOURCE[node.type](node)
    raise AssertionError("unreachable")  # converting() re-raises every failure


def to_python_source(graph: Graph, *, source: str | None = None,
                     weights: str | None = None, state_file: str | None = None,
                     input_origins: Mapping[str, str] | None = None,
                     name: str | None = None) -> ModuleSource:
    """The module file for ``graph`` (shaped, every layer with its blobs). ``source`` (the
    prototxt), ``weights`` (what the blobs are: a .caffemodel, or fillers) and
    ``state_file`` (where the state_dict is saved) go into the docstring; so does, for each
    input, ``input_origins`` (where its shape came from) where given, else what the graph
    knows (its Input layer, a fragment's inference)."""
    PYSOURCE.check(graph)
    require_blobs(graph)
    attributes = attribute_names(graph)
    modules = [_convert(graph, i) for i in range(len(graph.nodes))]
    helpers = HELPERS.closure(h for m in modules for h in m.helpers)
    body = "\n\n\n".join(h.source for h in helpers)
    cls = _class(name, graph.name, RESERVED | _defined(body))
    variables = Variables(graph)
    inputs = [variables.bind(v, -1) for v in graph.inputs]
    init, forward = [], []
    state: dict[str, np.ndarray] = {}
    for index, (node, module) in enumerate(zip(graph.nodes, modules)):
        attribute = attributes[node.name]
        init += statement(f"self.{attribute} = {module.code}", indent=8)
        for key, array in module.state:
            state[f"{attribute}.{key}"] = array
        args = ", ".join(variables.of(v) for v in node.inputs)
        tops = [variables.bind(v, index) for v in node.outputs]
        target = tops[0] if len(tops) == 1 else ", ".join(tops)
        shapes = ", ".join(format_shape(v.shape) for v in node.outputs)
        forward += statement(f"{target} = self.{attribute}({args})", indent=8,
                             comment=shapes)
    outputs = [variables.of(v) for v in graph.outputs]
    returned = outputs[0] if len(outputs) == 1 else f"({', '.join(outputs)})"
    result = "torch.Tensor" if len(outputs) == 1 else "tuple[torch.Tensor, ...]"
    signature = statement(f"def forward(self, {', '.join(f'{v}: torch.Tensor' for v in inputs)}"
                          f") -> {result}:", indent=4)
    lines = [
        f"class {cls}(nn.Module):",
        f'    """{_class_doc(graph)}"""',
        "",
        "    def __init__(self) -> None:",
        "        super().__init__()",
        *init,
        "",
        *signature,
        *forward,
        *fit("return ", returned, "", 8),
    ]
    classes = (body + "\n\n\n" if body else "") + "\n".join(lines) + "\n"
    doc = _module_doc(graph, cls, source, weights, state_file, input_origins or {})
    # isort's rule: two blank lines before a definition, one before a statement
    gap = "\n\n" if re.match(r"(class|def) ", classes) else "\n"
    text = f'"""{doc}"""\n{_imports(classes)}{gap}{classes}'
    return ModuleSource(text=text, class_name=cls, state=state,
                        input_names=tuple(v.blob for v in graph.inputs),
                        output_names=tuple(v.blob for v in graph.outputs))


def _defined(code: str) -> set[str]:
    """The names the helpers' source defines at the top level."""
    return {a or b for a, b in re.findall(r"^(?:class|def) (\w+)|^(\w+) *=", code, re.M)}


def _class(given: str | None, net: str, taken: set[str]) -> str:
    """The module class's name: ``given`` (refused unless an identifier the file does not
    define otherwise), else the net's name, with 'Net' appended while the file takes it."""
    if given is None:
        cls = class_name(net)
        while cls in taken:
            cls += "Net"
        return cls
    if not given.isidentifier() or not given.isascii() or keyword.iskeyword(given):
        raise UsageError(f"class name {given!r}: expected a Python identifier (ASCII "
                         "letters, digits and '_', not starting with a digit, not a keyword)")
    if given in taken:
        raise UsageError(f"class name {given!r} is taken in model.py (by "
                         f"{'an import' if given in RESERVED else 'a helper it defines'}); "
                         "choose another")
    return given


def _imports(code: str) -> str:
    lines = ["import torch"]
    if re.search(r"\bF\.", code):
        lines.append("import torch.nn.functional as F")
    lines.append("from torch import nn")
    return "\n".join(lines) + "\n"


def _class_doc(graph: Graph) -> str:
    what = f"'{graph.name}'" if graph.name else "the net"
    text = f"Caffe's {what}: one attribute per layer, forward() in Caffe's order."
    # 4 spaces of indent and the quotes on both ends; continuations indented 4
    return _wrap_doc(text + '"""', first=7).replace("\n", "\n    ")[:-3]


def _origin(graph: Graph, value_name: str, blob: str,
            given: Mapping[str, str]) -> str:
    if blob in given:
        return given[blob]
    if blob in graph.fragment_inputs:
        readers = graph.fragment_inputs[blob]
        return f"an input of this fragment, read by '{readers[0]}'; sizes the net does not " \
               "fix are free"
    layer = graph.input_layers.get(value_name)
    if layer == "input":
        return "declared by the net's input fields"
    if layer is not None:
        return f"declared by the net's layer '{layer}'"
    return "as the net gives it"


def _module_doc(graph: Graph, cls: str, source: str | None, weights: str | None,
                state_file: str | None, given: Mapping[str, str]) -> str:
    title = graph.name or cls
    origin = f" from {source}" if source else ""
    lines = [f"{title}: a standalone PyTorch module, written by prototxt-compiler "
             f"{__version__}{origin}.", "",
             f"It imports only torch. {cls} has one attribute per Caffe layer "
             f"({len(graph.nodes)}), named after it; forward() runs them in Caffe's order.", "",
             "Inputs, positional, in Caffe's order:"]
    for value in graph.inputs:
        lines.append(f"    {value.blob}: {format_shape(value.shape)} "
                     f"({_origin(graph, value.name, value.blob, given)})")
    lines.append("Outputs:" if len(graph.outputs) > 1 else "Output:")
    lines += [f"    {v.blob}: {format_shape(v.shape)}" for v in graph.outputs]
    lines.append("")
    load = f'torch.load("{state_file}")' if state_file else "torch.load(STATE_DICT_FILE)"
    lines += [f"Weights{f' ({weights})' if weights else ''}:", "",
              f"    model = {cls}()",
              f"    model.load_state_dict({load})",
              "    model.eval()  # Caffe's TEST phase", ""]
    return "\n".join(_wrap_doc(line, first=3 if i == 0 else 0) for i, line in enumerate(lines))


def _wrap_doc(line: str, limit: int = 88, first: int = 0) -> str:
    """A docstring line cut at spaces to ``limit`` characters (the first ``first`` fewer,
    for the quotes before it), continuations indented as the line is (plus four spaces
    under a list entry)."""
    if len(line) + first <= limit:
        return line
    indent = len(line) - len(line.lstrip())
    more = " " * (indent + 4 if indent else 0)
    out, current, room = [], line, limit - first
    while len(current) > room:
        cut = current.rfind(" ", indent + 1, room + 1)
        if cut <= indent:
            break
        out.append(current[:cut])
        current, room = more + current[cut + 1:], limit
    out.append(current)
    return "\n".join(out)
