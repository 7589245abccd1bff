"""Model architectures of the reference trainer."""
