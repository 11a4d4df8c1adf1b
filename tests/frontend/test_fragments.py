"""Fragments: nets whose layers read blobs no layer writes (a stage cut out of a bigger net).

The seed's own unit (../shared/corpus/seed_stage1_unit2.prototxt) must load, check and
compile with no flag; its input's channels come from the structure (the Eltwise that sums
it with a 256-channel blob), its batch and spatial sizes stay symbolic. The references:
Caffe's forward of the seed's twin (the corpus' ref/seed_stage1_unit2.npz, with its
Caffe-written .caffemodel), and tests/fixtures/numeric/frag_conv, a Caffe-run twin whose
fragment (the twin without its Input layer) has input channels only its weights tell.
"""
from __future__ import annotations

import pathlib
import re

import numpy as np
import pytest

import prototxt_compiler as pc
from prototxt_compiler.errors import GraphError, LayerError, UsageError
from prototxt_compiler.ir import format_shape
from tests.conftest import run_cli
from tests.tolerance import assert_close

ROOT = pathlib.Path(__file__).resolve().parents[2]
NUMERIC = ROOT / "tests" / "fixtures" / "numeric"


@pytest.fixture
def seed(corpus: pathlib.Path, tmp_path: pathlib.Path) -> pathlib.Path:
    """The seed's unit as a user has it: stage1.prototxt, in a folder of its own."""
    path = tmp_path / "stage1.prototxt"
    path.write_bytes((corpus / "seed_stage1_unit2.prototxt").read_bytes())
    return path


def fragment_of(twin: pathlib.Path, tmp_path: pathlib.Path) -> pathlib.Path:
    """The twin without its Input layer: the fragment Caffe itself cannot run."""
    text = re.sub(r'layer \{ name: "\w+" type: "Input".*\n', "", twin.read_text())
    path = tmp_path / f"{twin.stem}_fragment.prototxt"
    path.write_text(text)
    return path


def test_the_seed_unit_loads_with_symbolic_sizes(seed: pathlib.Path) -> None:
    graph = pc.load(seed)
    [x] = graph.inputs
    assert (x.blob, format_shape(x.shape)) == ("stage1_unit1_plus", "Nx256xHxW")
    assert [format_shape(v.shape) for v in graph.outputs] == ["Nx256xHxW"]
    assert graph.fragment_inputs == {"stage1_unit1_plus": ["stage1_unit2_conv1",
                                                           "stage1_unit2_plus"]}
    assert "'stage1_unit1_plus' is read (by 'stage1_unit2_conv1', 'stage1_unit2_plus') but " \
           "written by no layer: an input of this fragment, Nx256xHxW" in graph.notes
    assert any("C = 256 from layer 'stage1_unit2_plus' (Eltwise)" in n for n in graph.notes)


def test_info_shows_the_symbolic_sizes(seed: pathlib.Path) -> None:
    result = run_cli("info", str(seed))
    assert result.returncode == 0, result.stderr
    rows = {line.split()[0]: line.split() for line in result.stdout.splitlines()[2:-2]}
    # conv1: 1x1, 256 -> 128 channels: 32,768 weights, 32,768 MACs per output position
    assert rows["stage1_unit2_conv1"][-3:] == ["Nx128xHxW", "32,768", "32,768*N*H*W"]
    assert rows["stage1_unit1_plus"][1:2] == ["Input"] and "Nx256xHxW" in rows["stage1_unit1_plus"]
    assert result.stdout.splitlines()[-1] == ("recognised: 1 ResNeXt bottleneck unit: "
                                              "cardinality 32, bottleneck width 4, identity "
                                              "shortcut")


def test_the_seed_command_compiles_with_no_flag(seed: pathlib.Path) -> None:
    onnx = pytest.importorskip("onnx")
    out = seed.parent / "model.onnx"
    result = run_cli("compile", str(seed), "-o", str(out))
    assert result.returncode == 0, result.stderr
    model = onnx.load(out)
    dims = [[d.dim_param or d.dim_value for d in v.type.tensor_type.shape.dim]
            for v in (model.graph.input[0], model.graph.output[0])]
    assert dims == [["N", 256, "H", "W"], ["N", 256, "H", "W"]]
    onnx.shape_inference.infer_shapes(model, strict_mode=True)


def test_the_seed_onnx_equals_caffe_and_runs_at_any_size(seed: pathlib.Path,
                                                         corpus: pathlib.Path) -> None:
    ort = pytest.importorskip("onnxruntime")
    torch = pytest.importorskip("torch")
    weights = corpus / "ref" / "seed_stage1_unit2.caffemodel"
    ref = np.load(corpus / "ref" / "seed_stage1_unit2.npz")
    model, _, _ = pc.api.compile_onnx(seed, None, weights)
    session = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
    x = ref["input:stage1_unit1_plus"]
    [y] = session.run(None, {"stage1_unit1_plus": x})
    assert_close(y, ref["output:stage1_unit2_plus"], "stage1_unit2_relu:stage1_unit2_plus")
    # another batch and spatial size: the same graph, against the PyTorch backend
    other = np.random.default_rng(1).standard_normal((2, 256, 17, 23)).astype(np.float32)
    [y] = session.run(None, {"stage1_unit1_plus": other})
    module = pc.load_torch(seed, weights)
    with torch.inference_mode():
        assert_close(y, module(torch.from_numpy(other)).numpy(), "stage1_unit2_plus at 17x23")


def test_given_shapes_keep_todays_behaviour(seed: pathlib.Path) -> None:
    graph = pc.load(seed, input_shapes={"stage1_unit1_plus": (1, 256, 56, 56)})
    assert [v.shape for v in graph.outputs] == [(1, 256, 56, 56)]
    result = run_cli("compile", str(seed), "-o", str(seed.parent / "m.onnx"),
                     "--input-shape", "stage1_unit1_plus=1,256,56,56", "--static-batch")
    assert result.returncode == 0, result.stderr


def test_channels_come_from_the_weights(tmp_path: pathlib.Path) -> None:
    fragment = fragment_of(NUMERIC / "frag_conv.prototxt", tmp_path)
    weights = NUMERIC / "frag_conv.caffemodel"
    bare = pc.load(fragment)
    assert format_shape(bare.inputs[0].shape) == "NxCxHxW"
    assert format_shape(bare.node("c1").outputs[0].shape) == "Nx8x((H+1)//2)x((W+1)//2)"
    graph = pc.load(fragment, weights=weights)
    assert format_shape(graph.inputs[0].shape) == "Nx6xHxW"  # c1's weight: 8 x 6/2 x 3 x 3
    assert any("C = 6 from the weights of layer 'c1'" in n for n in graph.notes)
    torch = pytest.importorskip("torch")
    ref = np.load(NUMERIC / "frag_conv.npz")
    module = pc.load_torch(fragment, weights)
    record = pc.layer_outputs(module, torch.from_numpy(ref["input:x"]))
    for key in ("c1:c1", "r1:r1", "c2:c2"):
        assert_close(record[key].numpy(), ref[f"layer:{key}"], key)


def test_unknown_channels_that_matter_name_the_blob_and_the_flag(tmp_path: pathlib.Path) -> None:
    fragment = fragment_of(NUMERIC / "frag_conv.prototxt", tmp_path)
    result = run_cli("compile", str(fragment), "-o", str(tmp_path / "m.onnx"))
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "layer 'c1' (Convolution)" in result.stderr
    assert "C of 'x' (NxCxHxW)" in result.stderr
    assert "--input-shape x=N,C,H,W" in result.stderr
    assert not (tmp_path / "m.onnx").exists()


@pytest.mark.parametrize("layer, needs", [
    ('layer { name: "fc" type: "InnerProduct" bottom: "x" top: "fc" '
     'inner_product_param { num_output: 10 } }', "fc"),
    ('layer { name: "r" type: "Reshape" bottom: "x" top: "r" '
     'reshape_param { shape { dim: 0 dim: -1 dim: 4 } } }', "r"),
], ids=["inner-product-K", "reshape"])
def test_a_size_that_cannot_be_known_is_an_error(layer: str, needs: str,
                                                 tmp_path: pathlib.Path) -> None:
    net = tmp_path / "frag.prototxt"
    net.write_text(layer + "\n")
    result = run_cli("compile", str(net), "-o", str(tmp_path / "m.onnx"))
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    assert f"layer '{needs}'" in result.stderr and "--input-shape x=N,C,H,W" in result.stderr


def test_a_two_layer_fragment_does_not_crash(tmp_path: pathlib.Path) -> None:
    net = tmp_path / "frag.prototxt"
    net.write_text('layer { name: "c" type: "Convolution" bottom: "x" top: "c" '
                   'convolution_param { num_output: 4 kernel_size: 3 } }\n'
                   'layer { name: "r" type: "ReLU" bottom: "c" top: "r" }\n')
    graph = pc.load(net)
    assert format_shape(graph.outputs[0].shape) == "Nx4x(H-2)x(W-2)"
    graph = pc.load(net, input_shapes={"x": (1, 3, 8, 8)})
    assert graph.outputs[0].shape == (1, 4, 6, 6)


def test_a_typo_in_a_bottom_is_named(seed: pathlib.Path) -> None:
    text = seed.read_text().replace('bottom: "stage1_unit2_conv1"\n  top: "stage1_unit2_conv2"',
                                    'bottom: "stage1_unit2_cnv1"\n  top: "stage1_unit2_conv2"')
    seed.write_text(text)
    with pytest.raises(GraphError) as info:
        pc.load(seed)
    message = str(info.value)
    assert message.startswith(f"{seed}:43:1: layer 'stage1_unit2_conv2' (Convolution) reads "
                              "'stage1_unit2_cnv1', which no layer writes; did you mean "
                              "'stage1_unit2_conv1' (written by layer 'stage1_unit2_conv1')?")


def test_input_shapes_must_name_inputs(seed: pathlib.Path) -> None:
    with pytest.raises(UsageError, match=r"'stage1_unit1_pls', which is not an input of the net "
                                         r"\(did you mean 'stage1_unit1_plus'\?\)"):
        pc.load(seed, input_shapes={"stage1_unit1_pls": (1, 256, 56, 56)})
    twice = run_cli("info", str(seed), "--input-shape", "stage1_unit1_plus=1,256,56,56",
                    "--input-shape", "stage1_unit1_plus=2,256,56,56")
    assert twice.returncode == 2 and "gives 'stage1_unit1_plus' twice" in twice.stderr


@pytest.mark.parametrize("flag", ["stage1_unit1_plus=2,256,7,9", "stage1_unit1_plus:2x256x7x9",
                                  "stage1_unit1_plus=2x256x7x9", "2,256,7,9", "2x256x7x9"])
def test_input_shape_spellings(flag: str, seed: pathlib.Path) -> None:
    result = run_cli("info", str(seed), "--input-shape", flag, "--json")
    assert result.returncode == 0, result.stderr
    assert '"2x256x7x9"' not in result.stdout and "[\n     2,\n     256,\n     7,\n     9\n" \
        in result.stdout


@pytest.mark.parametrize("shapes, message", [
    ({"x": (1, 2.5, 3)}, "2.5 is not an integer"),
    ({"x": [[1, 2]]}, "is not an integer"),
    ({"x": (1, float("inf"))}, "inf is not an integer"),
    ({"x": "1,3"}, "expected a sequence of positive integers"),
    ({"x": (0, 3)}, "expected positive dimensions"),
    ({"x": (2**40,)}, "expected positive dimensions up to"),
    ({1: (1, 3)}, "is not a blob name"),
    ([("x", (1,))], "must map blob names to shapes"),
], ids=["float", "nested", "inf", "string", "zero", "huge", "int-key", "not-a-mapping"])
def test_bad_input_shapes_are_usage_errors(shapes: object, message: str,
                                           seed: pathlib.Path) -> None:
    with pytest.raises(UsageError, match=re.escape(message)):
        pc.load(seed, input_shapes=shapes)  # type: ignore[arg-type]


def test_a_layer_needing_a_concrete_spatial_size_says_so(tmp_path: pathlib.Path) -> None:
    # a padded pooling clips its last window by the input's size: no rule for a symbolic H
    net = tmp_path / "frag.prototxt"
    net.write_text('layer { name: "p" type: "Pooling" bottom: "x" top: "p" '
                   'pooling_param { pool: MAX kernel_size: 3 stride: 2 pad: 1 } }\n')
    with pytest.raises(LayerError, match=r"layer 'p' \(Pooling\): its shape rule needs a concrete "
                                         r"size where the net leaves H of 'x' \(NxCxHxW\)"):
        pc.load(net)
