"""The epoch loop both job kinds share: resume, progress events, per-epoch checkpoints.

A job supplies an `EpochTask` (its model, optimiser and one epoch of training); this module owns
everything the contract promises about restarts. Every source of randomness a task uses is
either seeded from (seed, epoch) or stored in the checkpoint, so a job killed after epoch k and
restarted produces the same losses and weights as one that was never interrupted.
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import torch

from . import checkpoint
from .errors import BadInputError, TransientError
from .progress import Progress

log = logging.getLogger(__name__)
StepCallback = Callable[[int, float], None]


class EpochTask(Protocol):
    steps_per_epoch: int

    def train_epoch(self, epoch: int, on_step: StepCallback) -> float:
        """Train epoch `epoch` (0-based); call `on_step(step, running_mean_loss)`; return the mean loss."""
        ...

    def learning_rate(self) -> float:
        """The rate of the last step (the head's, where groups differ), for progress events."""
        ...

    def state_dict(self) -> dict[str, Any]:
        """`model`, `optimizer` and any other state the next epoch depends on."""
        ...

    def load_state_dict(self, state: dict[str, Any]) -> None: ...


@dataclass(frozen=True)
class TrainingResult:
    epoch_losses: list[float]
    train_seconds: float
    resumed_from_epoch: int
    checkpoint: Path


def select_device(name: str) -> torch.device:
    if name == "cuda" and not torch.cuda.is_available():
        # The spec is fine; this machine is not: another worker may have a GPU.
        raise TransientError('device "cuda" was requested but no CUDA device is available')
    return torch.device(name)


def configure_determinism(device: torch.device) -> None:
    """Bit-reproducible on the CPU; on a GPU speed wins (cuDNN autotuning), as the contract allows."""
    if device.type == "cpu":
        torch.use_deterministic_algorithms(True)
    else:
        torch.backends.cudnn.benchmark = True


def spec_hash(identity: dict[str, Any], data_fingerprint: str) -> str:
    """Identity of a training run: the spec fields that shape the result plus the data's fingerprint."""
    canonical = json.dumps(identity, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(f"{canonical}\n{data_fingerprint}".encode()).hexdigest()


def epoch_order(count: int, seed: int, epoch: int) -> list[int]:
    """The shuffle of one epoch, derived from (seed, epoch) alone so a resume can reproduce it."""
    generator = torch.Generator().manual_seed(int(np.random.SeedSequence([seed, epoch]).generate_state(1)[0]))
    return torch.randperm(count, generator=generator).tolist()


def check_finite(loss: float, epoch: int, step: int) -> None:
    if not math.isfinite(loss):
        # Deterministic on the same inputs, so a retry would diverge again: the spec must change.
        raise BadInputError(
            f"training diverged: loss is {loss} at epoch {epoch + 1}, step {step}; lower hyperparameters.learningRate"
        )


def run_training(
    task: EpochTask,
    *,
    kind: str,
    epochs: int,
    run_hash: str,
    output_dir: Path,
    device: torch.device,
    progress: Progress,
) -> TrainingResult:
    """Train the remaining epochs, resuming from `output_dir/checkpoint.pt` when it exists."""
    path = output_dir / checkpoint.CHECKPOINT_NAME
    start_epoch, losses, seconds = 0, [], 0.0
    if path.exists():
        state = checkpoint.load(path, "outputDir/checkpoint.pt")
        if state.get("specHash") != run_hash:  # the hash covers the epoch count too
            raise BadInputError(
                f"{path} was written by a different job (spec hash {str(state.get('specHash'))[:12]}…, "
                f"this spec {run_hash[:12]}…): use an empty outputDir or delete the checkpoint"
            )
        task.load_state_dict(state)
        checkpoint.restore_rng(state["rng"], device)
        start_epoch, losses, seconds = (
            int(state["epoch"]),
            [float(v) for v in state["epochLosses"]],
            float(state["trainSeconds"]),
        )
        log.info("resuming after epoch %d of %d from %s", start_epoch, epochs, path)

    steps = task.steps_per_epoch
    total_steps = epochs * steps
    progress.emit(
        "start",
        kind=kind,
        specHash=run_hash,
        device=str(device),
        epochs=epochs,
        stepsPerEpoch=steps,
        startEpoch=start_epoch,
    )
    process_start = time.monotonic()
    steps_here = 0

    def eta(global_step: int) -> float:
        rate = (time.monotonic() - process_start) / max(steps_here, 1)
        return round(rate * (total_steps - global_step), 1)

    for epoch in range(start_epoch, epochs):
        epoch_start = time.monotonic()

        def on_step(step: int, running_loss: float, epoch: int = epoch) -> None:
            nonlocal steps_here
            steps_here += 1
            global_step = epoch * steps + step
            check_finite(running_loss, epoch, step)
            progress.step(
                epoch=epoch + 1,
                epochs=epochs,
                step=global_step,
                steps=total_steps,
                loss=running_loss,
                lr=task.learning_rate(),
                etaSeconds=eta(global_step),
            )

        loss = task.train_epoch(epoch, on_step)
        check_finite(loss, epoch, steps)
        seconds += time.monotonic() - epoch_start
        losses.append(loss)
        log.info(
            "epoch %d/%d: loss %.5f, lr %.3g, %.1f s",
            epoch + 1,
            epochs,
            loss,
            task.learning_rate(),
            time.monotonic() - epoch_start,
        )
        progress.emit(
            "epoch",
            epoch=epoch + 1,
            epochs=epochs,
            step=(epoch + 1) * steps,
            steps=total_steps,
            loss=loss,
            lr=task.learning_rate(),
            etaSeconds=eta((epoch + 1) * steps),
        )
        checkpoint.save_atomic(
            {
                "kind": kind,
                "specHash": run_hash,
                "epoch": epoch + 1,
                "epochs": epochs,
                "epochLosses": losses,
                "trainSeconds": seconds,
                "rng": checkpoint.rng_state(device),
                **task.state_dict(),
            },
            path,
        )
        progress.emit("checkpoint", path=str(path), epoch=epoch + 1)
    return TrainingResult(epoch_losses=losses, train_seconds=seconds, resumed_from_epoch=start_epoch, checkpoint=path)


def write_json_atomic(value: dict[str, Any], path: Path) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(value, indent=2, allow_nan=False) + "\n", encoding="utf-8")
    tmp.replace(path)
