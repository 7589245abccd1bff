"""`kind: "segmentation"`: train DeepLabV3+ on one label version and export it to ONNX."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from . import checkpoint
from .data import IGNORE_INDEX, IMAGENET_MEAN, IMAGENET_STD, SegmentationDataset, TrainingSet, load_training_set
from .errors import BadInputError
from .export import export_onnx
from .models.backbones import load_pretrained
from .models.deeplabv3plus import DeepLabV3Plus, build_model
from .progress import Progress
from .spec import SegmentationSpec
from .training import (
    StepCallback,
    configure_determinism,
    epoch_order,
    run_training,
    select_device,
    spec_hash,
    write_json_atomic,
)

INPUT_NAME = "image"
OUTPUT_NAME = "logits"
log = logging.getLogger(__name__)


def segmentation_loss(logits: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """Mean cross-entropy over labelled pixels; 0 (not NaN) for a batch with none."""
    total = F.cross_entropy(logits.float(), target, ignore_index=IGNORE_INDEX, reduction="sum")
    return total / (target != IGNORE_INDEX).sum().clamp(min=1)


class EpochBatches(torch.utils.data.Sampler[list[tuple[int, int]]]):
    """Whole batches of (epoch, item index) in the seeded order of `epoch`; set `epoch` before iterating.

    Samplers run in the main process, so one persistent loader serves every epoch.
    """

    def __init__(self, count: int, batch_size: int, seed: int) -> None:
        self.epoch = 0
        self._count, self._batch_size, self._seed = count, batch_size, seed

    def __len__(self) -> int:
        return self._count // self._batch_size

    def __iter__(self) -> Iterator[list[tuple[int, int]]]:
        order = epoch_order(self._count, self._seed, self.epoch)
        for start in range(0, len(self) * self._batch_size, self._batch_size):
            yield [(self.epoch, index) for index in order[start : start + self._batch_size]]


class SegmentationTask:
    """SGD + momentum, poly schedule per step, backbone at a multiple of the head's rate; AMP on CUDA."""

    def __init__(self, model: DeepLabV3Plus, data: TrainingSet, spec: SegmentationSpec, device: torch.device) -> None:
        hp = spec.hyperparameters
        self._model = model
        self._spec = spec
        self._device = device
        # Whole batches only: BatchNorm in ASPP's pooling branch cannot train on a batch of one.
        self.batch_size = min(hp.batch_size, len(data.items))
        if self.batch_size < hp.batch_size:
            log.warning(
                "only %d training items: batch size %d instead of %d", len(data.items), self.batch_size, hp.batch_size
            )
        self._batches = EpochBatches(len(data.items), self.batch_size, spec.seed)
        self.steps_per_epoch = len(self._batches)
        self._total_steps = hp.epochs * self.steps_per_epoch
        head = [p for name, p in model.named_parameters() if not name.startswith("backbone.")]
        self._multipliers = [hp.backbone_lr_multiplier, 1.0]
        self._optimizer = torch.optim.SGD(
            [{"params": model.backbone.parameters()}, {"params": head}],
            lr=hp.learning_rate,
            momentum=hp.momentum,
            weight_decay=hp.weight_decay,
        )
        self._amp = device.type == "cuda"
        self._scaler = torch.amp.GradScaler("cuda", enabled=self._amp)
        self._loader = torch.utils.data.DataLoader(
            SegmentationDataset(data.items, hp, spec.seed),
            batch_sampler=self._batches,
            num_workers=spec.workers,
            persistent_workers=spec.workers > 0,
            pin_memory=self._amp,
        )
        self._lr = hp.learning_rate

    def learning_rate(self) -> float:
        return self._lr

    def _set_learning_rate(self, global_step: int) -> None:
        hp = self._spec.hyperparameters
        self._lr = hp.learning_rate * (1 - global_step / self._total_steps) ** hp.poly_power
        for group, multiplier in zip(self._optimizer.param_groups, self._multipliers, strict=True):
            group["lr"] = self._lr * multiplier

    def train_epoch(self, epoch: int, on_step: StepCallback) -> float:
        self._batches.epoch = epoch
        self._model.train()
        total = 0.0
        for step, (images, targets) in enumerate(self._loader, start=1):
            self._set_learning_rate(epoch * self.steps_per_epoch + step - 1)
            images = images.to(self._device, non_blocking=True)
            targets = targets.to(self._device, non_blocking=True)
            with torch.autocast(self._device.type, dtype=torch.float16, enabled=self._amp):
                loss = segmentation_loss(self._model(images), targets)
            self._optimizer.zero_grad(set_to_none=True)
            self._scaler.scale(loss).backward()
            self._scaler.step(self._optimizer)
            self._scaler.update()
            total += loss.item()
            on_step(step, total / step)
        return total / self.steps_per_epoch

    def state_dict(self) -> dict[str, Any]:
        return {
            "model": self._model.state_dict(),
            "optimizer": self._optimizer.state_dict(),
            "scaler": self._scaler.state_dict(),
            "modelConfig": {"config": self._spec.model.config, "outputStride": self._spec.model.output_stride},
        }

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self._model.load_state_dict(state["model"])
        self._optimizer.load_state_dict(state["optimizer"])
        if state["scaler"] and self._amp:  # a resume may move between CPU (no scaler) and GPU
            self._scaler.load_state_dict(state["scaler"])


def _load_initial_weights(model: nn.Module, spec: SegmentationSpec) -> None:
    """Warm start from an earlier job's checkpoint (e.g. the previous ALC round's model)."""
    assert spec.initial_checkpoint is not None
    state = checkpoint.load(spec.initial_checkpoint, "spec.initialCheckpoint")
    weights = state.get("model")
    if not isinstance(weights, dict):
        raise BadInputError(f"spec.initialCheckpoint: {spec.initial_checkpoint} holds no segmentation model")
    expected = model.state_dict()
    mismatched = [k for k, v in expected.items() if k not in weights or weights[k].shape != v.shape]
    if mismatched or set(weights) != set(expected):
        detail = mismatched[0] if mismatched else sorted(set(weights) - set(expected))[0]
        raise BadInputError(
            f"spec.initialCheckpoint: {spec.initial_checkpoint} does not fit model config "
            f'"{spec.model.config}" with this dataset\'s classes (first difference: {detail})'
        )
    model.load_state_dict(weights)


def run(spec: SegmentationSpec, progress: Progress) -> dict[str, Any]:
    """Validate the data, train (or resume), export; returns the metrics also written to metrics.json."""
    device = select_device(spec.device)
    data = load_training_set(spec.dataset, spec.split, spec.labels_dir)
    run_hash = spec_hash(spec.identity(), data.fingerprint)
    log.info("%d training items, %d classes, spec hash %s", len(data.items), data.num_classes, run_hash)
    configure_determinism(device)
    torch.manual_seed(spec.seed)
    model = build_model(spec.model.config, data.num_classes, spec.model.output_stride)
    if spec.model.pretrained_backbone is not None:
        load_pretrained(model.backbone, spec.model.pretrained_backbone)
    if spec.initial_checkpoint is not None:
        _load_initial_weights(model, spec)
    model.to(device)
    task = SegmentationTask(model, data, spec, device)
    result = run_training(
        task,
        kind="segmentation",
        epochs=spec.hyperparameters.epochs,
        run_hash=run_hash,
        output_dir=spec.output_dir,
        device=device,
        progress=progress,
    )

    generator = torch.Generator().manual_seed(spec.seed)
    size = spec.hyperparameters.crop_size
    report = export_onnx(
        model,
        torch.randn(2, 3, size, size, generator=generator),
        spec.output_dir / "model.onnx",
        input_name=INPUT_NAME,
        output_name=OUTPUT_NAME,
        dynamic_axes={
            0: torch.export.Dim("batch"),
            2: torch.export.Dim("height", min=16),
            3: torch.export.Dim("width", min=16),
        },
        check_inputs=[torch.randn(1, 3, 61, 83, generator=generator), torch.randn(3, 3, 96, 64, generator=generator)],
    )
    metrics: dict[str, Any] = {
        "kind": "segmentation",
        "specHash": run_hash,
        "finalLoss": result.epoch_losses[-1],
        "epochLosses": result.epoch_losses,
        "epochs": spec.hyperparameters.epochs,
        "stepsPerEpoch": task.steps_per_epoch,
        "batchSize": task.batch_size,
        "trainSeconds": round(result.train_seconds, 3),
        "resumedFromEpoch": result.resumed_from_epoch,
        "trainItems": len(data.items),
        "labelFingerprint": data.fingerprint,
        "device": str(device),
        "model": {
            "config": spec.model.config,
            "outputStride": spec.model.output_stride,
            "parameters": sum(p.numel() for p in model.parameters()),
        },
        "numClasses": data.num_classes,
        "classes": [{"id": c.id, "name": c.name} for c in data.classes],
        "onnx": {"file": report.path.name, "opset": report.opset, "maxAbsDiffVsTorch": report.max_abs_diff},
        "inputName": report.input_name,
        "outputName": report.output_name,
        "inputLayout": "NCHW float32 RGB, value = (pixel / 255 - mean) / std",
        "mean": list(IMAGENET_MEAN),
        "std": list(IMAGENET_STD),
        "ignoreIndex": IGNORE_INDEX,
    }
    write_json_atomic(metrics, spec.output_dir / "metrics.json")
    return metrics
