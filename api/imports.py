"""Bulk import over HTTP: ``POST /imports`` (multipart files, ``union``, ``dryRun``, ``strict``)
returns the same summary as the CLI (rows with gaps counted apart; ``strict``: a blank
must-collect field rejects the row); ``GET /imports/{batchId}/report`` downloads the report
(errors and gaps).

Both need a bearer token. An upload is confined to the uploader's subtree row by row
(api/scoped_imports.py; viewers may not upload: FORBIDDEN); a report can be downloaded by accounts
whose scope holds the uploader's scope union (others get the NOT_FOUND of a missing report).
Uploads, dry runs alike, are priced per account (api/import_budget.py): 429 RATE_LIMITED once
spent."""

from __future__ import annotations

import asyncio
import json
import logging
import os
import re
import shutil
import tempfile
import traceback
from collections.abc import Awaitable, Callable, Mapping
from itertools import islice
from pathlib import Path
from typing import Annotated, cast

from fastapi import APIRouter, Depends, FastAPI, File, Form, Request, Response, UploadFile
from fastapi.responses import FileResponse, JSONResponse
from starlette.background import BackgroundTask

from api.audit import record_request
from api.auth import principal_from_request
from api.import_budget import ImportBudget, PricedImports, import_budget
from api.scope import read_only_error, scope_for
from graph_service.bootstrap import Runtime
from graph_service.domain.accounts import Principal
from graph_service.errors import Forbidden, RateLimited, UnionTreeError
from graph_service.services.imports import ImportService
from graph_service.settings import Settings
from loaders.exporter import export_subtree
from loaders.importer import Importer
from loaders.limits import FileLimits, too_large
from loaders.report import write_report

router = APIRouter()
log = logging.getLogger("union_tree.imports")
_STATUS = {
    "BAD_USER_INPUT": 400,
    "NOT_FOUND": 404,
    "CONFLICT": 409,
    "FORBIDDEN": 403,
    "FILE_TOO_LARGE": 413,
    "FILE_UNPROCESSABLE": 422,
    "RATE_LIMITED": 429,
}
_COPY = 1 << 20


def _reports(request: Request) -> Path:
    """The service's own report folder (mode 700 in its data dir): reports hold the rejected rows'
    full values, so no other local user may read or plant them."""
    runtime: Runtime = request.app.state.runtime
    folder = Path(runtime.settings.data_dir) / "reports"
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    folder.chmod(0o700)
    return folder


def _write_private(path: Path, text: str) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        out.write(text)


_SAFE = re.compile(r"^[0-9A-Za-z-]{1,64}$")


def _error(exc: UnionTreeError) -> JSONResponse:
    status = _STATUS.get(exc.code, 503 if exc.code == "GRAPH_UNAVAILABLE" else 500)
    body = {"message": exc.message if status < 500 else "服务内部错误", **exc.extensions()}
    headers = {"Retry-After": str(exc.retry_after)} if isinstance(exc, RateLimited) else None
    return JSONResponse(body, status_code=status, headers=headers)


def _priced(
    audited: Mapping[str, object], principal: Principal, priced: PricedImports, budget: ImportBudget
) -> dict[str, object]:
    """Charge the upload to its account; the audited arguments with what it checked."""
    budget.charge(principal.account_id, certificates=priced.certificates_checked,
                  taken=priced.taken_elsewhere)  # fmt: skip
    return {
        **audited,
        "certificatesChecked": priced.certificates_checked,
        "takenElsewhere": priced.taken_elsewhere,
    }


_XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


async def _viewer_refused(
    request: Request, principal: Principal, operation: str, arguments: Mapping[str, object]
) -> JSONResponse | None:
    """Files with full certificate numbers and phones (reports, exports) are for operators and
    admins: a viewer's request is refused (403) and audited."""
    if principal.may_see_full_values:
        return None
    await record_request(request, principal, operation, arguments, "FORBIDDEN")
    message = "文件含完整证件号码和手机号，查看员无权下载"
    return _error(Forbidden(message, reason="FULL_VALUES_FORBIDDEN"))


async def _save(
    upload: UploadFile, index: int, folder: Path, limits: FileLimits
) -> tuple[Path, str]:
    """Copy an uploaded file to the private upload folder, off the event loop, refusing it
    (FILE_TOO_LARGE) as soon as it passes the size limit."""
    name = Path(upload.filename or f"upload-{index}").name
    path = folder / f"{index}-{name}"

    def copy() -> None:
        copied = 0
        with path.open("wb") as out:
            while block := upload.file.read(_COPY):
                copied += len(block)
                if copied > limits.file_bytes:
                    raise too_large(name, "大小", "FILE_SIZE", f"{limits.file_bytes >> 20} MB")
                out.write(block)

    await asyncio.to_thread(copy)
    return path, name


def install_upload_limit(app: FastAPI, settings: Settings) -> None:
    """Refuse an upload whose declared body passes four files' limit before it is received
    (FILE_TOO_LARGE, 413); each file is then held to its own limit as it is copied."""
    most = 4 * settings.import_max_file_mb * _COPY + _COPY

    @app.middleware("http")
    async def upload_limit(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        if request.method == "POST" and request.url.path == "/imports":
            declared = request.headers.get("content-length", "")
            if declared.isdigit() and int(declared) > most:
                error = too_large("上传内容", "大小", "FILE_SIZE", f"{most >> 20} MB")
                return _error(error)
        return await call_next(request)


@router.post("/imports")
async def upload(
    request: Request,
    principal: Annotated[Principal, Depends(principal_from_request)],
    files: Annotated[list[UploadFile], File(description="xlsx/xls/csv")],
    union: Annotated[str | None, Form()] = None,
    dry_run: Annotated[bool, Form(alias="dryRun")] = False,
    strict: Annotated[bool, Form()] = False,
) -> JSONResponse:
    """Import the uploaded files; 200 with the summary, 4xx with a code when a file is unusable."""
    runtime: Runtime = request.app.state.runtime
    operator = principal.actor
    audited = {
        "files": [Path(f.filename or "").name for f in files],
        "unionId": union,
        "dryRun": dry_run,
        "strict": strict,
    }
    if not principal.may_change:
        await record_request(request, principal, "importUpload", audited, "FORBIDDEN")
        return _error(read_only_error())
    limits = FileLimits.of(runtime.settings)
    budget = import_budget(request)
    try:  # dry runs are priced like real ones: both check every certificate they name
        budget.check(principal.account_id)
    except RateLimited as exc:
        await record_request(request, principal, "importUpload", audited, exc.code)
        return _error(exc)
    priced = PricedImports(principal, runtime.services)
    scoped = cast(ImportService, priced)
    with tempfile.TemporaryDirectory(prefix="union-tree-upload-") as tmp:
        try:
            saved = [await _save(f, i, Path(tmp), limits) for i, f in enumerate(files)]
            importer = Importer(scoped, chunk=runtime.settings.write_batch_size, limits=limits)
            summary = await importer.run(
                saved, union_id=union or None, dry_run=dry_run, operator=operator, strict=strict
            )
        except UnionTreeError as exc:
            charged = _priced(audited, principal, priced, budget)
            await record_request(request, principal, "importUpload", charged, exc.code)
            return _error(exc)
        except Exception as exc:  # never a plain-text 500: coded, and only the stack logged
            frames = "".join(traceback.format_tb(exc.__traceback__))
            log.error("import failed unexpectedly: %s\n%s", type(exc).__name__, frames)
            charged = _priced(audited, principal, priced, budget)
            await record_request(request, principal, "importUpload", charged, "INTERNAL")
            return _error(UnionTreeError())
    charged = _priced(audited, principal, priced, budget)
    await record_request(request, principal, "importUpload", charged)
    body = summary.as_dict()
    if summary.errors or summary.with_gaps:
        key = summary.batch_ids[0]
        folder = _reports(request)
        written = write_report(summary, folder / f"{key}.xlsx")
        Path(written).chmod(0o600)
        owner = json.dumps({"scopeUnionId": principal.scope_union_id})
        _write_private(folder / f"{key}.json", owner)
        body["reportUrl"] = f"/imports/{key}/report"
    body["errors"] = [
        {"sheet": e.sheet, "row": e.row, "column": e.column, "code": e.code, "message": e.message}
        for e, _ in islice(summary.errors.by_row(), 100)  # in row order
    ]
    body["gapsByColumn"] = [
        {"column": column, "rows": count} for column, count in summary.errors.gaps_by_column()
    ]
    summary.errors.close()  # the rejected rows' temporary database
    return JSONResponse(body)


async def _may_read(request: Request, principal: Principal, batch_id: str) -> bool:
    """Whether the uploader's scope union lies in this caller's scope (a report without its
    owner file, written before scopes existed, is nobody's)."""
    try:
        owner = json.loads((_reports(request) / f"{batch_id}.json").read_text(encoding="utf-8"))
        uploader_scope = str(owner["scopeUnionId"])
    except (OSError, ValueError, KeyError):
        return False
    runtime: Runtime = request.app.state.runtime
    return await scope_for(principal, runtime.services).union_in(uploader_scope)


@router.get("/imports/{batch_id}/report", response_model=None)
async def report(
    request: Request,
    batch_id: str,
    principal: Annotated[Principal, Depends(principal_from_request)],
) -> FileResponse | JSONResponse:
    """The error report of an import (xlsx; rejected rows carry full values: operators and admins
    of a scope containing the uploader's only, audited)."""
    refused = await _viewer_refused(request, principal, "importReport", {"batchId": batch_id})
    if refused is not None:
        return refused
    path = _reports(request) / f"{batch_id}.xlsx"
    found = _SAFE.match(batch_id) is not None and path.is_file()
    if not found or not await _may_read(request, principal, batch_id):
        await record_request(request, principal, "importReport", {"batchId": batch_id}, "NOT_FOUND")
        return JSONResponse({"code": "NOT_FOUND", "message": "未找到该导入的错误报告"}, 404)
    await record_request(request, principal, "importReport", {"batchId": batch_id})
    return FileResponse(path, media_type=_XLSX, filename=f"导入错误报告-{batch_id}.xlsx")


@router.get("/exports/{union_id}", response_model=None)
async def export(
    request: Request,
    union_id: str,
    principal: Annotated[Principal, Depends(principal_from_request)],
) -> FileResponse | JSONResponse:
    """A union's subtree in the template layout (xlsx, as ``union-tree export``): operators and
    admins whose scope holds the union (others: the NOT_FOUND of an unknown union), audited."""
    arguments = {"unionId": union_id}
    refused = await _viewer_refused(request, principal, "export", arguments)
    if refused is not None:
        return refused
    runtime: Runtime = request.app.state.runtime
    folder = tempfile.mkdtemp(prefix="union-tree-export-")
    try:
        uid = await scope_for(principal, runtime.services).require_union(union_id, "unionId")
        out = Path(folder) / "export.xlsx"
        await export_subtree(runtime.services.imports, uid, out)
    except UnionTreeError as exc:
        shutil.rmtree(folder, ignore_errors=True)
        await record_request(request, principal, "export", arguments, exc.code)
        return _error(exc)
    await record_request(request, principal, "export", arguments)
    return FileResponse(
        out,
        media_type=_XLSX,
        filename=f"导出-{uid}.xlsx",
        background=BackgroundTask(shutil.rmtree, folder, ignore_errors=True),
    )
