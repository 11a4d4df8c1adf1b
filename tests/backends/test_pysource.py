"""The generated model.py: every numeric fixture written out, imported from its own file and
run with its saved state_dict, layer by layer against real Caffe's outputs and output by
output against ``load_torch``; the file imports only torch, ruff finds nothing in it, and
torch.export takes it; every graph op has a converter, and an unknown type is named."""
from __future__ import annotations

import ast
import importlib.util
import pathlib
import re
import subprocess
import sys

import numpy as np
import pytest

torch = pytest.importorskip("torch")

import prototxt_compiler as pc  # noqa: E402
from prototxt_compiler.api import load_with_weights, write_atomically  # noqa: E402
from prototxt_compiler.backends.pysource import PYSOURCE, save_state_dict, to_python_source  # noqa: E402
from prototxt_compiler.backends.pysource.names import attribute_names  # noqa: E402
from prototxt_compiler.errors import UnsupportedLayerError, UsageError  # noqa: E402
from prototxt_compiler.ops import OPS  # noqa: E402
from tests.shape_compare import CAFFE_SPLIT  # noqa: E402
from tests.tolerance import mismatch  # noqa: E402

NUMERIC = pathlib.Path(__file__).parents[1] / "fixtures" / "numeric"
CASES = sorted(NUMERIC.glob("*.prototxt"))
EXPORTED = ["net_resnext_seed", "pool_clip", "pool_ave_pad", "spp_pyramid", "eltwise_inplace",
            "bn_scale_inplace", "net_inception"]


def write_module(case: pathlib.Path, folder: pathlib.Path):  # noqa: ANN201
    """The case's model.py and model.pt in ``folder``, imported: (module class, graph)."""
    weights = case.with_suffix(".caffemodel")
    graph = load_with_weights(case, weights if weights.exists() else None, warn=False)
    return write_graph(graph, folder, case.stem, source=case.name), graph


def write_graph(graph, folder: pathlib.Path, stem: str, source: str | None = None):  # noqa: ANN001, ANN201
    """``graph``'s model.py and model.pt in ``folder`` as STEM.py and STEM.pt, imported:
    the module, in eval mode, with the saved state_dict loaded strictly."""
    text = to_python_source(graph, source=source, state_file=f"{stem}.pt")
    path = folder / f"{stem}.py"
    path.write_text(text.text)
    save_state_dict(text.state, folder / f"{stem}.pt", write_atomically)
    spec = importlib.util.spec_from_file_location(f"generated_{stem}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    model = getattr(module, text.class_name)()
    model.load_state_dict(torch.load(folder / f"{stem}.pt"))  # strict: every key
    return model.eval()


def record_layers(model, graph):  # noqa: ANN001, ANN202
    """Forward hooks that keep every layer's every top as ``LAYER:TOP``."""
    record: dict[str, np.ndarray] = {}
    handles = []
    for node in graph.nodes:
        attribute = attribute_names(graph)[node.name]
        tops = [v.blob for v in node.outputs]

        def hook(_m, _args, out, tops=tops, layer=node.name) -> None:  # noqa: ANN001
            outs = out if isinstance(out, tuple) else (out,)
            for top, value in zip(tops, outs):
                record[f"{layer}:{top}"] = value.detach().clone().numpy()
        handles.append(getattr(model, attribute).register_forward_hook(hook))
    return record, handles


@pytest.mark.parametrize("case", CASES, ids=lambda p: p.stem)
def test_every_layer_matches_caffe_and_every_output_load_torch(case, tmp_path) -> None:
    model, graph = write_module(case, tmp_path)
    ref = dict(np.load(case.with_suffix(".npz")))
    inputs = [torch.from_numpy(ref[f"input:{v.blob}"]) for v in graph.inputs]
    record, _ = record_layers(model, graph)
    with torch.no_grad():
        out = model(*inputs)
    problems, compared = [], 0
    for key, expected in ref.items():
        name = key[len("layer:"):]
        if not key.startswith("layer:") or CAFFE_SPLIT.match(name) or name in (
                f"{layer}:{v.blob}" for layer, v in
                ((graph.input_layers.get(v.name), v) for v in graph.inputs)):
            continue
        if name.split(":")[0] in graph.dropped:
            continue
        if name not in record:
            problems.append(f"{name}: not computed")
            continue
        compared += 1
        problems.append(mismatch(record[name], expected, name))
    assert [p for p in problems if p] == []
    assert compared == len(record)  # every layer of ours had its Caffe reference
    reference = pc.load_torch(case, case.with_suffix(".caffemodel")
                              if case.with_suffix(".caffemodel").exists() else None)
    with torch.no_grad():
        theirs = reference(*inputs)
    ours = out if isinstance(out, tuple) else (out,)
    theirs = theirs if isinstance(theirs, tuple) else (theirs,)
    assert len(ours) == len(theirs) == len(graph.outputs)
    for value, a, b in zip(graph.outputs, ours, theirs):
        assert mismatch(a.numpy(), b.numpy(), value.blob) is None


def test_the_files_import_only_torch_and_ruff_finds_nothing(tmp_path) -> None:
    for case in CASES:
        weights = case.with_suffix(".caffemodel")
        graph = load_with_weights(case, weights if weights.exists() else None, warn=False)
        (tmp_path / f"{case.stem}.py").write_text(to_python_source(graph).text)
    for path in sorted(tmp_path.glob("*.py")):
        imported = set()
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                imported |= {a.name.split(".")[0] for a in node.names}
            elif isinstance(node, ast.ImportFrom):
                imported.add((node.module or "").split(".")[0])
        assert imported == {"torch"}, path.name
    # ruff with its defaults and the import order, whatever this project configures
    result = subprocess.run([sys.executable, "-m", "ruff", "check", "--isolated", "--select",
                             "E,F,W,I", "--no-cache", str(tmp_path)],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def assert_no_loose_tensors_and_none_on_the_default_device(model, inputs):  # noqa: ANN001, ANN201
    """Every tensor of ``model`` is a parameter or buffer, and a run under the meta default
    device gives what a plain run gives (nothing made on the default device); returns the
    plain run's outputs as a tuple."""
    loose = [f"{name}.{attr}" for name, sub in model.named_modules()
             for attr, value in vars(sub).items() if isinstance(value, torch.Tensor)]
    assert loose == []
    with torch.inference_mode():
        want = model(*inputs)
        with torch.device("meta"):
            got = model(*inputs)
    want = want if isinstance(want, tuple) else (want,)
    got = got if isinstance(got, tuple) else (got,)
    for a, b in zip(got, want, strict=True):
        torch.testing.assert_close(a, b, rtol=0, atol=0, equal_nan=True)
    return want


@pytest.mark.parametrize("case", CASES, ids=lambda p: p.stem)
def test_the_written_module_runs_on_any_device(case, tmp_path) -> None:
    """model.py's modules hold every tensor as a parameter or buffer and make none on the
    default device (tests/backends/test_torch_device.py's two checks, on the written code)."""
    model, graph = write_module(case, tmp_path)
    ref = dict(np.load(case.with_suffix(".npz")))
    inputs = [torch.from_numpy(ref[f"input:{v.blob}"]) for v in graph.inputs]
    want = assert_no_loose_tensors_and_none_on_the_default_device(model, inputs)
    with torch.inference_mode():
        if case.stem != "filter_select":  # its size is the count of nonzeros: no meta run
            moved = model.to("meta")(*[x.to("meta") for x in inputs])
            moved = moved if isinstance(moved, tuple) else (moved,)
            assert [t.shape for t in moved] == [t.shape for t in want]
            assert {t.device.type for t in moved} == {"meta"}


@pytest.mark.parametrize("stem", EXPORTED)
def test_torch_export_takes_the_module(stem: str, tmp_path) -> None:
    case = NUMERIC / f"{stem}.prototxt"
    model, graph = write_module(case, tmp_path)
    ref = dict(np.load(case.with_suffix(".npz")))
    inputs = tuple(torch.from_numpy(ref[f"input:{v.blob}"]) for v in graph.inputs)
    exported = torch.export.export(model, inputs)
    with torch.no_grad():
        want = model(*inputs)
    got = exported.module()(*inputs)
    want = want if isinstance(want, tuple) else (want,)
    got = got if isinstance(got, tuple) else (got,)
    for a, b, value in zip(got, want, graph.outputs):
        assert mismatch(a.detach().numpy(), b.numpy(), value.blob) is None


@pytest.mark.slow
@pytest.mark.parametrize("case", CASES, ids=lambda p: p.stem)
def test_torch_export_takes_every_fixture(case, tmp_path) -> None:
    model, graph = write_module(case, tmp_path)
    ref = dict(np.load(case.with_suffix(".npz")))
    inputs = tuple(torch.from_numpy(ref[f"input:{v.blob}"]) for v in graph.inputs)
    torch.export.export(model, inputs)


def test_every_graph_op_has_a_converter() -> None:
    # data layers become graph inputs and train-only layers are dropped: no node has them
    graph_ops = {op.type for op in OPS if op.role == "layer"}
    assert graph_ops - set(PYSOURCE.types()) == set()
    assert set(PYSOURCE.types()) - graph_ops == set()


def test_each_converter_lives_in_its_family_module() -> None:
    for op in OPS:
        if op.type in PYSOURCE:
            module = PYSOURCE[op.type].__module__
            assert module == f"prototxt_compiler.backends.pysource.{op.family}", op.type
            assert PYSOURCE[op.type].__name__.startswith("convert_"), op.type


def test_a_type_without_a_converter_is_named(tmp_path) -> None:
    graph = load_with_weights(NUMERIC / "conv_group_dilation.prototxt",
                              NUMERIC / "conv_group_dilation.caffemodel", warn=False)
    graph.nodes[0].type = "Mystery"
    with pytest.raises(UnsupportedLayerError) as caught:
        to_python_source(graph)
    assert f"layer '{graph.nodes[0].name}' has type 'Mystery'" in str(caught.value)
    assert "model.py" in str(caught.value)


def test_every_written_out_definition_fits_88_columns() -> None:
    from prototxt_compiler.backends.pysource import HELPERS

    long = [(name, line) for name in HELPERS.names()
            for line in HELPERS[name].source.splitlines() if len(line) > 88]
    assert long == []


def test_the_class_name_never_shadows_what_the_file_defines(tmp_path) -> None:
    # a net named after a helper the file writes out (PriorBox) or an import (f -> F): the
    # net's class gets 'Net' appended, and the file still runs both
    for name, want in (("PriorBox", "PriorBoxNet"), ("f", "FNet"), ("Scale net", "ScaleNet")):
        path = tmp_path / "net.prototxt"
        path.write_text(f'name: "{name}"\n'
                        'input: "data" input_shape { dim: 1 dim: 3 dim: 8 dim: 8 }\n'
                        'layer { name: "prior" type: "PriorBox" bottom: "data" '
                        'bottom: "data" top: "prior" prior_box_param { min_size: 4 } }\n'
                        'layer { name: "pool" type: "Pooling" bottom: "data" top: "pool" '
                        'pooling_param { pool: MAX kernel_size: 2 stride: 2 } }\n')
        graph = load_with_weights(path, None, warn=False)
        assert to_python_source(graph).class_name == want
        model = write_graph(graph, tmp_path, "net")
        assert type(model).__name__ == want
        pool, prior = model(torch.zeros(1, 3, 8, 8))  # Caffe orders outputs by name
        # 8x8 cells, one prior each (min_size alone), 4 coordinates
        assert prior.shape == (1, 2, 8 * 8 * 1 * 4) and pool.shape == (1, 3, 4, 4)
    # one the user gives is theirs to change: refused, naming it and why
    for given, why in (("PriorBox", "taken in model.py (by a helper"), ("F", "(by an import)"),
                       ("my net", "expected a Python identifier"),
                       ("class", "expected a Python identifier"),
                       ("3d", "expected a Python identifier")):
        with pytest.raises(UsageError, match=re.escape(why)):
            to_python_source(graph, name=given)


def test_model_py_writes_the_torch_backends_box_functions_as_they_stand() -> None:
    # one definition of Caffe's greedy NMS, SSD's priors, decoding and detections,
    # py-faster-rcnn's proposals and ROI pooling: model.py's helpers are backends/torch/boxes.py's functions, their text
    # read from the file, and the backend runs them (its NMS operator wraps caffe_nms)
    import inspect

    from prototxt_compiler.backends.pysource import HELPERS
    from prototxt_compiler.backends.pysource.detection import BOXES_FILE
    from prototxt_compiler.backends.torch import boxes

    assert BOXES_FILE == pathlib.Path(boxes.__file__).resolve()

    def text(*functions) -> str:  # noqa: ANN002
        return "\n\n\n".join(inspect.getsource(f).rstrip("\n") for f in functions)

    assert HELPERS["caffe_nms"].source == text(boxes.box_areas, boxes.box_overlaps,
                                               boxes.caffe_nms)
    assert HELPERS["prior_boxes"].source == text(boxes.prior_boxes)
    assert HELPERS["detections"].source == text(boxes.decode_boxes, boxes.detections)
    assert HELPERS["proposals"].source == text(boxes.proposals)
    assert HELPERS["roi_max_pool"].source == text(boxes.c_round, boxes.roi_bins,
                                                  boxes.roi_max_pool)
    assert sorted(boxes.__all__) == ["box_areas", "box_overlaps", "c_round", "caffe_nms",
                                     "decode_boxes", "detections", "prior_boxes", "proposals",
                                     "roi_bins", "roi_max_pool"]
    corners = torch.tensor([[[0.0, 0.0, 1.0, 1.0], [0.0, 0.0, 1.0, 0.5],
                             [2.0, 2.0, 3.0, 3.0]]])
    valid = torch.ones(1, 3, dtype=torch.bool)
    # IoU 0.5 with the first: kept at 0.5, dropped at 0.4; the third overlaps neither
    assert torch.ops.prototxt_compiler.caffe_nms(corners, valid, 0.5).tolist() == [[True] * 3]
    assert boxes.caffe_nms(corners, valid, 0.4).tolist() == [[True, False, True]]
