"""A small synthetic dataset in the project's `alc` layout, made in-process for the tests.

Class 0 is a textured greenish background, class 1 reddish discs, class 2 bluish squares, so the
class is learnable from colour and shape. The pseudo labels are the ground truth corrupted the
way foundation-model labels are: whole objects given the wrong class, spurious blobs, shifted
boundaries and unknown (255) patches. The errors are independent across images, so a model that
generalises beats them: that is what "beats its pseudo labels' noise" measures.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image

CLASSES = [
    {"id": 0, "name": "background", "color": [0, 0, 0]},
    {"id": 1, "name": "disc", "color": [220, 40, 40]},
    {"id": 2, "name": "square", "color": [40, 40, 220]},
]
NUM_CLASSES = len(CLASSES)


@dataclass(frozen=True)
class SyntheticDataset:
    root: Path
    ids: list[str]
    train_ids: list[str]


def _render(rng: np.random.Generator, size: int) -> tuple[np.ndarray, np.ndarray]:
    yy, xx = np.mgrid[0:size, 0:size]
    base = np.array([90, 140, 90]) + rng.integers(-25, 26, size=3)
    image = base + rng.normal(0, 18, size=(size, size, 3))
    label = np.zeros((size, size), dtype=np.uint8)
    for _ in range(int(rng.integers(2, 5))):
        cls = int(rng.integers(1, NUM_CLASSES))
        cy, cx = rng.integers(8, size - 8, size=2)
        r = int(rng.integers(size // 10, size // 4))
        mask = (yy - cy) ** 2 + (xx - cx) ** 2 <= r * r if cls == 1 else (abs(yy - cy) <= r) & (abs(xx - cx) <= r)
        colour = (np.array([200, 50, 50]) if cls == 1 else np.array([50, 60, 200])) + rng.integers(-30, 31, size=3)
        image[mask] = colour + rng.normal(0, 15, size=(int(mask.sum()), 3))
        label[mask] = cls
    return np.clip(image, 0, 255).astype(np.uint8), label


def _corrupt(rng: np.random.Generator, label: np.ndarray) -> np.ndarray:
    size = label.shape[0]
    yy, xx = np.mgrid[0:size, 0:size]
    noisy = label.copy()
    # Whole objects mislabelled: flip each foreground class of this image with probability 0.3.
    for cls in range(1, NUM_CLASSES):
        if rng.random() < 0.3:
            noisy[label == cls] = int(rng.choice([c for c in range(NUM_CLASSES) if c != cls]))
    # Spurious blobs of a random class.
    for _ in range(int(rng.integers(1, 4))):
        cy, cx = rng.integers(0, size, size=2)
        r = int(rng.integers(size // 12, size // 6))
        noisy[(yy - cy) ** 2 + (xx - cx) ** 2 <= r * r] = int(rng.integers(0, NUM_CLASSES))
    # Boundaries shifted by a few pixels.
    noisy = np.roll(noisy, tuple(int(v) for v in rng.integers(-2, 3, size=2)), axis=(0, 1))
    # An unknown patch.
    cy, cx = rng.integers(0, size - 8, size=2)
    noisy[cy : cy + 8, cx : cx + 8] = 255
    return noisy


def _palette_png(label: np.ndarray, path: Path) -> None:
    image = Image.fromarray(label, mode="P")
    palette = [0] * 768
    for entry in CLASSES:
        palette[entry["id"] * 3 : entry["id"] * 3 + 3] = entry["color"]
    image.putpalette(palette)
    image.save(path)


def make_dataset(root: Path, *, images: int = 12, size: int = 64, val: int = 2, seed: int = 0) -> SyntheticDataset:
    """Write images, ground truth, pseudo labels and superpixels plus `manifest.json` under `root`."""
    rng = np.random.default_rng(seed)
    for folder in ("images", "gt", "pseudo", "superpixels"):
        (root / folder).mkdir(parents=True, exist_ok=True)
    items = []
    cells = (np.arange(size)[:, None] // 16) * (size // 16) + np.arange(size)[None, :] // 16 + 1
    for index in range(images):
        item_id = f"syn-{index + 1:06d}"
        image, truth = _render(rng, size)
        Image.fromarray(image, mode="RGB").save(root / "images" / f"{item_id}.png")
        Image.fromarray(truth, mode="L").save(root / "gt" / f"{item_id}.png")
        pseudo = _corrupt(rng, truth)
        if index % 2:  # both label encodings the layout allows
            _palette_png(pseudo, root / "pseudo" / f"{item_id}.png")
        else:
            Image.fromarray(pseudo, mode="L").save(root / "pseudo" / f"{item_id}.png")
        Image.fromarray(cells.astype(np.uint16)).save(root / "superpixels" / f"{item_id}.png")
        items.append(
            {
                "id": item_id,
                "image": f"images/{item_id}.png",
                "pseudoLabel": f"pseudo/{item_id}.png",
                "superpixels": f"superpixels/{item_id}.png",
                "groundTruth": f"gt/{item_id}.png",
                "split": "val" if index >= images - val else "train",
            }
        )
    manifest = {
        "version": 1,
        "name": "pytest-synthetic",
        "classes": CLASSES,
        "items": items,
        "provenance": {
            "importer": "pytest",
            "source": "trainer/tests/synthetic.py",
            "createdAt": "2026-01-01T00:00:00Z",
        },
    }
    (root / "manifest.json").write_text(json.dumps(manifest, indent=2), encoding="utf-8")
    return SyntheticDataset(
        root=root, ids=[i["id"] for i in items], train_ids=[i["id"] for i in items if i["split"] == "train"]
    )


def read_map(path: Path) -> np.ndarray:
    return np.asarray(Image.open(path), dtype=np.uint8)


def mean_iou(truth: np.ndarray, label: np.ndarray, num_classes: int = NUM_CLASSES) -> float:
    """The spec's mIoU: pixels with truth 255 are skipped, a label 255 is a miss."""
    valid = truth != 255
    t, p = truth[valid].astype(np.int64), label[valid].astype(np.int64)
    confusion = np.zeros((num_classes, 256), dtype=np.int64)
    np.add.at(confusion, (t, p), 1)
    ious = []
    for c in range(num_classes):
        union = confusion[c].sum() + confusion[:, c].sum() - confusion[c, c]
        if union:
            ious.append(confusion[c, c] / union)
    return float(np.mean(ious))
