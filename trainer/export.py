"""ONNX export, checked against PyTorch before the job reports success.

The export runs on a float32 CPU copy of the model in eval mode, whatever device trained it, so
the file is the same for a CPU and a GPU job. The graph is one self-contained file (no external
data; the paper model is ~235 MB, far below protobuf's 2 GB limit) for the TypeScript side to
upload and load as it is.
"""

from __future__ import annotations

import copy
import logging
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import onnxruntime
import torch
from torch import nn

OPSET = 18  # well inside what the project's onnxruntime-node (1.30) runs
# Beyond this, the export itself is wrong (a mis-traced shape, a dropped op), not float noise.
MAX_EXPORT_ERROR = 1e-3
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ExportReport:
    path: Path
    input_name: str
    output_name: str
    opset: int
    max_abs_diff: float


def export_onnx(
    model: nn.Module,
    example: torch.Tensor,
    path: Path,
    *,
    input_name: str,
    output_name: str,
    dynamic_axes: dict[int, torch.export.Dim],
    check_inputs: list[torch.Tensor],
) -> ExportReport:
    """Export `model` and compare onnxruntime's output with PyTorch's on `check_inputs`.

    `check_inputs` should differ in shape from `example`, so a dimension the exporter froze
    instead of keeping dynamic is caught here rather than by the first caller with another size.
    """
    cpu_model = copy.deepcopy(model).float().cpu().eval()
    tmp = path.with_name(f"{path.stem}.tmp{path.suffix}")  # renamed into place once checked
    with torch.no_grad():
        torch.onnx.export(
            cpu_model,
            (example.float().cpu(),),
            tmp,
            input_names=[input_name],
            output_names=[output_name],
            dynamic_shapes={input_name: dynamic_axes},
            opset_version=OPSET,
            external_data=False,
            dynamo=True,
        )
    session = onnxruntime.InferenceSession(str(tmp), providers=["CPUExecutionProvider"])
    worst = 0.0
    with torch.no_grad():
        for sample in check_inputs:
            expected = cpu_model(sample.float().cpu()).numpy()
            (actual,) = session.run([output_name], {input_name: sample.float().cpu().numpy()})
            if actual.shape != expected.shape:
                raise RuntimeError(f"ONNX export: output shape {actual.shape} != PyTorch's {expected.shape}")
            worst = max(worst, float(np.abs(actual - expected).max()))
    if worst > MAX_EXPORT_ERROR:
        raise RuntimeError(f"ONNX export differs from PyTorch by {worst:.3g} (> {MAX_EXPORT_ERROR})")
    tmp.replace(path)
    log.info("exported %s (opset %d, max |onnxruntime - torch| = %.3g)", path.name, OPSET, worst)
    return ExportReport(path=path, input_name=input_name, output_name=output_name, opset=OPSET, max_abs_diff=worst)
