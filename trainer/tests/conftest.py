"""Shared fixtures: a synthetic `alc` dataset, spec builders, and jobs run in-process."""

from __future__ import annotations

import io
import json
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from trainer.__main__ import run_job
from trainer.progress import Progress

from .synthetic import SyntheticDataset, make_dataset

REPO_ROOT = Path(__file__).resolve().parents[2]
# Small enough to train in seconds, large enough for two steps per epoch; crops = the 64 px images.
TINY_HYPERPARAMETERS = {"epochs": 30, "batchSize": 5, "cropSize": 64}


@dataclass(frozen=True)
class JobRun:
    code: int
    events: list[dict[str, Any]]
    output_dir: Path

    def of(self, kind: str) -> list[dict[str, Any]]:
        return [e for e in self.events if e["event"] == kind]

    @property
    def metrics(self) -> dict[str, Any]:
        return json.loads((self.output_dir / "metrics.json").read_text())


@pytest.fixture(scope="session")
def dataset(tmp_path_factory: pytest.TempPathFactory) -> SyntheticDataset:
    """12 images of 64x64, 3 classes, 10 train + 2 val, noisy pseudo labels."""
    return make_dataset(tmp_path_factory.mktemp("dataset"), images=12, size=64, val=2, seed=0)


def segmentation_spec(dataset: SyntheticDataset, output_dir: Path, /, **overrides: Any) -> dict[str, Any]:
    spec: dict[str, Any] = {
        "version": 1,
        "kind": "segmentation",
        "dataset": {"root": str(dataset.root)},
        "split": "train",
        "model": {"config": "tiny"},
        "hyperparameters": dict(TINY_HYPERPARAMETERS),
        "seed": 7,
        "outputDir": str(output_dir),
        "device": "cpu",
    }
    spec.update(overrides)
    return spec


def write_spec(path: Path, spec: dict[str, Any]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(spec), encoding="utf-8")
    return path


def run_in_process(spec_path: Path) -> JobRun:
    stream = io.StringIO()
    code = run_job(spec_path, Progress(stream))
    events = [json.loads(line) for line in stream.getvalue().splitlines()]
    spec = json.loads(spec_path.read_text())
    return JobRun(code=code, events=events, output_dir=Path(spec.get("outputDir", spec_path.parent)))


@pytest.fixture
def run_spec(tmp_path: Path) -> Callable[[dict[str, Any]], JobRun]:
    """Write a spec into the test's directory and run it in-process."""

    def run(spec: dict[str, Any]) -> JobRun:
        return run_in_process(write_spec(tmp_path / "spec.json", spec))

    return run


@pytest.fixture(scope="session")
def trained_job(dataset: SyntheticDataset, tmp_path_factory: pytest.TempPathFactory) -> JobRun:
    """One completed tiny job, shared by the tests that only read its outputs."""
    directory = tmp_path_factory.mktemp("trained")
    run = run_in_process(write_spec(directory / "spec.json", segmentation_spec(dataset, directory / "out")))
    assert run.code == 0, run.events[-1]
    return run


def trainer_command(spec_path: Path) -> list[str]:
    return [sys.executable, "-m", "trainer", "--spec", str(spec_path)]


def trainer_env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(REPO_ROOT)}
