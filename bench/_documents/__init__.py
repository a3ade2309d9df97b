"""The parts of bench/documents.py, one module per thing it measures. Not benches themselves:
`make test` runs only bench/*.py."""
