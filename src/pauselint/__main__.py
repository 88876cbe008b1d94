"""`python -m pauselint` runs the same command line as the `pauselint` script."""

from pauselint.cli import run

run()
