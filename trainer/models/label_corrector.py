"""A2LC's label-correction classifier (spec, "Automatic correction"): C -> 256 -> 128 -> 64 -> C.

The network ends in logits; the softmax of the spec is applied by whoever reads the
confidence (the loss applies it internally), so the ONNX output matches the segmentation model's.
"""

from __future__ import annotations

from itertools import pairwise

import torch
from torch import nn

HIDDEN = (256, 128, 64)


class LabelCorrector(nn.Module):
    def __init__(self, features: int, num_classes: int) -> None:
        super().__init__()
        widths = (features, *HIDDEN)
        layers: list[nn.Module] = []
        for inputs, outputs in pairwise(widths):
            layers += [nn.Linear(inputs, outputs), nn.ReLU(inplace=True)]
        layers.append(nn.Linear(widths[-1], num_classes))
        self.layers = nn.Sequential(*layers)

    def forward(self, features: torch.Tensor) -> torch.Tensor:
        return self.layers(features)
