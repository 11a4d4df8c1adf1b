"""Running one fuzz case through a public entry point, and judging it.

A ``Case`` names an entry point (``load``, ``load_with_weights``, ``load_torch``,
``to_onnx``, ``compile_onnx``, ``check``, ``check_file``, ``generate``, ``cli``), the files it
reads (written into a fresh folder first) and its arguments, where ``In("name")`` stands for
the path of a file in that folder. ``run_case`` runs it under a time limit and a memory cap
and returns nothing when the outcome is acceptable: a result, or a ``CompilerError`` that
left the folder as it was (the CLI: exit 0, 1 or 2, no traceback, nothing written unless it
exited 0). Anything else raises ``FuzzFailure`` naming the class (the exception type and the
frame where it escaped our package), and, when ``FUZZ_SAVE_CASES`` names a folder, saves the
case there as a regression file (the smallest one per class).

Cases are stored as JSON (``to_json``/``from_json``) with bytes, tuples, non-finite floats
and ``In`` paths tagged, so any argument a strategy draws can be replayed.
"""
from __future__ import annotations

import base64
import contextlib
import hashlib
import io
import json
import math
import os
import pathlib
import re
import tempfile
import traceback
import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from prototxt_compiler.errors import CompilerError

from .guard import CaseTimeout, guarded

__all__ = ["In", "Case", "FuzzFailure", "run_case", "to_json", "from_json", "class_key",
           "SECONDS", "MEMORY"]

SECONDS = 20.0  # per case; a sound case takes milliseconds
MEMORY = 3 << 30  # per case, above what the process holds when it starts
PACKAGE = pathlib.Path(__file__).resolve().parents[2] / "prototxt_compiler"
OUTPUTS = ("out.onnx", "out.onnx.data", "gen.prototxt", "out.prototxt", "out.caffemodel")


@dataclass(frozen=True)
class In:
    """The path of file ``name`` in the case's folder."""

    name: str


@dataclass(frozen=True)
class Case:
    entry: str
    files: Mapping[str, bytes] = field(default_factory=dict)
    args: tuple = ()
    kwargs: Mapping[str, Any] = field(default_factory=dict)

    def size(self) -> int:
        return sum(len(v) for v in self.files.values()) + len(to_json(self))


class FuzzFailure(AssertionError):
    """A case whose outcome is neither a result nor a clean CompilerError."""


# -- entry points -------------------------------------------------------------------------------
def _torch_run(module: Any, graph: Any) -> None:
    import torch

    sizes = [math.prod(v.shape) for v in graph.values() if v.shape]
    if not graph.inputs or max(sizes, default=0) > 1_000_000:
        return
    inputs = [torch.zeros(v.shape) for v in graph.inputs]
    with torch.no_grad():
        module(*inputs)


def _call(entry: str, args: tuple, kwargs: dict) -> Any:
    import prototxt_compiler as pc
    from prototxt_compiler import api

    if entry == "load":
        return pc.load(*args, **kwargs)
    if entry == "load_with_weights":
        return api.load_with_weights(*args, **kwargs)
    if entry == "load_torch":
        module = api.load_torch(*args, **kwargs)
        rest = {k: v for k, v in kwargs.items() if k != "fold"}
        graph = api.load_with_weights(*args, **rest, warn=False)
        _torch_run(module, graph)
        return module
    if entry == "to_onnx":
        import onnx

        model = pc.to_onnx(api.load_with_weights(*args, warn=False), **kwargs)
        onnx.checker.check_model(model, full_check=True)
        return model
    if entry == "compile_onnx":
        return api.compile_onnx(*args, **kwargs)
    if entry == "check":
        return pc.check(pc.load(args[0]), *args[1:], **kwargs)
    if entry == "check_file":
        return api.check_file(*args, **kwargs)
    if entry == "generate":
        return api.generate(*args, **kwargs)
    raise ValueError(f"unknown entry {entry!r}")


def _cli(argv: list[str]) -> tuple[int, str]:
    from prototxt_compiler.cli import main

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main(argv)
        except SystemExit as exit_:  # argparse: --help, --version, a usage error
            code = exit_.code if isinstance(exit_.code, int) else 2
    return code, out.getvalue() + err.getvalue()


# -- judging ------------------------------------------------------------------------------------
def _where(error: BaseException) -> str:
    """The last frame of our package the exception passed through (where it escaped)."""
    frames = [f for f in traceback.extract_tb(error.__traceback__)
              if pathlib.Path(f.filename).resolve().is_relative_to(PACKAGE)]
    frame = frames[-1] if frames else traceback.extract_tb(error.__traceback__)[-1]
    try:
        name = pathlib.Path(frame.filename).resolve().relative_to(PACKAGE.parent)
    except ValueError:
        name = pathlib.Path(frame.filename).name
    return f"{name}:{frame.name}"


def _resolve(value: Any, folder: pathlib.Path) -> Any:
    if isinstance(value, In):
        return str(folder / value.name)
    if isinstance(value, list):
        return [_resolve(v, folder) for v in value]
    if isinstance(value, tuple):
        return tuple(_resolve(v, folder) for v in value)
    if isinstance(value, dict):
        return {k: _resolve(v, folder) for k, v in value.items()}
    return value


def run_case(case: Case, *, seconds: float = SECONDS, memory: int = MEMORY) -> str:
    """Runs ``case``; raises FuzzFailure unless the outcome is acceptable, else returns it:
    "result", the CompilerError's class name, or "exit N" for the CLI."""
    with tempfile.TemporaryDirectory(prefix="fuzz-") as tmp:
        folder = pathlib.Path(tmp)
        (folder / "dir").mkdir()  # a path that is a folder
        for name, data in case.files.items():
            (folder / name).write_bytes(data)
        before = sorted(os.listdir(folder))
        args, kwargs = _resolve(case.args, folder), _resolve(dict(case.kwargs), folder)
        problem, failed, outcome = None, True, "result"
        try:
            with guarded(seconds, memory), warnings.catch_warnings():
                warnings.simplefilter("ignore")
                if case.entry == "cli":
                    code, text = _cli(list(args))
                    problem = _judge_cli(code, text, args)
                    failed, outcome = code != 0, f"exit {code}"
                else:
                    _call(case.entry, args, kwargs)
                    failed = False
        except CompilerError as error:
            failed, outcome = True, type(error).__name__
        except CaseTimeout:
            problem = f"Timeout: no result within {seconds:g} s"
        except BaseException as error:  # noqa: BLE001 - every other exception is the finding
            if isinstance(error, KeyboardInterrupt):
                raise
            problem = f"{type(error).__name__} in {_where(error)}: {str(error)[:200]}"
        if problem is None:
            after = sorted(os.listdir(folder))
            new = [n for n in after if n not in before]
            if failed and new:
                problem = f"StrayFile: a failure left {new} behind"
            elif [n for n in new if n not in OUTPUTS]:
                problem = f"StrayFile: a success left {[n for n in new if n not in OUTPUTS]}"
    if problem is not None:
        _save(case, problem)
        raise FuzzFailure(f"{case.entry}: {problem}")
    return outcome


def _judge_cli(code: int, text: str, argv: tuple) -> str | None:
    if code not in (0, 1, 2):
        return f"CliExit{code}: exit code {code}: {text.strip()[-300:]}"
    if "Traceback (most recent call last)" in text and "-v" not in argv:
        return f"CliTraceback: {text.strip()[-300:]}"
    return None


def class_key(entry: str, problem: str) -> str:
    """A file-name-safe key for the class of ``problem``: the exception and the frame it
    escaped from (``IndexError in pkg/file.py:function``), or the kind of finding."""
    kind = problem.split(":", 1)[0]
    if " in " in kind:
        kind = ":".join(problem.split(":", 2)[:2])
    else:
        kind = f"{entry} {kind}"
    return re.sub(r"[^A-Za-z0-9]+", "_", kind).strip("_")[:100]


def _save(case: Case, problem: str) -> None:
    folder = os.environ.get("FUZZ_SAVE_CASES")
    if not folder:
        return
    key = class_key(case.entry, problem)
    path = pathlib.Path(folder) / f"{key}.json"
    if path.exists():
        old = from_json(path.read_text())
        if old.size() <= case.size():
            return
    path.parent.mkdir(parents=True, exist_ok=True)
    record = json.loads(to_json(case))
    record["class"] = problem[:300]
    path.write_text(json.dumps(record, indent=1, sort_keys=True) + "\n")


# -- storage --------------------------------------------------------------------------------------
def _encode(value: Any) -> Any:
    if isinstance(value, In):
        return {"$in": value.name}
    if isinstance(value, bytes):
        return {"$bytes": base64.b64encode(value).decode()}
    if isinstance(value, float) and not math.isfinite(value):
        return {"$float": repr(value)}
    if isinstance(value, tuple):
        return {"$tuple": [_encode(v) for v in value]}
    if isinstance(value, list):
        return [_encode(v) for v in value]
    if isinstance(value, dict):
        if all(isinstance(k, str) and not k.startswith("$") for k in value):
            return {k: _encode(v) for k, v in value.items()}
        return {"$dict": [[_encode(k), _encode(v)] for k, v in value.items()]}
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    return {"$repr": repr(value)}


def _decode(value: Any) -> Any:
    if isinstance(value, list):
        return [_decode(v) for v in value]
    if not isinstance(value, dict):
        return value
    if "$in" in value:
        return In(value["$in"])
    if "$bytes" in value:
        return base64.b64decode(value["$bytes"])
    if "$float" in value:
        return float(value["$float"])
    if "$tuple" in value:
        return tuple(_decode(v) for v in value["$tuple"])
    if "$dict" in value:
        return {_decode(k): _decode(v) for k, v in value["$dict"]}
    if "$repr" in value:
        return value["$repr"]
    return {k: _decode(v) for k, v in value.items()}


def to_json(case: Case) -> str:
    return json.dumps({"entry": case.entry,
                       "files": {k: base64.b64encode(v).decode() for k, v in case.files.items()},
                       "args": _encode(list(case.args)), "kwargs": _encode(dict(case.kwargs))},
                      sort_keys=True)


def from_json(text: str) -> Case:
    data = json.loads(text)
    return Case(entry=data["entry"],
                files={k: base64.b64decode(v) for k, v in data["files"].items()},
                args=tuple(_decode(data["args"])), kwargs=_decode(data["kwargs"]))


def case_id(case: Case) -> str:
    return hashlib.sha1(to_json(case).encode()).hexdigest()[:10]
