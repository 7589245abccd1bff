"""`python -m trainer` as the TypeScript side runs it: a subprocess, events on stdout, signals."""

from __future__ import annotations

import json
import signal
import subprocess
from pathlib import Path
from typing import Any

import torch

from .conftest import JobRun, run_in_process, segmentation_spec, trainer_command, trainer_env, write_spec
from .synthetic import SyntheticDataset


def _events(stdout: str) -> list[dict[str, Any]]:
    """Every stdout line must be an event: nothing else may be printed there."""
    return [json.loads(line) for line in stdout.splitlines()]


def _start_and_stop_after_first_checkpoint(spec_path: Path, sig: signal.Signals) -> tuple[int, list[dict[str, Any]]]:
    process = subprocess.Popen(
        trainer_command(spec_path), stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=trainer_env()
    )
    assert process.stdout is not None
    lines = []
    for line in process.stdout:
        lines.append(line)
        if json.loads(line)["event"] == "checkpoint":
            process.send_signal(sig)
            break
    rest, _ = process.communicate(timeout=60)
    return process.returncode, _events("".join(lines) + rest)


def test_bad_spec_exit_code_and_single_error_event(tmp_path: Path) -> None:
    spec_path = write_spec(tmp_path / "spec.json", {"version": 1, "kind": "segmentation"})
    result = subprocess.run(trainer_command(spec_path), capture_output=True, text=True, env=trainer_env(), timeout=60)
    assert result.returncode == 2
    assert _events(result.stdout) == [
        {"event": "error", "kind": "bad-input", "message": "spec.dataset: required field is missing"}
    ]
    assert "spec.dataset: required field is missing" in result.stderr


def test_resume_after_kill(dataset: SyntheticDataset, tmp_path: Path, trained_job: JobRun) -> None:
    """The job of `trained_job`, killed after its first checkpoint and started again."""
    spec_path = write_spec(tmp_path / "spec.json", segmentation_spec(dataset, tmp_path / "out"))
    code, events = _start_and_stop_after_first_checkpoint(spec_path, signal.SIGKILL)
    assert code == -signal.SIGKILL
    saved = torch.load(tmp_path / "out" / "checkpoint.pt", weights_only=True)["epoch"]
    assert 1 <= saved < 30, "the kill came too late to test a resume"

    result = subprocess.run(trainer_command(spec_path), capture_output=True, text=True, env=trainer_env(), timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    events = _events(result.stdout)
    assert events[0]["event"] == "start" and events[0]["startEpoch"] == saved
    epochs = [e["epoch"] for e in events if e["event"] == "epoch"]
    assert epochs == list(range(saved + 1, 31))
    assert torch.load(tmp_path / "out" / "checkpoint.pt", weights_only=True)["epoch"] == 30
    metrics = events[-1]["metrics"]
    assert metrics["resumedFromEpoch"] == saved
    # The seeded data order and the restored RNG make the resumed job the uninterrupted one.
    assert metrics["epochLosses"] == trained_job.metrics["epochLosses"]

    # Run once more: nothing left to train; the outputs are written again and reported done.
    (tmp_path / "out" / "model.onnx").unlink()
    again = run_in_process(spec_path)
    assert again.code == 0 and again.of("epoch") == [] and (tmp_path / "out" / "model.onnx").exists()
    assert again.metrics["epochLosses"] == trained_job.metrics["epochLosses"]


def test_sigterm_stops_promptly_as_transient(dataset: SyntheticDataset, tmp_path: Path) -> None:
    spec_path = write_spec(tmp_path / "spec.json", segmentation_spec(dataset, tmp_path / "out"))
    code, events = _start_and_stop_after_first_checkpoint(spec_path, signal.SIGTERM)
    assert code == 75
    assert events[-1]["event"] == "error" and events[-1]["kind"] == "transient"
    assert "SIGTERM" in events[-1]["message"]
    assert not (tmp_path / "out" / "model.onnx").exists()
    assert torch.load(tmp_path / "out" / "checkpoint.pt", weights_only=True)["epoch"] >= 1
