"""The project's `alc` dataset layout, read for training: manifest, label maps, augmentation.

All training labels are decoded and checked before the first step, so a bad label value or a
size mismatch fails the job at once as bad input instead of crashing it hours in; the same pass
yields a fingerprint of the exact labels, which goes into the resume hash.

Augmentation draws from a generator seeded by (seed, epoch, item index): with the shuffle order
seeded by (seed, epoch) in `training.epoch_order`, an epoch's batches are a pure function of the
spec, whatever the worker count, and a resumed job sees exactly the batches an uninterrupted one
would have.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
from PIL import Image, UnidentifiedImageError

from .errors import BadInputError
from .spec import DatasetSpec, SegmentationHyperparameters

IGNORE_INDEX = 255
# ImageNet statistics, applied to RGB values scaled to [0, 1]: the ONNX model expects the same.
IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)
LABEL_MODES = ("L", "P")


@dataclass(frozen=True)
class ClassDef:
    id: int
    name: str


@dataclass(frozen=True)
class TrainingItem:
    id: str
    image: Path
    label: Path


@dataclass(frozen=True)
class TrainingSet:
    classes: list[ClassDef]
    items: list[TrainingItem]
    fingerprint: str

    @property
    def num_classes(self) -> int:
        """Logit channels: one per id up to the largest, so a channel index is the class id."""
        return max(c.id for c in self.classes) + 1


def load_training_set(dataset: DatasetSpec, split: str, labels_dir: Path | None) -> TrainingSet:
    """Read the manifest, pick the split's items and validate every label map they train on."""
    manifest = _read_manifest(dataset.manifest)
    base = dataset.manifest.parent
    classes = _classes(manifest.get("classes"), dataset.manifest)
    items = _items(manifest.get("items"), dataset.manifest, base, split, labels_dir)
    if len(items) < 2:
        raise BadInputError(
            f"{dataset.manifest}: the {split} split has {len(items)} item(s); training needs at least 2"
        )
    class_ids = {c.id for c in classes}
    digest = hashlib.sha256()
    labelled = 0
    for item in items:
        width, height = _image_size(item)
        label = read_label(item.label)
        if label.shape != (height, width):
            raise BadInputError(
                f"item {item.id}: label {item.label} is {label.shape[1]}x{label.shape[0]} "
                f"but image {item.image} is {width}x{height}"
            )
        _check_label_values(label, class_ids, item)
        digest.update(item.id.encode("utf-8") + b"\0")
        digest.update(np.ascontiguousarray(label).tobytes())
        labelled += int(np.count_nonzero(label != IGNORE_INDEX))
    if labelled == 0:
        raise BadInputError(f"every label pixel of the {split} split is {IGNORE_INDEX} (ignore): nothing to train on")
    return TrainingSet(classes=classes, items=items, fingerprint=digest.hexdigest())


def _read_manifest(path: Path) -> dict[str, Any]:
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as error:
        raise BadInputError(f"dataset manifest not found: {path}") from error
    except (OSError, json.JSONDecodeError, UnicodeDecodeError) as error:
        raise BadInputError(f"cannot read the dataset manifest {path}: {error}") from error
    if not isinstance(document, dict):
        raise BadInputError(f"{path}: the manifest must be a JSON object")
    return document


def _classes(value: Any, manifest: Path) -> list[ClassDef]:
    if not isinstance(value, list) or not value:
        raise BadInputError(f"{manifest}: classes must be a non-empty array")
    classes: list[ClassDef] = []
    for index, entry in enumerate(value):
        class_id = entry.get("id") if isinstance(entry, dict) else None
        name = entry.get("name") if isinstance(entry, dict) else None
        if isinstance(class_id, bool) or not isinstance(class_id, int) or not 0 <= class_id <= 254:
            raise BadInputError(f"{manifest}: classes[{index}].id must be an integer in 0..254")
        if not isinstance(name, str) or not name:
            raise BadInputError(f"{manifest}: classes[{index}].name must be a non-empty string")
        classes.append(ClassDef(id=class_id, name=name))
    if len({c.id for c in classes}) != len(classes):
        raise BadInputError(f"{manifest}: duplicate class ids")
    return classes


def _items(value: Any, manifest: Path, base: Path, split: str, labels_dir: Path | None) -> list[TrainingItem]:
    if not isinstance(value, list):
        raise BadInputError(f"{manifest}: items must be an array")
    items: list[TrainingItem] = []
    for index, entry in enumerate(value):
        if not isinstance(entry, dict):
            raise BadInputError(f"{manifest}: items[{index}] must be an object")
        if entry.get("split") != split:
            continue
        item_id = entry.get("id")
        if not isinstance(item_id, str) or not item_id or "/" in item_id:
            raise BadInputError(f"{manifest}: items[{index}].id must be a non-empty string without '/'")
        image = _relative(entry.get("image"), base, f"{manifest}: items[{index}].image")
        if labels_dir is None:
            label = _relative(entry.get("pseudoLabel"), base, f"{manifest}: items[{index}].pseudoLabel")
        else:
            label = labels_dir / f"{item_id}.png"
        items.append(TrainingItem(id=item_id, image=image, label=label))
    return items


def _relative(value: Any, base: Path, where: str) -> Path:
    if not isinstance(value, str) or not value or value.startswith("/") or ".." in value.split("/"):
        raise BadInputError(f"{where}: must be a relative path inside the dataset")
    return base / value


def _image_size(item: TrainingItem) -> tuple[int, int]:
    try:
        with Image.open(item.image) as image:
            return image.size
    except FileNotFoundError as error:
        raise BadInputError(f"item {item.id}: image not found: {item.image}") from error
    except (OSError, UnidentifiedImageError) as error:
        raise BadInputError(f"item {item.id}: cannot read image {item.image}: {error}") from error


def read_label(path: Path) -> np.ndarray:
    """Decode an 8-bit grey or palette label map: the value (or palette index) is the class id."""
    try:
        with Image.open(path) as image:
            if image.mode not in LABEL_MODES:
                raise BadInputError(f"label map {path}: expected an 8-bit grey or palette PNG, got mode {image.mode}")
            return np.asarray(image, dtype=np.uint8)
    except FileNotFoundError as error:
        raise BadInputError(f"label map not found: {path}") from error
    except (OSError, UnidentifiedImageError) as error:
        raise BadInputError(f"cannot read label map {path}: {error}") from error


def read_image(path: Path) -> Image.Image:
    with Image.open(path) as image:
        return image.convert("RGB")


def _check_label_values(label: np.ndarray, class_ids: set[int], item: TrainingItem) -> None:
    present = np.flatnonzero(np.bincount(label.ravel(), minlength=256))
    unknown = [int(v) for v in present if v != IGNORE_INDEX and int(v) not in class_ids]
    if unknown:
        raise BadInputError(
            f"item {item.id}: label map {item.label} has value {unknown[0]}, which is neither a class id "
            f"of the manifest ({', '.join(map(str, sorted(class_ids)))}) nor {IGNORE_INDEX} (ignore)"
        )


def normalize(image: Image.Image) -> torch.Tensor:
    """RGB image -> normalised float32 CHW tensor, the ONNX model's input convention."""
    array = np.asarray(image, dtype=np.float32) / 255.0
    array = (array - np.asarray(IMAGENET_MEAN, dtype=np.float32)) / np.asarray(IMAGENET_STD, dtype=np.float32)
    return torch.from_numpy(np.ascontiguousarray(array.transpose(2, 0, 1)))


class SegmentationDataset(torch.utils.data.Dataset[tuple[torch.Tensor, torch.Tensor]]):
    """Training samples: random scale, pad to the crop, random crop, random horizontal flip.

    A sample is addressed by (epoch, index): the epoch travels with the key rather than living in
    the dataset, so persistent loader workers (which hold copies of the dataset) draw the right
    epoch's augmentation. Padding uses 0 in normalised space (the mean colour) and the ignore
    index in the label, as the seed repository does, so padded pixels teach the model nothing.
    """

    def __init__(self, items: list[TrainingItem], hp: SegmentationHyperparameters, seed: int) -> None:
        self._items = items
        self._hp = hp
        self._seed = seed

    def __len__(self) -> int:
        return len(self._items)

    def __getitem__(self, key: tuple[int, int]) -> tuple[torch.Tensor, torch.Tensor]:
        epoch, index = key
        item = self._items[index]
        rng = np.random.default_rng([self._seed, epoch, index])
        image = read_image(item.image)
        label = Image.fromarray(read_label(item.label))
        scale = rng.uniform(self._hp.scale_min, self._hp.scale_max)
        size = (max(1, round(image.width * scale)), max(1, round(image.height * scale)))
        image = image.resize(size, Image.Resampling.BILINEAR)
        label = label.resize(size, Image.Resampling.NEAREST)
        pixels = normalize(image)
        target = torch.from_numpy(np.asarray(label, dtype=np.int64).copy())
        crop = self._hp.crop_size
        pad_h, pad_w = max(0, crop - size[1]), max(0, crop - size[0])
        if pad_h or pad_w:
            pixels = torch.nn.functional.pad(pixels, (0, pad_w, 0, pad_h), value=0.0)
            target = torch.nn.functional.pad(target, (0, pad_w, 0, pad_h), value=IGNORE_INDEX)
        top = int(rng.integers(0, pixels.shape[1] - crop + 1))
        left = int(rng.integers(0, pixels.shape[2] - crop + 1))
        pixels = pixels[:, top : top + crop, left : left + crop]
        target = target[top : top + crop, left : left + crop]
        if rng.random() < 0.5:
            pixels, target = pixels.flip(-1), target.flip(-1)
        return pixels.contiguous(), target.contiguous()
