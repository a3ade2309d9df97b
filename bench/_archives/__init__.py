"""The parts of bench/archives.py: the generated data, and the measurements. Not benches
themselves: `make test` runs only bench/*.py."""
