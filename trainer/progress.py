"""Progress events: one JSON object per line on the real stdout, nothing else there.

Libraries print to stdout freely (the ONNX exporter does, C extensions may), so `claim_stdout`
moves file descriptor 1 to stderr for the whole process and keeps a private duplicate of the
original stdout for events alone: a consumer can parse every stdout line as JSON.
"""

from __future__ import annotations

import json
import math
import os
import sys
import time
from typing import Any, TextIO


def claim_stdout() -> TextIO:
    """Reserve the process's stdout for events; everything else written to it goes to stderr."""
    sys.stdout.flush()
    events_fd = os.dup(1)
    os.dup2(2, 1)
    return os.fdopen(events_fd, "w", buffering=1, encoding="utf-8")


class Progress:
    """Writes events; throttles the mid-epoch `step` events, never the others."""

    def __init__(self, stream: TextIO, step_interval_seconds: float = 10.0) -> None:
        self._stream = stream
        self._step_interval = step_interval_seconds
        self._last_step_event = -math.inf

    def emit(self, event: str, **fields: Any) -> None:
        self._stream.write(json.dumps({"event": event, **fields}, allow_nan=False) + "\n")
        self._stream.flush()

    def step(self, **fields: Any) -> None:
        now = time.monotonic()
        if now - self._last_step_event >= self._step_interval:
            self._last_step_event = now
            self.emit("step", **fields)
