"""Failure classes of the job contract, each mapped to one exit code by `__main__`.

The caller decides whether to retry from the exit code alone, so every failure the trainer can
foresee is raised as one of these instead of whatever the library underneath happened to throw.
"""

EXIT_OK = 0
EXIT_CRASH = 1
EXIT_BAD_INPUT = 2
EXIT_TRANSIENT = 75  # EX_TEMPFAIL of sysexits.h: "try again later"


class BadInputError(Exception):
    """The spec or the data it names is wrong: running the same job again cannot succeed."""


class TransientError(Exception):
    """The environment failed (out of GPU memory, I/O, no GPU): the same job may succeed on retry."""


class TerminatedError(TransientError):
    """SIGTERM/SIGINT arrived; the last per-epoch checkpoint is where a restart resumes."""
