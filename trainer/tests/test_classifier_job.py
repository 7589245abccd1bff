"""The label-correction classifier job: trains on superpixel features, exports, rejects bad arrays."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import onnxruntime
import pytest
import torch

from trainer.classifier_job import inverse_count_weights
from trainer.models.label_corrector import LabelCorrector

from .conftest import JobRun

RunSpec = Callable[[dict[str, Any]], JobRun]
CLASSES = 4


def superpixel_arrays(directory: Path, samples: int = 160, seed: int = 0) -> tuple[Path, Path]:
    """Mean soft labels peaked at the true class, and labels with 10% of them wrong."""
    rng = np.random.default_rng(seed)
    truth = rng.integers(0, CLASSES, size=samples)
    alpha = np.ones((samples, CLASSES))
    alpha[np.arange(samples), truth] = 6.0
    features = np.stack([rng.dirichlet(a) for a in alpha]).astype(np.float32)
    labels = np.where(rng.random(samples) < 0.1, rng.integers(0, CLASSES, size=samples), truth).astype(np.int64)
    labels[:3] = 255  # superpixels without a usable label
    directory.mkdir(parents=True, exist_ok=True)
    np.save(directory / "features.npy", features)
    np.save(directory / "labels.npy", labels)
    return directory / "features.npy", directory / "labels.npy"


def classifier_spec(features: Path, labels: Path, output_dir: Path, **overrides: Any) -> dict[str, Any]:
    spec: dict[str, Any] = {
        "version": 1,
        "kind": "label-correction-classifier",
        "features": str(features),
        "labels": str(labels),
        "numClasses": CLASSES,
        "hyperparameters": {"epochs": 25},
        "seed": 3,
        "outputDir": str(output_dir),
        "device": "cpu",
    }
    spec.update(overrides)
    return spec


def test_classifier_trains_and_exports(tmp_path: Path, run_spec: RunSpec) -> None:
    features, labels = superpixel_arrays(tmp_path / "in")
    run = run_spec(classifier_spec(features, labels, tmp_path / "out"))
    assert run.code == 0, run.events[-1]
    metrics = run.metrics
    assert metrics["samples"] == 157 and metrics["ignoredSamples"] == 3
    assert metrics["stepsPerEpoch"] == 20  # ceil(157 / 8): the A2LC batch size is the default
    assert metrics["epochLosses"][-1] < 0.8 * metrics["epochLosses"][0]
    assert metrics["trainAccuracy"] > 0.8
    assert metrics["classWeightsSource"] == "inverse label counts"
    assert sum(metrics["classWeights"]) == pytest.approx(1.0)
    assert [e["event"] for e in run.events].count("checkpoint") == 25

    model = LabelCorrector(CLASSES, CLASSES)
    model.load_state_dict(torch.load(run.output_dir / "checkpoint.pt", weights_only=True)["model"])
    model.eval()
    session = onnxruntime.InferenceSession(str(run.output_dir / "model.onnx"), providers=["CPUExecutionProvider"])
    for rows in (1, 5, 300):
        x = torch.rand(rows, CLASSES)
        with torch.no_grad():
            expected = model(x).numpy()
        (actual,) = session.run(["logits"], {"features": x.numpy()})
        np.testing.assert_allclose(actual, expected, atol=1e-4, rtol=0)


def test_given_class_weights_are_used(tmp_path: Path, run_spec: RunSpec) -> None:
    features, labels = superpixel_arrays(tmp_path / "in", samples=40)
    np.save(tmp_path / "weights.npy", np.array([0.1, 0.2, 0.3, 0.4], dtype=np.float32))
    spec = classifier_spec(
        features, labels, tmp_path / "out", classWeights=str(tmp_path / "weights.npy"), hyperparameters={"epochs": 2}
    )
    run = run_spec(spec)
    assert run.code == 0, run.events[-1]
    assert run.metrics["classWeightsSource"] == "spec"
    assert run.metrics["classWeights"] == pytest.approx([0.1, 0.2, 0.3, 0.4])


def test_inverse_count_weights() -> None:
    weights = inverse_count_weights(np.array([0, 0, 0, 1, 2, 2]), 4)
    np.testing.assert_allclose(weights, np.array([1 / 3, 1, 1 / 2, 0]) / (1 / 3 + 1 + 1 / 2), rtol=1e-6)


@pytest.mark.parametrize(
    ("mutate", "fragment"),
    [
        (lambda d: np.save(d / "labels.npy", np.array([0, 1, 9] * 10, dtype=np.int64)), "label 9 is out of range"),
        (lambda d: np.save(d / "labels.npy", np.zeros(7, dtype=np.int64)), "7 labels for 30 feature rows"),
        (lambda d: np.save(d / "labels.npy", np.zeros(30, dtype=np.float32)), "spec.labels: expected an int64 array"),
        (lambda d: np.save(d / "features.npy", np.zeros(30, dtype=np.float32)), "spec.features: expected a non-empty"),
        (lambda d: np.save(d / "labels.npy", np.full(30, 255, dtype=np.int64)), "every label is 255"),
        (lambda d: (d / "features.npy").unlink(), "spec.features: file not found"),
        (lambda d: (d / "labels.npy").write_text("not an array"), "is not a readable .npy array"),
    ],
)
def test_bad_arrays_are_bad_input(
    tmp_path: Path, run_spec: RunSpec, mutate: Callable[[Path], Any], fragment: str
) -> None:
    features, labels = superpixel_arrays(tmp_path / "in", samples=30)
    mutate(tmp_path / "in")
    run = run_spec(classifier_spec(features, labels, tmp_path / "out"))
    assert run.code == 2
    assert run.events[-1]["kind"] == "bad-input" and fragment in run.events[-1]["message"], run.events[-1]
