"""The ONNX export's memory: writing to a file needs no second copy of the weights (it
runs under an address-space cap that a second copy would break, and the in-memory export
under the same cap does break, so the cap means something); one tensor of 2 GiB or more
goes to external data and never becomes a protobuf message (``-m slow``)."""
from __future__ import annotations

import os
import pathlib
import subprocess
import sys
import textwrap

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]

# Builds a net of one InnerProduct (K inputs, N outputs, no bias) whose weight is a
# deterministic pattern made in place, caps the address space at what the process holds
# plus HEADROOM, then exports. Prints what happened.
CHILD = textwrap.dedent("""
    import os, resource, sys
    import numpy as np
    k, n, headroom, out, mode, root = sys.argv[1:]
    k, n, headroom = int(k), int(n), int(headroom)
    sys.path.insert(0, root)
    from prototxt_compiler import load
    from prototxt_compiler.backends.onnx.lower import to_onnx
    from prototxt_compiler.errors import UsageError

    net = out + ".prototxt"
    with open(net, "w") as f:
        f.write('layer { name: "data" type: "Input" top: "data" input_param { shape { '
                'dim: 1 dim: %d } } }\\n'
                'layer { name: "ip" type: "InnerProduct" bottom: "data" top: "ip" '
                'inner_product_param { num_output: %d bias_term: false } }\\n' % (k, n))
    graph = load(net)
    weight = np.empty((n, k), np.float32)
    for row in range(0, n, 1024):  # (row * k + column) % 251, in float32, block by block
        rows = np.arange(row, min(n, row + 1024), dtype=np.int64)[:, None]
        weight[row:row + 1024] = (rows * k + np.arange(k)) % 251
    graph.node("ip").blobs = (weight,)
    with open("/proc/self/status") as status:
        size = next(int(l.split()[1]) for l in status if l.startswith("VmSize:")) * 1024
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    resource.setrlimit(resource.RLIMIT_AS, (size + headroom, hard))
    try:
        if mode == "memory":
            to_onnx(graph)
        else:
            to_onnx(graph, out)
        print("exported")
    except MemoryError:
        print("MemoryError")
    except UsageError as error:
        print("UsageError", error)
    finally:
        resource.setrlimit(resource.RLIMIT_AS, (soft, hard))
    if mode == "file":
        import onnx
        model = onnx.load(out, load_external_data=False)
        [tensor] = model.graph.initializer
        where = {e.key: e.value for e in tensor.external_data}
        data = out + ".data" if where else out
        offset = int(where.get("offset", -1))
        if offset < 0:  # inline: the raw bytes end the file
            offset = os.path.getsize(out) - weight.nbytes
        mapped = np.memmap(data, np.float32, "r", offset=offset, shape=(n, k))
        rows = [0, n // 2, n - 1]
        print("same" if all(np.array_equal(mapped[r], weight[r]) for r in rows) else "differs",
              "external" if where else "inline", os.path.getsize(data))
""")


def _run(tmp_path: pathlib.Path, k: int, n: int, headroom: int, mode: str) -> list[str]:
    done = subprocess.run([sys.executable, "-c", CHILD, str(k), str(n), str(headroom),
                           str(tmp_path / "m.onnx"), mode, str(ROOT)], capture_output=True,
                          text=True, timeout=900)
    assert done.returncode == 0, done.stderr
    return done.stdout.split("\n")


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="/proc and RLIMIT_AS")
def test_writing_needs_no_second_copy_of_the_weights(tmp_path: pathlib.Path) -> None:
    """96 MiB of weights, 48 MiB of headroom: the file is written (inline, the bytes right);
    building the same model in memory needs another 96 MiB and fails under the cap."""
    k, n, headroom = 4096, 6144, 48 << 20
    lines = _run(tmp_path, k, n, headroom, "file")
    assert lines[0] == "exported"
    assert lines[1].split()[:2] == ["same", "inline"]
    assert _run(tmp_path, k, n, headroom, "memory")[0] == "MemoryError"


@pytest.mark.slow
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="/proc and RLIMIT_AS")
def test_one_tensor_past_2_gib_goes_to_external_data_under_a_cap(tmp_path: pathlib.Path) -> None:
    """An InnerProduct 16384 -> 32769 without bias: one weight of 2 GiB + 64 KiB. With 512
    MiB of headroom it is written to MODEL.onnx.data (the model file stays small), and the
    in-memory model is refused, before allocating, as more than a protobuf message holds."""
    k, n, headroom = 16384, 32769, 512 << 20
    lines = _run(tmp_path, k, n, headroom, "file")
    assert lines[0] == "exported"
    same, where, size = lines[1].split()
    assert (same, where, int(size)) == ("same", "external", k * n * 4)
    assert os.path.getsize(tmp_path / "m.onnx") < 4096
    import onnx

    onnx.checker.check_model(str(tmp_path / "m.onnx"), full_check=True)
    refused = _run(tmp_path, k, n, headroom, "memory")[0]
    assert refused.startswith("UsageError") and "more than one protobuf message" in refused
