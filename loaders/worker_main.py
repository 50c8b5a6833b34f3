"""Imported first by the import workers' fork server (``loaders.importer._worker_context``).

A process that multiprocessing starts runs the parent's ``__main__`` again before its first
task, unless its ``__main__`` already carries the parent's main module name or file. For
``union-tree import`` that is the whole CLI (typer, the API, GraphQL schema: ~0.5-1 s and
tens of MB in every worker), though the workers' tasks all live in ``loaders.importer``.
So the server puts in a stand-in with the parent's main identity (passed in the environment,
as multiprocessing's own preparation data names it) and nothing else; the workers forked
from the server skip the re-run. Workers never run code from ``__main__``."""

from __future__ import annotations

import importlib.machinery
import os
import sys
import types

MAIN_NAME = "UNION_TREE_WORKER_MAIN_NAME"
MAIN_PATH = "UNION_TREE_WORKER_MAIN_PATH"


def _install() -> None:
    name, path = os.environ.get(MAIN_NAME), os.environ.get(MAIN_PATH)
    if not name and not path:
        return
    stand_in = types.ModuleType("__mp_main__")
    stand_in.__spec__ = importlib.machinery.ModuleSpec(name, None) if name else None
    if path:
        stand_in.__file__ = path
    sys.modules["__main__"] = sys.modules["__mp_main__"] = stand_in


_install()
