"""The spec's squeeze-excitation keys: ``se_reduction`` makes every unit SENet's (the recipe
``bottleneck-se``, which is also the check's template), ``se_form`` says how the excitation
is applied; keys that cannot make a valid net are errors naming the key."""
from __future__ import annotations

import pytest

from prototxt_compiler.ir import Graph
from prototxt_compiler.passes.infer_shapes import infer_shapes
from prototxt_compiler.spec import SpecError, build_resnext, spec_from_mapping

BASE = {"family": "resnext", "units": [1, 1], "cardinality": 4, "bottleneck_width": 2,
        "input": [1, 3, 32, 32]}


def types(graph: Graph) -> list[str]:
    return [n.type for n in graph.nodes]


def test_axpy_units() -> None:
    spec = spec_from_mapping({**BASE, "se_reduction": 16})
    assert spec.title() == "SE-ResNeXt-8 (4x2d)"
    graph = build_resnext(spec)
    infer_shapes(graph)
    assert types(graph).count("Axpy") == 2 and "Eltwise" not in types(graph)
    down = next(n for n in graph.nodes if n.name == "stage2_unit1_se_down")
    assert down.params.num_output == 512 // 16 and down.params.kernel == (1, 1)
    axpy = next(n for n in graph.nodes if n.name == "stage2_unit1_plus")
    assert [v.blob for v in axpy.inputs] == ["stage2_unit1_se_up", "stage2_unit1_conv3",
                                             "stage2_unit1_sc"]


def test_broadcastmul_units() -> None:
    graph = build_resnext(spec_from_mapping({**BASE, "se_reduction": 8, "se_form": "broadcastmul"}))
    infer_shapes(graph)
    assert types(graph).count("Broadcastmul") == 2 and types(graph).count("Eltwise") == 2
    plus = next(n for n in graph.nodes if n.name == "stage1_unit1_plus")
    assert [v.blob for v in plus.inputs] == ["stage1_unit1_sc", "stage1_unit1_se_scale"]


@pytest.mark.parametrize("keys,match", [
    ({"se_reduction": 16, "block": "basic", "family": "resnet", "cardinality": 1},
     "post-activation bottlenecks"),
    ({"se_reduction": 16, "style": "pre-activation"}, "post-activation bottlenecks"),
    ({"se_reduction": 48}, "48 does not divide the first stage's 256 channels"),
    ({"se_reduction": -1}, "expected a positive integer"),
    ({"se_form": "axpy"}, "give se_reduction too"),
    ({"se_reduction": 16, "se_form": "mul"}, "'mul' is not one of axpy, broadcastmul"),
])
def test_refused(keys: dict, match: str) -> None:
    with pytest.raises(SpecError, match=match) as error:
        spec_from_mapping({**BASE, **keys})
    assert "se_" in str(error.value) or "block" in str(error.value)


def test_command_line_flags(tmp_path) -> None:
    """generate's --se-reduction and --se-form give the keys; errors name the flags."""
    from prototxt_compiler.api import check_file
    from tests.conftest import run_cli

    out = tmp_path / "se.prototxt"
    result = run_cli("generate", "--depth", "50", "--se-reduction", "16", "--se-form",
                     "broadcastmul", "-o", str(out))
    assert result.returncode == 0, result.stderr
    report = check_file(out)
    assert report.matches and report.architecture == "SE-ResNeXt-50 (32x4d)"
    assert report.reduction == 16 and "Broadcastmul" in out.read_text()
    for args, message in [(["--se-form", "axpy"], "--se-form: give --se-reduction too"),
                          (["--se-reduction", "7"], "--se-reduction: 7 does not divide"),
                          (["--se-reduction", "0"], "expected a reduction of 1 or more")]:
        result = run_cli("generate", "--depth", "50", *args)
        assert result.returncode == 2 and message in result.stderr, result.stderr
        assert not result.stdout
