"""`python -m trainer --spec SPEC.json`: run one job of the contract in CONTRACT.md.

This is where failures become exit codes (0 ok, 2 bad input, 75 transient, 1 crash) and the
final `error` event, so every job kind reports them the same way.
"""

from __future__ import annotations

import argparse
import logging
import signal
import sys
import traceback
from collections.abc import Callable
from pathlib import Path
from types import FrameType
from typing import Any

import torch

from . import classifier_job, segmentation_job
from .errors import (
    EXIT_BAD_INPUT,
    EXIT_CRASH,
    EXIT_OK,
    EXIT_TRANSIENT,
    BadInputError,
    TerminatedError,
    TransientError,
)
from .progress import Progress, claim_stdout
from .spec import ClassifierSpec, JobSpec, SegmentationSpec, load_spec

LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
log = logging.getLogger("trainer")


def classify(error: BaseException) -> tuple[str, int]:
    """(event kind, exit code) of a failure; anything unforeseen is a crash, i.e. a bug to report."""
    if isinstance(error, BadInputError):
        return "bad-input", EXIT_BAD_INPUT
    if isinstance(error, TransientError | torch.OutOfMemoryError | MemoryError | OSError):
        return "transient", EXIT_TRANSIENT
    return "crash", EXIT_CRASH


def _runner(spec: JobSpec) -> Callable[[Any, Progress], dict[str, Any]]:
    if isinstance(spec, SegmentationSpec):
        return segmentation_job.run
    assert isinstance(spec, ClassifierSpec)
    return classifier_job.run


def run_job(spec_path: Path, progress: Progress) -> int:
    """Run one job and report its outcome as events; returns the exit code."""
    log_file: logging.Handler | None = None
    try:
        spec = load_spec(spec_path)
        spec.output_dir.mkdir(parents=True, exist_ok=True)
        log_file = logging.FileHandler(spec.output_dir / "train.log", encoding="utf-8")
        log_file.setFormatter(logging.Formatter(LOG_FORMAT))
        log.addHandler(log_file)
        log.setLevel(logging.INFO)
        log.info("job %s: %s", spec_path, type(spec).__name__)
        metrics = _runner(spec)(spec, progress)
        progress.emit("done", metrics=metrics)
        log.info("done")
        return EXIT_OK
    except Exception as error:
        kind, code = classify(error)
        message = str(error) if kind != "crash" else f"{type(error).__name__}: {error}"
        if kind == "crash":
            log.error("crash:\n%s", traceback.format_exc())
        else:
            log.error("%s: %s", kind, message)
        progress.emit("error", kind=kind, message=message)
        return code
    finally:
        if log_file is not None:
            log.removeHandler(log_file)
            log_file.close()


def _terminate(signum: int, _frame: FrameType | None) -> None:
    raise TerminatedError(
        f"stopped by {signal.Signals(signum).name}; run the same spec again to resume from the last checkpoint"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m trainer", description="Reference trainer of the ALC job contract.")
    parser.add_argument("--spec", required=True, type=Path, help="job spec (JSON), see trainer/CONTRACT.md")
    args = parser.parse_args(argv)
    progress = Progress(claim_stdout())
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter(LOG_FORMAT))
    log.addHandler(handler)
    signal.signal(signal.SIGTERM, _terminate)
    signal.signal(signal.SIGINT, _terminate)
    return run_job(args.spec, progress)


if __name__ == "__main__":
    sys.exit(main())
