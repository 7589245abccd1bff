"""Backbones for DeepLabV3+, written here because torchvision cannot be installed beside torch.

Each backbone returns the low-level features (stride 4) for the decoder and the high-level
features (stride 8 or 16, reached by replacing the last strides with dilation) for ASPP.

`ResNet` keeps torchvision's parameter names (`conv1`, `bn1`, `layer1.0.conv1`, ...) so that a
locally stored torchvision or DeepLabV3Plus-Pytorch ResNet-101 state dict loads as the
pretrained backbone without renaming.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import torch
from torch import nn

from ..errors import BadInputError


class Features(nn.Module):
    """Common interface: `low_level_channels`, `out_channels`, forward -> (low_level, out)."""

    low_level_channels: int
    out_channels: int


class Bottleneck(nn.Module):
    """ResNet v1.5 bottleneck (stride on the 3x3 conv), as torchvision's."""

    expansion = 4

    def __init__(self, inplanes: int, planes: int, stride: int, dilation: int, downsample: nn.Module | None) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(inplanes, planes, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(planes)
        self.conv2 = nn.Conv2d(planes, planes, 3, stride=stride, padding=dilation, dilation=dilation, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)
        self.conv3 = nn.Conv2d(planes, planes * self.expansion, 1, bias=False)
        self.bn3 = nn.BatchNorm2d(planes * self.expansion)
        self.relu = nn.ReLU(inplace=True)
        self.downsample = downsample

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        identity = x if self.downsample is None else self.downsample(x)
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.relu(self.bn2(self.conv2(out)))
        out = self.bn3(self.conv3(out))
        return self.relu(out + identity)


class ResNet(Features):
    """ResNet with bottlenecks (ResNet-101: blocks 3, 4, 23, 3); no classifier head."""

    def __init__(self, blocks: tuple[int, int, int, int], output_stride: int) -> None:
        super().__init__()
        # Output stride 16 dilates layer4 instead of striding it; 8 dilates layer3 and layer4.
        dilate = {16: (False, False, True), 8: (False, True, True)}[output_stride]
        self._inplanes = 64
        self._dilation = 1
        self.conv1 = nn.Conv2d(3, 64, 7, stride=2, padding=3, bias=False)
        self.bn1 = nn.BatchNorm2d(64)
        self.relu = nn.ReLU(inplace=True)
        self.maxpool = nn.MaxPool2d(3, stride=2, padding=1)
        self.layer1 = self._layer(64, blocks[0], stride=1, dilate=False)
        self.layer2 = self._layer(128, blocks[1], stride=2, dilate=dilate[0])
        self.layer3 = self._layer(256, blocks[2], stride=2, dilate=dilate[1])
        self.layer4 = self._layer(512, blocks[3], stride=2, dilate=dilate[2])
        self.low_level_channels = 64 * Bottleneck.expansion
        self.out_channels = 512 * Bottleneck.expansion
        init_weights(self)
        # Zero-init of each residual branch's last BN, as torchvision's `zero_init_residual`:
        # a freshly initialised deep ResNet then starts close to the identity and trains stably.
        for module in self.modules():
            if isinstance(module, Bottleneck):
                nn.init.zeros_(module.bn3.weight)

    def _layer(self, planes: int, count: int, stride: int, dilate: bool) -> nn.Sequential:
        previous_dilation = self._dilation
        if dilate:
            self._dilation *= stride
            stride = 1
        downsample = None
        if stride != 1 or self._inplanes != planes * Bottleneck.expansion:
            downsample = nn.Sequential(
                nn.Conv2d(self._inplanes, planes * Bottleneck.expansion, 1, stride=stride, bias=False),
                nn.BatchNorm2d(planes * Bottleneck.expansion),
            )
        layers = [Bottleneck(self._inplanes, planes, stride, previous_dilation, downsample)]
        self._inplanes = planes * Bottleneck.expansion
        layers += [Bottleneck(self._inplanes, planes, 1, self._dilation, None) for _ in range(1, count)]
        return nn.Sequential(*layers)

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        x = self.maxpool(self.relu(self.bn1(self.conv1(x))))
        low_level = self.layer1(x)
        out = self.layer4(self.layer3(self.layer2(low_level)))
        return low_level, out


class BasicBlock(nn.Module):
    """Two 3x3 convs with a residual connection: cheap enough for a CPU."""

    def __init__(self, inplanes: int, planes: int, stride: int, dilation: int) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(inplanes, planes, 3, stride=stride, padding=dilation, dilation=dilation, bias=False)
        self.bn1 = nn.BatchNorm2d(planes)
        self.conv2 = nn.Conv2d(planes, planes, 3, padding=dilation, dilation=dilation, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)
        self.relu = nn.ReLU(inplace=True)
        self.downsample: nn.Module | None = None
        if stride != 1 or inplanes != planes:
            self.downsample = nn.Sequential(
                nn.Conv2d(inplanes, planes, 1, stride=stride, bias=False), nn.BatchNorm2d(planes)
            )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        identity = x if self.downsample is None else self.downsample(x)
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        return self.relu(out + identity)


class TinyResNet(Features):
    """A narrow four-stage ResNet (one basic block per stage) for CPU training on small images.

    Strides 2-2-2-2 give the stride-4 low-level features after the second stage; the last stage
    is dilated instead of strided for output stride 8, as ResNet's layer4 is for stride 16.
    """

    widths = (16, 24, 48, 96)

    def __init__(self, output_stride: int) -> None:
        super().__init__()
        w = self.widths
        last_stride, last_dilation = (1, 2) if output_stride == 8 else (2, 1)
        self.stem = nn.Sequential(
            nn.Conv2d(3, w[0], 3, stride=2, padding=1, bias=False), nn.BatchNorm2d(w[0]), nn.ReLU(inplace=True)
        )
        self.layer1 = BasicBlock(w[0], w[1], stride=2, dilation=1)
        self.layer2 = BasicBlock(w[1], w[2], stride=2, dilation=1)
        self.layer3 = BasicBlock(w[2], w[3], stride=last_stride, dilation=last_dilation)
        self.low_level_channels = w[1]
        self.out_channels = w[3]
        init_weights(self)

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        low_level = self.layer1(self.stem(x))
        return low_level, self.layer3(self.layer2(low_level))


def init_weights(module: nn.Module) -> None:
    """He init for convs and unit BN, as torchvision and the seed repository initialise."""
    for m in module.modules():
        if isinstance(m, nn.Conv2d):
            nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")
        elif isinstance(m, nn.BatchNorm2d):
            nn.init.ones_(m.weight)
            nn.init.zeros_(m.bias)


def build_backbone(name: str, output_stride: int) -> Features:
    if name == "resnet101":
        return ResNet((3, 4, 23, 3), output_stride)
    if name == "tiny-resnet":
        return TinyResNet(output_stride)
    raise ValueError(f"unknown backbone {name}")


def load_pretrained(backbone: nn.Module, path: Path) -> None:
    """Load local backbone weights; never downloads.

    Accepts a bare state dict or one wrapped in `state_dict`, `model` or `model_state` (so a
    torchvision file, a DeepLabV3Plus-Pytorch checkpoint or this trainer's own checkpoint), with
    or without a `module.` prefix; from a whole segmentation model only the `backbone.` keys are
    taken. An ImageNet classifier head (`fc.*`) is dropped; any other missing or unexpected key is
    bad input, since a silently partial load would train from noise.
    """
    try:
        loaded = torch.load(path, map_location="cpu", weights_only=True)
    except FileNotFoundError as error:
        raise BadInputError(f"model.pretrainedBackbone: file not found: {path}") from error
    except Exception as error:  # torch raises several unrelated types for a corrupt file
        raise BadInputError(f"model.pretrainedBackbone: cannot load {path}: {error}") from error
    state = _unwrap(loaded)
    if state is None:
        raise BadInputError(f"model.pretrainedBackbone: {path} holds no state dict")
    state = {k.removeprefix("module."): v for k, v in state.items()}
    if any(k.startswith("backbone.") for k in state):  # a whole segmentation model: take its backbone
        state = {k.removeprefix("backbone."): v for k, v in state.items() if k.startswith("backbone.")}
    state = {k: v for k, v in state.items() if not k.startswith("fc.")}
    expected = backbone.state_dict()
    missing = sorted(set(expected) - set(state))
    unexpected = sorted(set(state) - set(expected))
    if missing or unexpected:
        detail = f"missing {missing[:3]}" if missing else f"unexpected {unexpected[:3]}"
        raise BadInputError(f"model.pretrainedBackbone: {path} does not match the backbone: {detail}")
    for key, value in state.items():
        if value.shape != expected[key].shape:
            raise BadInputError(
                f"model.pretrainedBackbone: {path}: {key} has shape {tuple(value.shape)}, "
                f"expected {tuple(expected[key].shape)}"
            )
    backbone.load_state_dict(state)


def _unwrap(loaded: object) -> dict[str, torch.Tensor] | None:
    if isinstance(loaded, Mapping):
        for key in ("state_dict", "model", "model_state"):
            if isinstance(loaded.get(key), Mapping):
                return _unwrap(loaded[key])
        if all(isinstance(k, str) and isinstance(v, torch.Tensor) for k, v in loaded.items()):
            return dict(loaded)
    return None
