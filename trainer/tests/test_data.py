"""Training samples: crops, padding, and batches that depend on (seed, epoch) only."""

from __future__ import annotations

import torch

from trainer.data import IGNORE_INDEX, SegmentationDataset, load_training_set
from trainer.segmentation_job import EpochBatches
from trainer.spec import DatasetSpec, SegmentationHyperparameters

from .synthetic import SyntheticDataset


def _hyperparameters(crop: int) -> SegmentationHyperparameters:
    return SegmentationHyperparameters(
        epochs=2, batch_size=4, learning_rate=0.1, weight_decay=0.0, momentum=0.9, crop_size=crop,
        scale_min=0.5, scale_max=2.0, poly_power=0.9, backbone_lr_multiplier=1.0,
    )  # fmt: skip


def _loader(dataset: SyntheticDataset, workers: int) -> tuple[EpochBatches, torch.utils.data.DataLoader]:
    data = load_training_set(DatasetSpec(dataset.root, dataset.root / "manifest.json"), "train", None)
    batches = EpochBatches(len(data.items), 4, seed=5)
    loader = torch.utils.data.DataLoader(
        SegmentationDataset(data.items, _hyperparameters(48), seed=5),
        batch_sampler=batches,
        num_workers=workers,
        persistent_workers=workers > 0,
    )
    return batches, loader


def _epochs(dataset: SyntheticDataset, workers: int) -> list[list[tuple[torch.Tensor, torch.Tensor]]]:
    batches, loader = _loader(dataset, workers)
    result = []
    for epoch in (0, 1):
        batches.epoch = epoch
        result.append(list(loader))
    return result


def test_batches_depend_on_seed_and_epoch_not_on_workers(dataset: SyntheticDataset) -> None:
    serial, parallel = _epochs(dataset, 0), _epochs(dataset, 2)
    assert len(serial[0]) == 2  # 10 items, batch 4, incomplete batch dropped
    for epoch_a, epoch_b in zip(serial, parallel, strict=True):
        for (image_a, label_a), (image_b, label_b) in zip(epoch_a, epoch_b, strict=True):
            assert torch.equal(image_a, image_b) and torch.equal(label_a, label_b)
    assert not torch.equal(serial[0][0][0], serial[1][0][0])  # another epoch, other samples
    image, label = serial[0][0]
    assert image.shape == (4, 3, 48, 48) and image.dtype == torch.float32
    assert label.shape == (4, 48, 48) and label.dtype == torch.int64


def test_images_smaller_than_the_crop_are_padded_with_ignore(dataset: SyntheticDataset) -> None:
    # Ground truth as the label version: no 255 of its own, so every 255 is padding.
    data = load_training_set(DatasetSpec(dataset.root, dataset.root / "manifest.json"), "train", dataset.root / "gt")
    samples = SegmentationDataset(data.items, _hyperparameters(160), seed=0)
    image, label = samples[(0, 0)]  # 64 px scaled by at most 2: always smaller than 160
    assert image.shape == (3, 160, 160) and label.shape == (160, 160)
    padded = label == IGNORE_INDEX
    assert padded.float().mean() > 0.4
    assert torch.all(image[:, padded] == 0)
