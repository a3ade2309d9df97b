"""Helpers shared by the benches (bench/*.py): running under the embedded services, timing
HTTP requests against gunicorn, and reading the CPU its processes spend. Not a bench itself:
`make test` runs only bench/*.py."""
