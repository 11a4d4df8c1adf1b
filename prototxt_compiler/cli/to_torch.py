"""``prototxt-compiler to-torch``: the net as a standalone PyTorch ``model.py`` that imports
only torch, and its weights as a state_dict (``torch.save``; safetensors too where that
package is installed)."""
from __future__ import annotations

import argparse
import os
import pathlib
import sys
from typing import Any

from ..errors import UsageError
from .common import (
    Progress,
    add_net_arguments,
    add_param_budget,
    default_output,
    input_shapes,
    print_notes,
    refuse_overwriting_inputs,
    seed,
)

__all__ = ["add_parser"]


def _targets(args: argparse.Namespace) -> tuple[str, list[str]]:
    if not default_output(args, args.net, ".py", module=True).endswith(".py"):
        raise UsageError(f"-o {args.output}: expected a .py file name")
    weights = args.weights_out or str(pathlib.Path(args.output).with_suffix(".pt"))
    if not weights.endswith((".pt", ".pth", ".safetensors")):
        raise UsageError(f"--weights-out {weights}: expected a .pt, .pth or .safetensors "
                         "file name")
    from ..backends.pysource.save import safetensors_available

    outputs = [weights]
    if not weights.endswith(".safetensors") and safetensors_available():
        outputs.append(str(pathlib.Path(weights).with_suffix(".safetensors")))
    for path in [args.output, *outputs]:
        folder = os.path.dirname(os.path.abspath(path))
        if not os.path.isdir(folder):
            raise UsageError(f"{path}: the folder {folder} does not exist")
        refuse_overwriting_inputs(path, args.net, args.weights)
    if len({os.path.abspath(p) for p in [args.output, *outputs]}) != 1 + len(outputs):
        raise UsageError(f"--weights-out {weights} is the module file itself; expected "
                         "another file name")
    return weights, outputs


def run(args: argparse.Namespace) -> int:
    from ..api import load_with_weights, write_atomically
    from ..backends.pysource import save_state_dict, to_python_source

    weights_file, outputs = _targets(args)
    try:
        import torch  # noqa: F401 - saving the state_dict needs it
    except ImportError:
        raise UsageError("to-torch saves the weights with torch.save: install torch "
                         "(pip install 'prototxt-compiler[torch]')") from None
    shapes = input_shapes(args)
    with Progress(args) as progress:
        progress("reading the net" + (" and its weights" if args.weights else ""))
        graph = load_with_weights(args.net, args.weights, shapes, phase=args.phase,
                                  seed=args.seed, warn=False,
                                  allow_unknown_fields=args.allow_unknown_fields,
                                  fork=args.fork, budget=args.param_budget)
        progress("writing the module")
        what = (f"trained, from {args.weights}" if args.weights else
                f"not trained: Caffe's fillers, seed {args.seed}")
        origins = {name or graph.inputs[0].blob: "given by --input-shape" for name in shapes}
        source = to_python_source(graph, source=args.net, weights=what,
                                  state_file=os.path.basename(weights_file),
                                  input_origins=origins, name=args.class_name)
        written: list[str] = []
        try:
            for path in outputs:
                progress(f"saving {path}")
                existed = os.path.exists(path)
                save_state_dict(source.state, path, write_atomically)
                if not existed:
                    written.append(path)
            write_atomically(args.output,
                             lambda tmp: pathlib.Path(tmp).write_text(source.text))
        except BaseException:
            for path in written:  # nothing half-written stays behind
                os.remove(path)
            raise
    print_notes(graph, args)
    if not args.quiet:
        layers, tensors = len(graph.nodes), len(source.state)
        print(f"wrote {args.output}: class {source.class_name}, {layers} "
              f"layer{'' if layers == 1 else 's'}; weights ({tensors} "
              f"tensor{'' if tensors == 1 else 's'}) in {', '.join(outputs)}",
              file=sys.stdout)
    return 0


def add_parser(sub: Any) -> None:
    cmd = sub.add_parser("to-torch", help="the net as a standalone, readable PyTorch "
                                          "model.py (imports only torch) and its weights")
    add_net_arguments(cmd)
    cmd.add_argument("-o", "--output", metavar="model.py",
                     help="the module file to write (default: the net's file name as a "
                          "module name, .py, in the current folder)")
    cmd.add_argument("-w", "--weights", metavar="NET.caffemodel",
                     help="trained weights (without them, Caffe's fillers initialise the "
                          "parameters, with a note)")
    cmd.add_argument("--weights-out", metavar="model.pt",
                     help="where the state_dict goes (default: beside -o, as .pt; a "
                          ".safetensors name writes safetensors; with the safetensors "
                          "package installed a .safetensors copy is written beside the .pt)")
    cmd.add_argument("--class-name", metavar="NAME",
                     help="the module class's name (default: the net's name in CamelCase)")
    cmd.add_argument("--seed", type=seed, default=0,
                     help="the fillers' seed without -w (default: %(default)s)")
    add_param_budget(cmd)
    cmd.set_defaults(func=run)
