"""The per-epoch checkpoint: what a restarted job needs to continue exactly where it stopped.

It is written to a temporary file, synced and renamed over `checkpoint.pt`, so a kill at any
moment leaves either the previous complete checkpoint or the new one, never a torn file. It is
read back with `weights_only=True`: it holds only tensors and plain values, and a checkpoint
handed in from elsewhere (`initialCheckpoint`) can then not run code.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import torch

from .errors import BadInputError

CHECKPOINT_NAME = "checkpoint.pt"
FORMAT = "alc-trainer-checkpoint/1"


def save_atomic(state: dict[str, Any], path: Path) -> None:
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "wb") as file:
        torch.save({"format": FORMAT, **state}, file)
        file.flush()
        os.fsync(file.fileno())
    os.replace(tmp, path)
    directory = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(directory)  # make the rename itself durable
    finally:
        os.close(directory)


def load(path: Path, what: str) -> dict[str, Any]:
    """Read a checkpoint of this trainer; `what` names it in the error a person will read."""
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except FileNotFoundError as error:
        raise BadInputError(f"{what}: file not found: {path}") from error
    except Exception as error:  # torch raises several unrelated types for a corrupt file
        raise BadInputError(f"{what}: cannot load {path}: {error}") from error
    if not isinstance(state, dict) or state.get("format") != FORMAT:
        raise BadInputError(f"{what}: {path} is not a checkpoint of this trainer ({FORMAT})")
    return state


def rng_state(device: torch.device) -> dict[str, Any]:
    """The global generators that still matter (dropout); data order and augmentation are seeded per epoch."""
    state: dict[str, Any] = {"torch": torch.get_rng_state()}
    if device.type == "cuda":
        state["cuda"] = torch.cuda.get_rng_state(device)
    return state


def restore_rng(state: dict[str, Any], device: torch.device) -> None:
    torch.set_rng_state(state["torch"])
    if device.type == "cuda" and "cuda" in state:
        torch.cuda.set_rng_state(state["cuda"], device)
