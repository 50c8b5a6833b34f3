"""Files only for the service's user: every process of ours runs with umask 077, so the data
dir, the append-only files, snapshots, backups, exports, reports and keys are created 0700
(folders) / 0600 (files); files made before (with the usual umask 022) are found and named
at startup (a warning) and by ``union-tree verify``."""

from __future__ import annotations

import logging
import os
import stat
from collections.abc import Iterable
from pathlib import Path

log = logging.getLogger("union_tree.files")
PRIVATE_UMASK = 0o077
_WALKED = 10_000  # entries looked at, at most (reports pile up; the engine's files come first)


def private_umask() -> None:
    """Every file and folder this process (and the engine it starts) creates from now on is
    for its user only."""
    os.umask(PRIVATE_UMASK)


def exposed(roots: Iterable[Path]) -> list[tuple[Path, str]]:
    """Files and folders under ``roots`` (themselves included) that a group or other users
    may read, write or enter, with their mode (``0o644``)."""
    found: list[tuple[Path, str]] = []
    seen = 0
    for root in roots:
        if not root.exists():
            continue
        for path in _walk(root):
            seen += 1
            if seen > _WALKED:
                return found
            try:
                mode = path.lstat().st_mode
            except OSError:
                continue
            if stat.S_ISLNK(mode):
                continue
            if mode & 0o077:
                found.append((path, oct(stat.S_IMODE(mode))))
    return found


def _walk(root: Path) -> Iterable[Path]:
    yield root
    if root.is_dir() and not root.is_symlink():
        for folder, dirs, files in os.walk(root):
            base = Path(folder)
            for name in sorted(dirs) + sorted(files):
                yield base / name


def warn_exposed(roots: Iterable[Path]) -> list[tuple[Path, str]]:
    """Log a warning for each exposed file or folder (at startup); returns them."""
    found = exposed(roots)
    for path, mode in found[:50]:
        log.warning("file readable by other users: %s (mode %s); run chmod go= on it", path, mode)
    if len(found) > 50:
        log.warning("%d more files readable by other users", len(found) - 50)
    return found
