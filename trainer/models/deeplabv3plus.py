"""DeepLabV3+ (Chen et al., 2018), laid out as DeepLabV3Plus-Pytorch's `DeepLabHeadV3Plus`.

ASPP (a 1x1 conv, three atrous 3x3 convs, image pooling) on the high-level features; the decoder
upsamples it to stride 4, concatenates the projected low-level features, refines with a 3x3 conv
and classifies; the logits are upsampled bilinearly to the input size. Every resize takes its
target size from a tensor's shape, so the exported ONNX graph accepts any height and width.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

from .backbones import Features, build_backbone, init_weights


@dataclass(frozen=True)
class ArchConfig:
    """Width and receptive field of one named model config."""

    backbone: str
    aspp_channels: int
    low_level_projection: int
    decoder_channels: int
    # Atrous rates per output stride: doubling the resolution doubles the rates, as in the paper.
    atrous_rates: dict[int, tuple[int, int, int]]


ARCH_CONFIGS: dict[str, ArchConfig] = {
    "paper": ArchConfig("resnet101", 256, 48, 256, {16: (6, 12, 18), 8: (12, 24, 36)}),
    # Small images (~64-96 px) leave an 8-12 px feature map at stride 8: rates beyond that would
    # only ever see padding, hence 2-4-6.
    "tiny": ArchConfig("tiny-resnet", 64, 16, 64, {16: (1, 2, 3), 8: (2, 4, 6)}),
}


def _conv_bn_relu(inputs: int, outputs: int, kernel: int, dilation: int = 1) -> nn.Sequential:
    padding = 0 if kernel == 1 else dilation
    return nn.Sequential(
        nn.Conv2d(inputs, outputs, kernel, padding=padding, dilation=dilation, bias=False),
        nn.BatchNorm2d(outputs),
        nn.ReLU(inplace=True),
    )


class ASPPPooling(nn.Module):
    """Image-level features: global average, 1x1 conv, broadcast back to the feature size."""

    def __init__(self, inputs: int, outputs: int) -> None:
        super().__init__()
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.conv = _conv_bn_relu(inputs, outputs, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.interpolate(self.conv(self.pool(x)), size=x.shape[-2:], mode="bilinear", align_corners=False)


class ASPP(nn.Module):
    def __init__(self, inputs: int, channels: int, rates: tuple[int, int, int]) -> None:
        super().__init__()
        branches: list[nn.Module] = [_conv_bn_relu(inputs, channels, 1)]
        branches += [_conv_bn_relu(inputs, channels, 3, dilation=rate) for rate in rates]
        branches.append(ASPPPooling(inputs, channels))
        self.branches = nn.ModuleList(branches)
        self.project = nn.Sequential(_conv_bn_relu(len(branches) * channels, channels, 1), nn.Dropout(0.1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.project(torch.cat([branch(x) for branch in self.branches], dim=1))


class DeepLabV3Plus(nn.Module):
    def __init__(self, backbone: Features, arch: ArchConfig, num_classes: int, output_stride: int) -> None:
        super().__init__()
        self.backbone = backbone
        self.aspp = ASPP(backbone.out_channels, arch.aspp_channels, arch.atrous_rates[output_stride])
        self.low_level = _conv_bn_relu(backbone.low_level_channels, arch.low_level_projection, 1)
        self.decoder = nn.Sequential(
            _conv_bn_relu(arch.aspp_channels + arch.low_level_projection, arch.decoder_channels, 3),
            nn.Conv2d(arch.decoder_channels, num_classes, 1),
        )
        for head in (self.aspp, self.low_level, self.decoder):
            init_weights(head)

    def forward(self, image: torch.Tensor) -> torch.Tensor:
        low_level, features = self.backbone(image)
        low_level = self.low_level(low_level)
        context = F.interpolate(self.aspp(features), size=low_level.shape[-2:], mode="bilinear", align_corners=False)
        logits = self.decoder(torch.cat([context, low_level], dim=1))
        return F.interpolate(logits, size=image.shape[-2:], mode="bilinear", align_corners=False)


def build_model(config: str, num_classes: int, output_stride: int) -> DeepLabV3Plus:
    """Construct a named config; weights are random (seeded by the caller) until loaded."""
    arch = ARCH_CONFIGS[config]
    return DeepLabV3Plus(build_backbone(arch.backbone, output_stride), arch, num_classes, output_stride)
