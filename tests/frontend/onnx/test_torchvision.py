"""The torchvision architectures (random weights, BatchNorm statistics calibrated on random
images as training would leave them) exported at opsets 11, 13 and 17, converted, and run
in real Caffe (or, where it is not set up, this project's PyTorch backend) against
onnxruntime on the exported model: every output within 1e-4 x max(1, max |ref|), 1e-3 for
nets of more than 50 layers.

Slow (minutes per architecture) and outside CI: torchvision pairs only with torch 2.14.1 /
torchvision 0.29.1 on these machines, so it lives in its own environment:

    python3 -m venv /work/tv-venv
    /work/tv-venv/bin/pip install torch==2.14.1 torchvision==0.29.1 onnx onnxruntime numpy \\
        protobuf networkx pytest
    /work/tv-venv/bin/pip install -e . --no-deps
    /work/tv-venv/bin/python -m pytest -m slow tests/frontend/onnx/test_torchvision.py
"""
from __future__ import annotations

import functools
import pathlib
import warnings

import pytest

pytestmark = pytest.mark.slow
torch = pytest.importorskip("torch")
torchvision = pytest.importorskip("torchvision", reason="torchvision is not installed "
                                  "(see this module's docstring for its environment)")
pytest.importorskip("onnxruntime")

from prototxt_compiler.to_caffe import from_onnx, save_caffe, verify_caffe  # noqa: E402

ARCHITECTURES = ("resnet18", "resnet50", "resnext50_32x4d", "resnext101_32x8d",
                 "wide_resnet50_2", "vgg16", "alexnet", "squeezenet1_0", "squeezenet1_1",
                 "googlenet", "densenet121", "mobilenet_v2", "mobilenet_v3_small",
                 "mobilenet_v3_large", "shufflenet_v2_x0_5", "shufflenet_v2_x1_0",
                 "mnasnet0_5", "mnasnet1_0", "efficientnet_b0", "efficientnet_v2_s",
                 "regnet_x_400mf", "regnet_y_400mf", "regnet_y_800mf", "inception_v3",
                 "convnext_tiny", "fcn_resnet50", "deeplabv3_resnet50",
                 "deeplabv3_mobilenet_v3_large", "lraspp_mobilenet_v3_large", "vit_b_16",
                 "swin_t")
#: torchvision.models.segmentation's, whose output is the dict entry "out"
SEGMENTATION = {"fcn_resnet50", "deeplabv3_resnet50", "deeplabv3_mobilenet_v3_large",
                "lraspp_mobilenet_v3_large"}
#: the input size each takes (224 where not given); ViT-B/16 built for 112 x 112 (49 patches
#: and its class token: at 224, its attention's products alone are 119 MB a layer, and the
#: net's blobs 10.9 GB, past what a verification runs)
SIZES = {"inception_v3": 299, "vit_b_16": 112}
BUILT_FOR_SIZE = {"vit_b_16"}
FIRST_OPSET = {"vit_b_16": 14}  # torch's MultiheadAttention exports from opset 14


class SegmentationOut(torch.nn.Module):
    """A segmentation model's "out" (its per-pixel class scores, upsampled to the input)."""

    def __init__(self, model: torch.nn.Module) -> None:
        super().__init__()
        self.model = model

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.model(x)["out"]
OPSETS = (11, 13, 17)


def calibrated(name: str, *, seed: int = 0) -> torch.nn.Module:
    """torchvision's ``name`` with random weights; BatchNorm scales and shifts random, its
    running statistics those of a batch of random images (as training leaves them: every
    layer's activations stay of order 1); LayerNorm scales and shifts and ConvNeXt's layer
    scales random too (torchvision starts those at 1e-6, which would leave its blocks out),
    and a classifier torchvision starts at zeros (ViT's); in eval mode."""
    torch.manual_seed(seed)
    if name in SEGMENTATION:
        model = SegmentationOut(getattr(torchvision.models.segmentation, name)(
            weights=None, weights_backbone=None))
    else:
        sized = {"image_size": SIZES[name]} if name in BUILT_FOR_SIZE else {}
        model = getattr(torchvision.models, name)(weights=None, **sized)
    norms = [m for m in model.modules() if isinstance(m, torch.nn.BatchNorm2d)]
    generator = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for sub in model.modules():  # ConvNeXt: LayerNorms and layer scales as trained
            if isinstance(sub, torch.nn.LayerNorm):
                sub.weight.copy_(torch.rand(sub.weight.shape, generator=generator) + 0.5)
                sub.bias.copy_(torch.randn(sub.bias.shape, generator=generator) * 0.1)
            if isinstance(sub, torch.nn.Linear) and not sub.weight.any():  # ViT's head
                sub.weight.copy_(torch.randn(sub.weight.shape, generator=generator) * 0.02)
            scale = getattr(sub, "layer_scale", None)
            if isinstance(scale, torch.nn.Parameter):
                scale.copy_(torch.rand(scale.shape, generator=generator) * 0.4 + 0.1)
        for norm in norms:
            norm.weight.copy_(torch.rand(norm.num_features, generator=generator) + 0.5)
            norm.bias.copy_(torch.randn(norm.num_features, generator=generator) * 0.1)
            norm.momentum = None  # a cumulative average over the calibration batches
            norm.reset_running_stats()
        if norms:
            model.train()
            size = SIZES.get(name, 224)
            model(torch.randn(8, 3, size, size, generator=generator))
    return model.eval()


@functools.lru_cache(maxsize=1)
def model_of(name: str) -> torch.nn.Module:
    return calibrated(name)


@pytest.mark.parametrize("name, opset", [(n, o) for n in ARCHITECTURES for o in OPSETS
                                         if o >= FIRST_OPSET.get(n, 0)])
def test_torchvision_converts_and_equals_onnxruntime(name: str, opset: int,
                                                     tmp_path: pathlib.Path) -> None:
    model = model_of(name)
    size = SIZES.get(name, 224)
    example = torch.randn(1, 3, size, size, generator=torch.Generator().manual_seed(1))
    path = tmp_path / f"{name}.onnx"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(model, (example,), str(path), opset_version=opset,
                          input_names=["input"], output_names=["output"], dynamo=False)
    graph = from_onnx(path)
    save_caffe(graph, tmp_path / "net.prototxt", tmp_path / "net.caffemodel")
    reference, results = verify_caffe(path, graph, tmp_path / "net.prototxt",
                                      tmp_path / "net.caffemodel")
    for r in results:  # shown with -s: the numbers the README quotes
        print(f"\n{name} opset {opset}: {len(graph.nodes)} layers, {reference}: {r.name} "
              f"max |diff| {r.max_diff:.3g} (bound {r.bound:.3g})")
    problems = [f"{r.name}: max |diff| {r.max_diff:.3g} > {r.bound:.3g}" for r in results
                if not r.ok]
    assert problems == [], f"{name} opset {opset} against {reference}"
    assert results and not results[0].constant


def test_vit_in_bvlc_is_refused_naming_its_transpose(tmp_path: pathlib.Path) -> None:
    """At 224 x 224, ViT's patch tokens (channel-major, 768 x 197) meet its attention's
    token-major output at the first residual: the one transpose between them, past what
    BVLC writes (``MAX_MOVED_AXIS``), is refused under its own name, saying which fork
    writes it."""
    from prototxt_compiler.frontend.onnx import UnsupportedNodesError

    path = tmp_path / "vit.onnx"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(torchvision.models.vit_b_16(weights=None).eval(),
                          (torch.randn(1, 3, 224, 224),), str(path),
                          opset_version=17, input_names=["input"], dynamo=False)
    with pytest.raises(UnsupportedNodesError) as error:
        from_onnx(path)
    assert len(error.value.nodes) == 1
    assert "node '/Transpose' (Transpose)" in str(error.value) and "--fork ssd" in str(error.value)
