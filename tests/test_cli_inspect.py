"""``prototxt-compiler inspect`` as a user runs it: the table, --json, --prototxt (summary
first), exit codes, and errors without tracebacks."""
from __future__ import annotations

import json
import pathlib

from tests.conftest import run_cli

ROOT = pathlib.Path(__file__).resolve().parents[1]
NUMERIC = ROOT / "tests" / "fixtures" / "numeric"
WEIGHTS = NUMERIC / "net_resnext_seed.caffemodel"
NET = NUMERIC / "net_resnext_seed.prototxt"


def test_the_table_lists_each_layer_with_blobs_and_the_totals() -> None:
    result = run_cli("inspect", str(WEIGHTS))
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith(f"{WEIGHTS}: V2 NetParameter 'ResNeXt-11 (4x2d)', 59 layers")
    assert lines[1].split() == ["layer", "type", "blobs", "dtype", "values", "size"]
    # conv0: 16 x 3 x 7 x 7 = 2,352 float32 values, 9,408 bytes
    conv0 = next(line for line in lines if line.split()[0] == "conv0")
    assert conv0.split() == ["conv0", "Convolution", "16x3x7x7", "float32", "2,352", "9.2",
                             "KiB"]
    bn0 = next(line for line in lines if line.split()[0] == "bn0")
    assert bn0.split()[:5] == ["bn0", "BatchNorm", "16,", "16,", "1"]
    assert lines[-1].startswith("total: 39 of 59 layers with blobs, ")


def test_json_gives_every_layer_and_totals_that_add_up() -> None:
    result = run_cli("inspect", str(WEIGHTS), "--json")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["format"] == "V2" and report["name"] == "ResNeXt-11 (4x2d)"
    assert len(report["layers"]) == 59
    blobs = [b for layer in report["layers"] for b in layer["blobs"]]
    assert report["totals"]["blobs"] == len(blobs)
    assert report["totals"]["count"] == sum(b["count"] for b in blobs)
    assert report["totals"]["bytes"] == sum(b["bytes"] for b in blobs)
    conv0 = next(layer for layer in report["layers"] if layer["name"] == "conv0")
    assert conv0["blobs"] == [{"shape": [16, 3, 7, 7], "dtype": "float32", "count": 2352,
                               "bytes": 9408, "packed": True, "legacy_shape": False}]


def test_against_its_own_net_everything_matches() -> None:
    result = run_cli("inspect", str(WEIGHTS), "--prototxt", str(NET))
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == f"against {NET}: 39 of the net's 39 layer(s) with parameters match"
    assert lines[2].split()[-1] == "net"
    assert all(line.split()[-1] == "match" for line in lines[3:-1])


def test_against_another_net_the_summary_comes_first_and_exit_is_1(tmp_path) -> None:
    text = NET.read_text().replace('name: "conv0"', 'name: "conv_stem"')
    net = tmp_path / "changed.prototxt"
    net.write_text(text.replace("num_output: 10", "num_output: 7"))
    result = run_cli("inspect", str(WEIGHTS), "--prototxt", str(net))
    assert result.returncode == 1, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == (f"against {net}: 37 of the net's 39 layer(s) with parameters match; "
                        "1 missing from the weights; 1 differ in shape; 1 layer(s) of the "
                        "weights are not in the net (ignored)")
    assert lines[1] == ("  missing: conv_stem (Convolution): expects 1 blob(s) [[16, 3, 7, 7]]; "
                        "the weights have no layer of that name")
    assert lines[2] == "  differs: fc1 (InnerProduct): expected [[7, 64], [7]], found [[10, 64], [10]]"
    assert lines[3].startswith("  not in the net: conv0 (Convolution): 1 blob(s) [[16, 3, 7, 7]]")
    report = json.loads(run_cli("inspect", str(WEIGHTS), "--prototxt", str(net),
                                "--json").stdout)
    assert report["prototxt"]["fits"] is False
    assert [m["name"] for m in report["prototxt"]["differs"]] == ["fc1"]


def test_a_v1_file_says_so_with_its_stored_types(tmp_path) -> None:
    from tests.frontend.test_caffemodel_info import _v1_file

    result = run_cli("inspect", str(_v1_file(tmp_path)))
    assert result.returncode == 0, result.stderr
    assert ": V1 NetParameter 'old'" in result.stdout.splitlines()[0]
    assert "Convolution (CONVOLUTION)" in result.stdout
    assert "float64" in result.stdout


def test_bad_input_is_one_error_line_and_exit_2(tmp_path) -> None:
    for path in (ROOT / "README.md", tmp_path / "absent.caffemodel"):
        result = run_cli("inspect", str(path))
        assert result.returncode == 2
        assert result.stderr.startswith(f"prototxt-compiler: error: {path}")
        assert "Traceback" not in result.stderr
    result = run_cli("inspect", str(WEIGHTS), "--prototxt", str(ROOT / "README.md"))
    assert result.returncode == 2 and "Traceback" not in result.stderr
