"""`kind: "label-correction-classifier"`: A2LC's superpixel label corrector, trained and exported.

Inputs are the engine's arrays: one feature row per answered superpixel (the mean soft label
over it, so F = C) and its label. Rows labelled 255 (no usable label) are left out of training.
"""

from __future__ import annotations

import hashlib
import logging
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F

from .errors import BadInputError
from .export import export_onnx
from .models.label_corrector import HIDDEN, LabelCorrector
from .progress import Progress
from .spec import ClassifierSpec
from .training import (
    StepCallback,
    configure_determinism,
    epoch_order,
    run_training,
    select_device,
    spec_hash,
    write_json_atomic,
)

INPUT_NAME = "features"
OUTPUT_NAME = "logits"
IGNORE_LABEL = 255
log = logging.getLogger(__name__)


def _load_array(path: Path, field: str) -> np.ndarray:
    try:
        return np.load(path, allow_pickle=False)
    except FileNotFoundError as error:
        raise BadInputError(f"spec.{field}: file not found: {path}") from error
    except (OSError, ValueError) as error:
        raise BadInputError(f"spec.{field}: {path} is not a readable .npy array: {error}") from error


def load_arrays(spec: ClassifierSpec) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """Features (N x F float32), labels (N int64), optional class weights (C float32), all checked."""
    features = _load_array(spec.features, "features")
    labels = _load_array(spec.labels, "labels")
    if features.ndim != 2 or not np.issubdtype(features.dtype, np.floating) or features.shape[0] == 0:
        raise BadInputError(
            f"spec.features: expected a non-empty float32 array N x F, got {features.dtype} {features.shape}"
        )
    if not np.isfinite(features).all():
        raise BadInputError("spec.features: contains NaN or infinite values")
    if labels.ndim != 1 or not np.issubdtype(labels.dtype, np.integer):
        raise BadInputError(f"spec.labels: expected an int64 array of N labels, got {labels.dtype} {labels.shape}")
    if labels.shape[0] != features.shape[0]:
        raise BadInputError(f"spec.labels: {labels.shape[0]} labels for {features.shape[0]} feature rows")
    bad = labels[((labels < 0) | (labels >= spec.num_classes)) & (labels != IGNORE_LABEL)]
    if bad.size:
        raise BadInputError(
            f"spec.labels: label {int(bad[0])} is out of range "
            f"(classes 0..{spec.num_classes - 1}, {IGNORE_LABEL} = ignore)"
        )
    weights = None
    if spec.class_weights is not None:
        weights = _load_array(spec.class_weights, "classWeights")
        if weights.shape != (spec.num_classes,) or not np.issubdtype(weights.dtype, np.floating):
            raise BadInputError(
                f"spec.classWeights: expected {spec.num_classes} float32 weights, got {weights.dtype} {weights.shape}"
            )
        if not np.isfinite(weights).all() or (weights < 0).any():
            raise BadInputError("spec.classWeights: weights must be finite and >= 0")
    return features.astype(np.float32), labels.astype(np.int64), None if weights is None else weights.astype(np.float32)


def inverse_count_weights(labels: np.ndarray, num_classes: int) -> np.ndarray:
    """Fallback weights: inverse class counts among the training labels, normalised to sum 1.

    The spec counts this round's `relabel` answers instead, which only the engine knows; it passes
    those as `classWeights`. Absent classes get 0 (they are never a target).
    """
    counts = np.bincount(labels, minlength=num_classes).astype(np.float64)
    weights = np.divide(1.0, counts, out=np.zeros_like(counts), where=counts > 0)
    return (weights / weights.sum()).astype(np.float32)


class ClassifierTask:
    """Adam on weighted cross-entropy, mini-batches in a seeded per-epoch order (last one partial)."""

    def __init__(
        self,
        features: torch.Tensor,
        labels: torch.Tensor,
        weights: torch.Tensor,
        spec: ClassifierSpec,
        device: torch.device,
    ) -> None:
        hp = spec.hyperparameters
        self._features, self._labels, self._weights = features, labels, weights
        self._spec = spec
        self.model = LabelCorrector(features.shape[1], spec.num_classes).to(device)
        self._optimizer = torch.optim.Adam(self.model.parameters(), lr=hp.learning_rate, weight_decay=hp.weight_decay)
        self.steps_per_epoch = -(-features.shape[0] // hp.batch_size)

    def learning_rate(self) -> float:
        return self._spec.hyperparameters.learning_rate

    def train_epoch(self, epoch: int, on_step: StepCallback) -> float:
        size = self._spec.hyperparameters.batch_size
        order = torch.tensor(epoch_order(self._features.shape[0], self._spec.seed, epoch), device=self._features.device)
        self.model.train()
        total = 0.0
        for step in range(1, self.steps_per_epoch + 1):
            batch = order[(step - 1) * size : step * size]
            target = self._labels[batch]
            loss_sum = F.cross_entropy(self.model(self._features[batch]), target, weight=self._weights, reduction="sum")
            # Weighted mean, as cross_entropy's own, but 0 rather than NaN for a batch whose weights are all 0.
            loss = loss_sum / self._weights[target].sum().clamp(min=torch.finfo(torch.float32).tiny)
            self._optimizer.zero_grad(set_to_none=True)
            loss.backward()
            self._optimizer.step()
            total += loss.item()
            on_step(step, total / step)
        return total / self.steps_per_epoch

    def state_dict(self) -> dict[str, Any]:
        return {"model": self.model.state_dict(), "optimizer": self._optimizer.state_dict()}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.model.load_state_dict(state["model"])
        self._optimizer.load_state_dict(state["optimizer"])


def _fingerprint(*arrays: np.ndarray | None) -> str:
    digest = hashlib.sha256()
    for array in arrays:
        digest.update(b"-" if array is None else f"{array.dtype}{array.shape}".encode() + array.tobytes())
    return digest.hexdigest()


def run(spec: ClassifierSpec, progress: Progress) -> dict[str, Any]:
    device = select_device(spec.device)
    features, labels, given_weights = load_arrays(spec)
    run_hash = spec_hash(spec.identity(), _fingerprint(features, labels, given_weights))
    keep = labels != IGNORE_LABEL
    features, labels = features[keep], labels[keep]
    if labels.size == 0:
        raise BadInputError(f"spec.labels: every label is {IGNORE_LABEL} (ignore): nothing to train on")
    weights = given_weights if given_weights is not None else inverse_count_weights(labels, spec.num_classes)
    if not weights[labels].any():
        raise BadInputError("spec.classWeights: every class present in the labels has weight 0")
    log.info(
        "%d samples (%d ignored), %d features, %d classes, spec hash %s",
        labels.size,
        int((~keep).sum()),
        features.shape[1],
        spec.num_classes,
        run_hash,
    )

    configure_determinism(device)
    torch.manual_seed(spec.seed)
    x = torch.from_numpy(features).to(device)
    y = torch.from_numpy(labels).to(device)
    task = ClassifierTask(x, y, torch.from_numpy(weights).to(device), spec, device)
    result = run_training(
        task,
        kind="label-correction-classifier",
        epochs=spec.hyperparameters.epochs,
        run_hash=run_hash,
        output_dir=spec.output_dir,
        device=device,
        progress=progress,
    )
    task.model.eval()
    with torch.no_grad():
        accuracy = float((task.model(x).argmax(dim=1) == y).float().mean())
    generator = torch.Generator().manual_seed(spec.seed)
    width = features.shape[1]
    report = export_onnx(
        task.model,
        torch.rand(4, width, generator=generator),
        spec.output_dir / "model.onnx",
        input_name=INPUT_NAME,
        output_name=OUTPUT_NAME,
        dynamic_axes={0: torch.export.Dim("batch")},
        check_inputs=[torch.rand(1, width, generator=generator), torch.rand(7, width, generator=generator)],
    )
    metrics: dict[str, Any] = {
        "kind": "label-correction-classifier",
        "specHash": run_hash,
        "finalLoss": result.epoch_losses[-1],
        "epochLosses": result.epoch_losses,
        "epochs": spec.hyperparameters.epochs,
        "stepsPerEpoch": task.steps_per_epoch,
        "trainSeconds": round(result.train_seconds, 3),
        "resumedFromEpoch": result.resumed_from_epoch,
        "samples": int(labels.size),
        "ignoredSamples": int((~keep).sum()),
        "trainAccuracy": accuracy,
        "classWeights": [float(w) for w in weights],
        "classWeightsSource": "spec" if given_weights is not None else "inverse label counts",
        "device": str(device),
        "numClasses": spec.num_classes,
        "featureDim": width,
        "hidden": list(HIDDEN),
        "onnx": {"file": report.path.name, "opset": report.opset, "maxAbsDiffVsTorch": report.max_abs_diff},
        "inputName": report.input_name,
        "outputName": report.output_name,
    }
    write_json_atomic(metrics, spec.output_dir / "metrics.json")
    return metrics
