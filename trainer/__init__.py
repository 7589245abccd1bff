"""Reference PyTorch trainer of the ALC pipeline; see CONTRACT.md for the job contract."""
