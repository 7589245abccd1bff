"""pytest suite of the reference trainer: run `.venv/bin/python -m pytest trainer/tests -q`."""
