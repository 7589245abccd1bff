"""Architectures: output shapes, feature strides, pretrained-backbone loading."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from trainer.errors import BadInputError
from trainer.models.backbones import build_backbone, load_pretrained
from trainer.models.deeplabv3plus import DeepLabV3Plus, build_model
from trainer.models.label_corrector import LabelCorrector


@pytest.mark.parametrize("output_stride", [8, 16])
def test_tiny_logits_match_the_input_size(output_stride: int) -> None:
    model = build_model("tiny", num_classes=5, output_stride=output_stride).eval()
    with torch.no_grad():
        for shape in [(2, 3, 64, 64), (1, 3, 61, 97), (3, 3, 33, 40)]:
            assert model(torch.randn(*shape)).shape == (shape[0], 5, shape[2], shape[3])


@pytest.fixture(scope="module")
def paper_model() -> DeepLabV3Plus:
    """Built once: a ResNet-101 takes seconds to initialise on 2 cores."""
    torch.manual_seed(0)
    return build_model("paper", num_classes=21, output_stride=16)


@pytest.mark.parametrize("output_stride", [8, 16])
def test_tiny_backbone_strides(output_stride: int) -> None:
    backbone = build_backbone("tiny-resnet", output_stride).eval()
    with torch.no_grad():
        low_level, features = backbone(torch.randn(1, 3, 64, 64))
    assert low_level.shape == (1, backbone.low_level_channels, 16, 16)  # stride 4
    assert features.shape == (1, backbone.out_channels, 64 // output_stride, 64 // output_stride)


def test_paper_model_forward_at_small_size(paper_model: DeepLabV3Plus) -> None:
    # ResNet-101 (42.5M without its fc head) + DeepLabV3+ head: 58.7M, as DeepLabV3Plus-Pytorch's.
    assert 58_000_000 < sum(p.numel() for p in paper_model.parameters()) < 59_500_000
    paper_model.eval()
    with torch.no_grad():
        low_level, features = paper_model.backbone(torch.randn(1, 3, 64, 64))
        assert low_level.shape == (1, 256, 16, 16) and features.shape == (1, 2048, 4, 4)  # strides 4 and 16
        assert paper_model(torch.randn(1, 3, 65, 81)).shape == (1, 21, 65, 81)


def test_paper_model_trains_a_step(paper_model: DeepLabV3Plus) -> None:
    paper_model.train()
    logits = paper_model(torch.randn(2, 3, 48, 48))
    loss = torch.nn.functional.cross_entropy(logits, torch.randint(0, 21, (2, 48, 48)))
    loss.backward()
    assert torch.isfinite(loss)
    assert paper_model.backbone.conv1.weight.grad is not None
    assert paper_model.decoder[-1].weight.grad is not None


def test_label_corrector_is_c_256_128_64_c() -> None:
    model = LabelCorrector(features=6, num_classes=6)
    widths = [(m.in_features, m.out_features) for m in model.modules() if isinstance(m, torch.nn.Linear)]
    assert widths == [(6, 256), (256, 128), (128, 64), (64, 6)]
    assert model(torch.rand(5, 6)).shape == (5, 6)


def test_pretrained_backbone_loads_torchvision_style_files(tmp_path: Path) -> None:
    source = build_backbone("tiny-resnet", 8)
    state = {f"module.{k}": v for k, v in source.state_dict().items()}
    state["module.fc.weight"] = torch.zeros(10, 96)  # an ImageNet head, dropped
    torch.save({"state_dict": state}, tmp_path / "weights.pth")
    target = build_backbone("tiny-resnet", 8)
    load_pretrained(target, tmp_path / "weights.pth")
    for key, value in source.state_dict().items():
        assert torch.equal(target.state_dict()[key], value), key


def test_pretrained_backbone_mismatch_is_bad_input(tmp_path: Path, paper_model: DeepLabV3Plus) -> None:
    torch.save(build_backbone("tiny-resnet", 8).state_dict(), tmp_path / "tiny.pth")
    with pytest.raises(BadInputError, match="does not match the backbone: missing"):
        load_pretrained(paper_model.backbone, tmp_path / "tiny.pth")
    with pytest.raises(BadInputError, match="file not found"):
        load_pretrained(build_backbone("tiny-resnet", 8), tmp_path / "absent.pth")
