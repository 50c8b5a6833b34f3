"""Bulk import over HTTP: ``POST /imports`` (multipart files, ``union``, ``dryRun``) returns the
same summary as the CLI; ``GET /imports/{batchId}/report`` downloads the error report.

Both need a bearer token. An upload is confined to the uploader's subtree row by row
(api/scoped_imports.py; viewers may not upload: FORBIDDEN); a report can be downloaded by accounts
whose scope holds the uploader's scope union (others get the NOT_FOUND of a missing report).
Uploads, dry runs alike, are priced per account (api/import_budget.py): 429 RATE_LIMITED once
spent."""

from __future__ import annotations

import json
import os
import re
import shutil
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, cast

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from fastapi.responses import FileResponse, JSONResponse

from api.audit import record_request
from api.auth import principal_from_request
from api.import_budget import ImportBudget, PricedImports, import_budget
from api.scope import read_only_error, scope_for
from graph_service.bootstrap import Runtime
from graph_service.domain.accounts import Principal
from graph_service.errors import Forbidden, RateLimited, UnionTreeError
from graph_service.services.imports import ImportService
from loaders.importer import Importer
from loaders.report import write_report

router = APIRouter()
_STATUS = {"BAD_USER_INPUT": 400, "NOT_FOUND": 404, "CONFLICT": 409, "FORBIDDEN": 403,
           "RATE_LIMITED": 429}  # fmt: skip


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


@router.post("/imports")
async def upload(
    request: Request,
    principal: Annotated[Principal, Depends(principal_from_request)],
    files: Annotated[list[UploadFile], File(description="xlsx/xls/csv")],
    union: Annotated[str | None, Form()] = None,
    dry_run: Annotated[bool, Form(alias="dryRun")] = False,
) -> JSONResponse:
    """Import the uploaded files; 200 with the summary, 4xx with a code when a file is unusable."""
    runtime: Runtime = request.app.state.runtime
    operator = principal.actor
    audited = {
        "files": [Path(f.filename or "").name for f in files],
        "unionId": union,
        "dryRun": dry_run,
    }
    if not principal.may_change:
        await record_request(request, principal, "importUpload", audited, "FORBIDDEN")
        return _error(read_only_error())
    budget = import_budget(request)
    try:  # dry runs are priced like real ones: both check every certificate they name
        budget.check(principal.account_id)
    except RateLimited as exc:
        await record_request(request, principal, "importUpload", audited, exc.code)
        return _error(exc)
    priced = PricedImports(principal, runtime.services)
    scoped = cast(ImportService, priced)
    with tempfile.TemporaryDirectory(prefix="union-tree-upload-") as tmp:
        saved = []
        for i, upload_file in enumerate(files):
            name = Path(upload_file.filename or f"upload-{i}").name
            path = Path(tmp) / f"{i}-{name}"
            with path.open("wb") as out:
                shutil.copyfileobj(upload_file.file, out)
            saved.append((path, name))
        try:
            summary = await Importer(scoped).run(
                saved, union_id=union or None, dry_run=dry_run, operator=operator
            )
        except UnionTreeError as exc:
            charged = _priced(audited, principal, priced, budget)
            await record_request(request, principal, "importUpload", charged, exc.code)
            return _error(exc)
    charged = _priced(audited, principal, priced, budget)
    await record_request(request, principal, "importUpload", charged)
    body = summary.as_dict()
    if summary.errors:
        key = summary.batch_ids[0]
        folder = _reports(request)
        written = write_report(summary, folder / f"{key}.xlsx")
        Path(written).chmod(0o600)
        owner = json.dumps({"scopeUnionId": principal.scope_union_id})
        _write_private(folder / f"{key}.json", owner)
        body["reportUrl"] = f"/imports/{key}/report"
    body["errors"] = [
        {"sheet": e.sheet, "row": e.row, "column": e.column, "code": e.code, "message": e.message}
        for e in summary.errors[:100]
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
    if not principal.may_see_full_values:
        await record_request(request, principal, "importReport", {"batchId": batch_id}, "FORBIDDEN")
        message = "错误报告含完整证件号码和手机号，查看员无权下载"
        return _error(Forbidden(message, reason="FULL_VALUES_FORBIDDEN"))
    path = _reports(request) / f"{batch_id}.xlsx"
    found = _SAFE.match(batch_id) is not None and path.is_file()
    if not found or not await _may_read(request, principal, batch_id):
        await record_request(request, principal, "importReport", {"batchId": batch_id}, "NOT_FOUND")
        return JSONResponse({"code": "NOT_FOUND", "message": "未找到该导入的错误报告"}, 404)
    await record_request(request, principal, "importReport", {"batchId": batch_id})
    return FileResponse(
        path,
        media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        filename=f"导入错误报告-{batch_id}.xlsx",
    )
