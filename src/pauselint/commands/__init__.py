"""One module per CLI verb; `pauselint.cli` assembles them into the command group."""
