"""``python -m cli``: the ``union-tree`` command line."""

from cli.main import app

app()
