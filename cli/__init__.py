"""The ``union-tree`` command line: entry points over the library (graph_service) and the
loaders; ``cli.main:app`` is the console script."""
