"""Limits on hostile files, checked while streaming, before anything parses a file.

A zip (xlsx, ods) is read by its own raw bytes: each part is inflated block by block and
counted as it comes (its declared size, its ratio to the compressed bytes consumed so far,
the rows and cells of a sheet, the strings of the shared-string table), so a part that would
expand to gigabytes is refused after a few megabytes, never after inflating. A CSV is read
row by row (rows, columns, cell length). An xls (OLE) is bounded by its format (65,536 rows,
256 columns) and the file size. Memory stays at one block (1 MiB) whatever the file.

What passes these checks is then parsed in the import's worker process, itself bounded in
address space and wall-clock time (loaders/importer.py, ``_Worker``).
"""

from __future__ import annotations

import csv
import io
import re
import struct
import zlib
from dataclasses import dataclass
from itertools import repeat
from pathlib import Path
from typing import Protocol

from graph_service.errors import FileTooLarge, FileUnprocessable

_MB = 1 << 20
_BLOCK = 1 << 20
_ZIP, _OLE = b"PK\x03\x04", b"\xd0\xcf\x11\xe0"
_EOCD = b"PK\x05\x06"
_MAX_DIRECTORY = 16 * _MB  # the zip's central directory (a list of entries) at most
_MAX_ENTRIES = 10_000
_RATIO_FROM = _MB  # a part's ratio is checked once it has produced this much
_ROOT = re.compile(rb"<(\w+:)?(?:worksheet|sst)\b")
_FAR_COLUMN = re.compile(rb'\sr="[A-Z]{3,}[0-9]')  # a cell beyond column ZZ (702)
_CARRY = 32  # bytes of a block kept for a marker cut between two blocks


class _LimitSettings(Protocol):
    import_max_file_mb: int
    import_max_part_mb: int
    import_max_ratio: int
    import_max_rows: int
    import_max_columns: int
    import_max_cell_chars: int
    import_max_shared_strings: int
    import_worker_memory_mb: int
    import_worker_seconds: int


@dataclass(frozen=True)
class FileLimits:
    """The limits of one import (graph_service/settings.py: ``import_max_*``)."""

    file_bytes: int = 200 * _MB
    part_bytes: int = 2048 * _MB
    ratio: int = 100
    rows: int = 2_000_000
    columns: int = 200
    cell_chars: int = 10_000
    shared_strings: int = 5_000_000
    worker_memory_bytes: int = 3072 * _MB
    worker_seconds: float = 1800.0

    @classmethod
    def of(cls, settings: _LimitSettings) -> FileLimits:
        """The limits set in the service's settings."""
        return cls(
            file_bytes=settings.import_max_file_mb * _MB,
            part_bytes=settings.import_max_part_mb * _MB,
            ratio=settings.import_max_ratio,
            rows=settings.import_max_rows,
            columns=settings.import_max_columns,
            cell_chars=settings.import_max_cell_chars,
            shared_strings=settings.import_max_shared_strings,
            worker_memory_bytes=settings.import_worker_memory_mb * _MB,
            worker_seconds=float(settings.import_worker_seconds),
        )


def too_large(label: str, what: str, reason: str, limit: object) -> FileTooLarge:
    """The refusal of a file past a size limit (HTTP 413)."""
    return FileTooLarge(
        f"文件「{label}」{what}，超过限制（{limit}），已拒绝导入，未写入任何数据",
        reason=reason,
        field="file",
        details={"file": label, "limit": limit},
    )


def unprocessable(label: str, what: str, reason: str, limit: object) -> FileUnprocessable:
    """The refusal of a file past a shape limit (HTTP 422)."""
    return FileUnprocessable(
        f"文件「{label}」{what}，超过限制（{limit}），已拒绝导入，未写入任何数据",
        reason=reason,
        field="file",
        details={"file": label, "limit": limit},
    )


def check_file(path: Path, label: str, limits: FileLimits) -> bool:
    """Refuse a file past a limit (FileTooLarge, FileUnprocessable); bounded memory. False: a
    CSV whose raw lines do not prove it within its limits, to be read field by field by
    ``check_csv_fields`` in the import's worker process (a row of a million fields holds the
    interpreter for a second: never in the service's process)."""
    size = path.stat().st_size
    if size > limits.file_bytes:
        raise too_large(label, "大小", "FILE_SIZE", f"{limits.file_bytes // _MB} MB")
    with path.open("rb") as fh:
        head = fh.read(4)
    if head.startswith(_ZIP):
        _check_zip(path, label, limits)
    elif not head.startswith(_OLE) and head:
        from loaders.readers import detect_encoding  # imports calamine: only when needed

        encoding = detect_encoding(path)
        return _surely_within(path, _delimiter(path, encoding), limits)
    return True


def check_row(cells: list[object], label: str, limits: FileLimits) -> None:
    """Refuse a row with too many columns or a cell too long (a parsed sheet's rows)."""
    if len(cells) > limits.columns:
        raise unprocessable(label, "的列数", "TOO_MANY_COLUMNS", limits.columns)
    for c in cells:
        if isinstance(c, str) and len(c) > limits.cell_chars:
            raise unprocessable(label, "中有单元格过长", "CELL_TOO_LONG", limits.cell_chars)


def check_csv_fields(path: Path, label: str, limits: FileLimits) -> None:
    """Refuse a CSV with too many rows, a row too wide or a cell too long, read field by field."""
    from loaders.readers import detect_encoding  # readers imports calamine: only when needed

    encoding = detect_encoding(path)
    delimiter = _delimiter(path, encoding)
    rows = 0
    with path.open("rb") as raw:
        text = io.TextIOWrapper(raw, encoding=encoding, newline="", errors="replace")
        try:
            for cells in csv.reader(text, delimiter=delimiter):
                rows += 1
                if rows > limits.rows:
                    raise too_large(label, "的行数", "TOO_MANY_ROWS", limits.rows)
                if len(cells) > limits.columns:
                    raise unprocessable(label, "的列数", "TOO_MANY_COLUMNS", limits.columns)
                if cells and max(map(len, cells)) > limits.cell_chars:
                    raise unprocessable(label, "中有单元格过长", "CELL_TOO_LONG", limits.cell_chars)
        except csv.Error as exc:
            if "field larger than field limit" in str(exc):
                raise unprocessable(
                    label, "中有单元格过长", "CELL_TOO_LONG", limits.cell_chars
                ) from exc
            return  # not a table: the reader says so in its own words


def _surely_within(path: Path, delimiter: str, limits: FileLimits) -> bool:
    """Whether the raw lines alone prove the CSV within its limits (the common case, at C
    speed): no more lines than rows, no line longer in bytes than a cell may be in characters,
    no line with as many delimiters as columns. Quotes only join lines and fields, so a file
    that passes has no more rows, columns or characters in a cell; one that does not is read
    field by field. The delimiter and the newline are ASCII: never inside a UTF-8 or GB18030
    character."""
    mark = delimiter.encode("ascii")
    lines = 0
    carry = b""
    with path.open("rb") as raw:
        while block := raw.read(_BLOCK):
            pieces = (carry + block).split(b"\n")
            carry = pieces.pop()
            if len(carry) > limits.cell_chars:
                return False
            lines += len(pieces)
            if pieces and (
                lines > limits.rows
                or max(map(len, pieces)) > limits.cell_chars
                or max(map(bytes.count, pieces, repeat(mark))) >= limits.columns
            ):
                return False
    return lines + 1 <= limits.rows and carry.count(mark) < limits.columns


def _delimiter(path: Path, encoding: str) -> str:
    """The delimiter the reader will sniff (a delimiter of ours splits into more columns)."""
    with path.open("rb") as raw:
        sample = raw.read(64 * 1024).decode(encoding, errors="replace")
    try:
        return csv.Sniffer().sniff(sample, ",\t;").delimiter
    except csv.Error:
        return ","


def _check_zip(path: Path, label: str, limits: FileLimits) -> None:
    import zipfile  # only for its central-directory parser, after the directory is bounded

    with path.open("rb") as fh:
        _check_directory(fh, label)
        try:
            infos = zipfile.ZipFile(fh).infolist()
        except (zipfile.BadZipFile, OSError, ValueError):
            return  # not a valid zip: the reader refuses it as corrupt
        if len(infos) > _MAX_ENTRIES:
            raise too_large(label, "包含的部件过多", "ZIP_ENTRIES", _MAX_ENTRIES)
        total = 0
        for info in infos:
            total += _check_entry(fh, info, label, limits, total)


def _check_directory(fh: io.BufferedReader, label: str) -> None:
    """The central directory's size from the end record, before zipfile reads it."""
    fh.seek(0, io.SEEK_END)
    end = fh.tell()
    fh.seek(max(0, end - 65_557))
    tail = fh.read()
    at = tail.rfind(_EOCD)
    if at < 0 or len(tail) < at + 22:
        return
    entries, directory = struct.unpack("<HI", tail[at + 10 : at + 16])
    if entries > _MAX_ENTRIES or directory > _MAX_DIRECTORY:
        raise too_large(label, "包含的部件过多", "ZIP_ENTRIES", _MAX_ENTRIES)


def _check_entry(
    fh: io.BufferedReader, info: object, label: str, limits: FileLimits, total: int
) -> int:
    """Inflate one part block by block, counting; returns its uncompressed size."""
    name: str = info.filename  # type: ignore[attr-defined]
    declared: int = info.file_size  # type: ignore[attr-defined]
    packed: int = info.compress_size  # type: ignore[attr-defined]
    method: int = info.compress_type  # type: ignore[attr-defined]
    part_mb = f"{limits.part_bytes // _MB} MB"
    if declared > limits.part_bytes or total + declared > 2 * limits.part_bytes:
        raise too_large(label, f"的部件「{name}」解压后过大", "PART_SIZE", part_mb)
    if declared > max(_RATIO_FROM, limits.ratio * packed):
        raise too_large(label, f"的部件「{name}」压缩比异常", "ZIP_RATIO", limits.ratio)
    if method not in (0, 8):
        return declared  # calamine refuses other methods as a corrupt file
    fh.seek(info.header_offset)  # type: ignore[attr-defined]
    local = fh.read(30)
    if len(local) < 30 or not local.startswith(_ZIP):
        return declared
    name_len, extra_len = struct.unpack("<HH", local[26:30])
    fh.seek(name_len + extra_len, io.SEEK_CUR)
    counter = _PartCounter(name, label, limits)
    inflate = zlib.decompressobj(-15) if method == 8 else None
    consumed = produced = 0
    left = packed
    while left > 0:
        block = fh.read(min(_BLOCK, left))
        if not block:
            break
        left -= len(block)
        consumed += len(block)
        pending = block
        while pending:
            if inflate is None:
                out, pending = pending, b""
            else:
                out = inflate.decompress(pending, _BLOCK)
                pending = inflate.unconsumed_tail
            produced += len(out)
            if produced > limits.part_bytes or total + produced > 2 * limits.part_bytes:
                raise too_large(label, f"的部件「{name}」解压后过大", "PART_SIZE", part_mb)
            if produced > max(_RATIO_FROM, limits.ratio * consumed):
                raise too_large(label, f"的部件「{name}」压缩比异常", "ZIP_RATIO", limits.ratio)
            counter.feed(out)
            if inflate is not None and inflate.eof:
                pending = b""
    counter.close()
    return produced


class _PartCounter:
    """Rows of a sheet part, strings of the shared-string part, counted as they stream."""

    def __init__(self, name: str, label: str, limits: FileLimits) -> None:
        self._label, self._limits = label, limits
        low = name.lower()
        sheet = low.startswith("xl/worksheets/") and low.endswith(".xml")
        self._kind = "sheet" if sheet else "strings" if low == "xl/sharedstrings.xml" else ""
        self._head = b""  # the part's first bytes, until its root element names its prefix
        self._prefix: bytes | None = None
        self._carry = b""  # sheet: the last bytes (a marker cut in two); strings: the open one
        self._count = 0

    def feed(self, out: bytes) -> None:
        """Count the next inflated bytes of the part."""
        if not self._kind or not out:
            return
        if self._prefix is None:
            self._head += out
            root = _ROOT.search(self._head)
            if root is None and len(self._head) < 1 << 16:
                return
            self._prefix = (root.group(1) or b"") if root is not None else b""
            out, self._head = self._head, b""
        if self._kind == "sheet":
            self._sheet(self._carry + out, len(self._carry))
        else:
            self._strings(self._carry + out)

    def _sheet(self, data: bytes, carried: int) -> None:
        row = b"<" + (self._prefix or b"") + b"row"
        self._count += _count_from(data, row + b" ", carried) + _count_from(
            data, row + b">", carried
        )
        if self._count > self._limits.rows:
            raise too_large(self._label, "的行数", "TOO_MANY_ROWS", self._limits.rows)
        if self._limits.columns <= 702 and _FAR_COLUMN.search(data):
            raise unprocessable(self._label, "的列数", "TOO_MANY_COLUMNS", self._limits.columns)
        self._carry = data[-_CARRY:]

    def _strings(self, data: bytes) -> None:
        # the carry is everything since the last string began (bounded: a longer one is
        # refused), so each string is measured whole and no marker is counted twice
        pieces = data.split(b"<" + (self._prefix or b"") + b"si>")
        self._count += len(pieces) - 1
        if self._count > self._limits.shared_strings:
            raise too_large(
                self._label, "的共享字符串过多", "SHARED_STRINGS", self._limits.shared_strings
            )
        # a cell of n characters is at most 4n bytes of UTF-8, plus its markup
        if max(map(len, pieces)) > 4 * self._limits.cell_chars + 4096:
            raise unprocessable(
                self._label, "中有单元格过长", "CELL_TOO_LONG", self._limits.cell_chars
            )
        self._carry = pieces[-1]

    def close(self) -> None:
        """The part ended: every block was counted as it came."""


def _count_from(data: bytes, marker: bytes, carried: int) -> int:
    """Occurrences of ``marker`` in ``data`` that end after its first ``carried`` bytes."""
    start = max(0, carried - len(marker) + 1)
    return data.count(marker, start)
