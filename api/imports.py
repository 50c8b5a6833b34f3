"""Bulk import over HTTP: ``POST /imports`` (multipart files, ``union``, ``dryRun``) returns the
same summary as the CLI; ``GET /imports/{batchId}/report`` downloads the error report."""

from __future__ import annotations

import re
import shutil
import tempfile
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import FileResponse, JSONResponse

from graph_service.bootstrap import Runtime
from graph_service.errors import UnionTreeError
from loaders.importer import Importer
from loaders.report import write_report

router = APIRouter()
_STATUS = {"BAD_USER_INPUT": 400, "NOT_FOUND": 404, "CONFLICT": 409, "FORBIDDEN": 403}
_REPORTS = Path(tempfile.gettempdir()) / "union-tree-reports"
_SAFE = re.compile(r"^[0-9A-Za-z-]{1,64}$")


def _error(exc: UnionTreeError) -> JSONResponse:
    status = _STATUS.get(exc.code, 503 if exc.code == "GRAPH_UNAVAILABLE" else 500)
    body = {"message": exc.message if status < 500 else "服务内部错误", **exc.extensions()}
    return JSONResponse(body, status_code=status)


@router.post("/imports")
async def upload(
    request: Request,
    files: Annotated[list[UploadFile], File(description="xlsx/xls/csv")],
    union: Annotated[str | None, Form()] = None,
    dry_run: Annotated[bool, Form(alias="dryRun")] = False,
) -> JSONResponse:
    """Import the uploaded files; 200 with the summary, 4xx with a code when a file is unusable."""
    runtime: Runtime = request.app.state.runtime
    operator = request.headers.get("x-operator") or "http"
    with tempfile.TemporaryDirectory(prefix="union-tree-upload-") as tmp:
        saved = []
        for i, upload_file in enumerate(files):
            name = Path(upload_file.filename or f"upload-{i}").name
            path = Path(tmp) / f"{i}-{name}"
            with path.open("wb") as out:
                shutil.copyfileobj(upload_file.file, out)
            saved.append((path, name))
        try:
            summary = await Importer(runtime.services.imports).run(
                saved, union_id=union or None, dry_run=dry_run, operator=operator
            )
        except UnionTreeError as exc:
            return _error(exc)
    body = summary.as_dict()
    if summary.errors:
        key = summary.batch_ids[0]
        write_report(summary, _REPORTS / f"{key}.xlsx")
        body["reportUrl"] = f"/imports/{key}/report"
    body["errors"] = [
        {"sheet": e.sheet, "row": e.row, "column": e.column, "code": e.code, "message": e.message}
        for e in summary.errors[:100]
    ]
    return JSONResponse(body)


@router.get("/imports/{batch_id}/report", response_model=None)
async def report(batch_id: str) -> FileResponse | JSONResponse:
    """The error report of an import (xlsx)."""
    path = _REPORTS / f"{batch_id}.xlsx"
    if not _SAFE.match(batch_id) or not path.is_file():
        return JSONResponse({"code": "NOT_FOUND", "message": "未找到该导入的错误报告"}, 404)
    return FileResponse(
        path,
        media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        filename=f"导入错误报告-{batch_id}.xlsx",
    )
