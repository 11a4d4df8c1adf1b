"""Layer types from outside the package: a plugin installed as a distribution with an entry
point (a folder on sys.path with its .dist-info, as pip would leave it), found by
importlib.metadata, and one given with --plugin. Each runs in a fresh interpreter, so the
registries of this test process stay the package's own."""
from __future__ import annotations

import json
import pathlib
import subprocess
import sys
import textwrap

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]

PLUGIN = '''
"""A plugin layer: TinyScale multiplies by `factor` and repeats the channels `repeats` times."""
from dataclasses import dataclass

import numpy as np

from prototxt_compiler.plugins import register_layer, register_param

register_param("tiny_scale_param", fields={"factor": ("float", 2.0), "repeats": ("int32", 1)},
               fork="tiny", number=9001)


@dataclass(frozen=True)
class TinyParams:
    factor: float = 2.0
    repeats: int = 1


def read(layer):
    p = layer.tiny_scale_param
    return TinyParams(factor=p.factor, repeats=p.repeats)


def infer(p, bottoms, num_tops):
    n, c, *rest = bottoms[0]
    return [(n, c * p.repeats, *rest)]


def to_torch(node, blobs):
    import torch

    class Tiny(torch.nn.Module):
        def forward(self, x):
            return torch.cat([x * node.params.factor] * node.params.repeats, dim=1)

    return Tiny()


def to_onnx(node, blobs, emit):
    scaled = emit.op("Mul", [emit.input(0), emit.const("factor", node.params.factor,
                                                       np.float32)])[0]
    emit.op("Concat", [scaled] * node.params.repeats, [emit.output(0)], axis=1)


register_layer("TinyScale", read=read, infer=infer, param="tiny_scale_param",
               torch=to_torch, onnx=to_onnx)
'''

PYTHON_LAYER = '''
"""A Python layer's twin: `mymod.Double`, whose param_str says by how much."""
from dataclasses import dataclass

from prototxt_compiler.plugins import register_layer


@dataclass(frozen=True)
class DoubleParams:
    k: float


def read(layer):
    return DoubleParams(k=float(layer.python_param.param_str.split(":")[1]))


def write(p, q, bottoms):
    q.module, q.layer, q.param_str = "mymod", "Double", f"'k': {p.k:g}"


def to_torch(node, blobs):
    import torch

    class Times(torch.nn.Module):
        def forward(self, x):
            return x * node.params.k

    return Times()


register_layer("Python:mymod.Double", read=read, infer=lambda p, b, n: [b[0]],
               param="python_param", write=write, torch=to_torch)
'''

NET = '''
layer { name: "data" type: "Input" top: "data" input_param { shape { dim: 2 dim: 3 dim: 4 dim: 5 } } }
layer { name: "tiny" type: "TinyScale" bottom: "data" top: "tiny"
  tiny_scale_param { factor: 3 repeats: 2 } }
'''


@pytest.fixture
def site(tmp_path: pathlib.Path) -> pathlib.Path:
    """A folder holding the installed plugin distribution `tinyplug` (entry point) and the
    plain modules `mymod` and `other_plugin` (for --plugin)."""
    (tmp_path / "tinyplug.py").write_text(PLUGIN)
    info = tmp_path / "tinyplug-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: tinyplug\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text("[prototxt_compiler.layers]\ntiny = tinyplug\n")
    (tmp_path / "mymod.py").write_text(PYTHON_LAYER)
    (tmp_path / "net.prototxt").write_text(NET)
    return tmp_path


def run_in(site: pathlib.Path, code: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True,
                          text=True, cwd=ROOT, env={"PYTHONPATH": f"{site}:{ROOT}",
                                                    "PATH": "/usr/bin:/bin"})


def test_a_plugin_layer_goes_through_every_stage(site: pathlib.Path) -> None:
    pytest.importorskip("torch")
    pytest.importorskip("onnxruntime")
    result = run_in(site, f'''
        import json, numpy as np, torch, onnxruntime as ort
        import prototxt_compiler as pc
        from prototxt_compiler.proto import caffe_pb2

        graph = pc.load("{site}/net.prototxt")            # the entry point loads the plugin
        out = {{"shape": list(graph.outputs[0].shape)}}
        x = np.random.default_rng(0).standard_normal((2, 3, 4, 5)).astype(np.float32)
        want = np.concatenate([x * 3] * 2, axis=1)          # factor 3, repeated twice
        module = pc.to_torch(graph)
        out["torch"] = float(np.abs(module(torch.from_numpy(x)).detach().numpy() - want).max())
        session = ort.InferenceSession(pc.to_onnx(graph).SerializeToString())
        out["onnx"] = float(np.abs(session.run(None, {{"data": x}})[0] - want).max())
        text = pc.to_prototxt(graph)
        out["text"] = text
        open("{site}/again.prototxt", "w").write(text)
        out["roundtrip"] = str(pc.load("{site}/again.prototxt")) == str(graph)

        # the binary form of the plugin's fork: its field under its own number, 9001
        def varint(n):
            out = b""
            while True:
                out += bytes([(n & 0x7F) | (0x80 if n > 0x7F else 0)])
                n >>= 7
                if not n:
                    return out

        def field(number, payload):  # a length-delimited field
            return varint(number << 3 | 2) + varint(len(payload)) + payload

        data = caffe_pb2.LayerParameter(name="data", type="Input", top=["data"])
        data.input_param.shape.add(dim=[2, 3, 4, 5])
        tiny = caffe_pb2.LayerParameter(name="tiny", type="TinyScale", bottom=["data"],
                                        top=["tiny"])
        payload = bytes([0x0d]) + np.float32(3).tobytes() + bytes([0x10, 2])  # factor, repeats
        layers = [data.SerializeToString(), tiny.SerializeToString() + field(9001, payload)]
        open("{site}/net.bin", "wb").write(b"".join(field(100, raw) for raw in layers))
        binary = pc.load("{site}/net.bin", fork="tiny")
        out["binary"] = str(binary.node("tiny").params)
        try:
            pc.load("{site}/net.bin")
        except pc.CompilerError as error:
            out["no_fork"] = str(error)
        print(json.dumps(out))
        ''')
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout)
    assert out["shape"] == [2, 6, 4, 5]
    assert out["torch"] < 1e-6 and out["onnx"] < 1e-6
    assert "  tiny_scale_param {\n    factor: 3.0\n    repeats: 2\n  }\n" in out["text"]
    assert out["roundtrip"] is True
    assert out["binary"] == "TinyParams(factor=3.0, repeats=2)"
    assert "field number(s) 9001 (tiny_scale_param)" in out["no_fork"]
    assert "give --fork tiny" in out["no_fork"]


def test_a_python_layer_resolves_by_its_module_and_class(site: pathlib.Path) -> None:
    pytest.importorskip("torch")
    net = site / "python.prototxt"
    net.write_text('layer { name: "data" type: "Input" top: "data" input_param { shape { dim: 1 '
                   'dim: 2 } } }\nlayer { name: "d" type: "Python" bottom: "data" top: "d" '
                   'python_param { module: "mymod" layer: "Double" param_str: "\'k\': 2.5" } }\n')
    result = run_in(site, f'''
        import numpy as np, torch, prototxt_compiler as pc
        from prototxt_compiler.plugins import load_plugins
        load_plugins(["mymod"])
        graph = pc.load("{net}")
        y = pc.to_torch(graph)(torch.ones(1, 2))
        print(graph.node("d").type, float(y[0, 0]))
        print(pc.to_prototxt(graph).split("layer {{")[2])
        ''')
    assert result.returncode == 0, result.stderr
    first, *text = result.stdout.splitlines()
    assert first == "Python:mymod.Double 2.5"
    assert '  type: "Python"' in text and '    module: "mymod"' in text
    unregistered = run_in(site, f'''
        import prototxt_compiler as pc
        try:
            pc.load("{net}")
        except pc.CompilerError as error:
            print(error)
        ''')
    assert "layer 'd' has type 'Python' (python_param module 'mymod', layer 'Double'), which " \
           "no plugin registers" in unregistered.stdout


def test_the_plugin_flag_on_the_command_line(site: pathlib.Path) -> None:
    net = site / "python.prototxt"
    net.write_text('layer { name: "data" type: "Input" top: "data" input_param { shape { dim: 1 '
                   'dim: 2 } } }\nlayer { name: "d" type: "Python" bottom: "data" top: "d" '
                   'python_param { module: "mymod" layer: "Double" param_str: "\'k\': 2" } }\n')
    ok = run_in(site, f'''
        import sys
        from prototxt_compiler.cli import main
        sys.exit(main(["info", "{net}", "--plugin", "mymod"]))
        ''')
    assert ok.returncode == 0, ok.stderr
    assert "Python:mymod.Double" in ok.stdout
    missing = run_in(site, f'''
        import sys
        from prototxt_compiler.cli import main
        sys.exit(main(["info", "{net}", "--plugin", "no_such_plugin"]))
        ''')
    assert missing.returncode == 2 and "--plugin no_such_plugin: cannot import it" in \
        missing.stderr and "Traceback" not in missing.stderr
