"""One module per scenario operation; each `run(operation, walk)` returns the exit taken."""
