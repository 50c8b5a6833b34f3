"""Rows of a sheet → validated records for ``ImportService``, or RowErrors naming sheet, row,
column, a stable code and a Chinese message. Every problem of a row is reported, not only the
first; messages never repeat a certificate number or phone."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date

from graph_service.domain.codes import (
    CertificateType,
    CodeTable,
    Education,
    EmployerNature,
    EmploymentStatus,
    Gender,
    HouseholdType,
    Industry,
    MembershipStatus,
    PoliticalStatus,
    UnionKind,
    UnionLevel,
    UnionPostType,
    UnionStatus,
)
from graph_service.domain.dates import check_joined_on, sixteenth_birthday
from graph_service.domain.inputs import parse_bool, parse_count
from graph_service.domain.validation import (
    IMPORTABLE_STATUSES,
    gender_of_checked_id,
    normalise_mobile,
    normalise_phone,
    parse_date,
    resident_ids_accepted,
    roster_status,
    validate_certificate,
    validate_org_code,
    validate_region_code,
    validate_resident_id,
)
from graph_service.errors import BadUserInput
from graph_service.services.imports import (
    MEMBER_FIELDS,
    EmployerRecord,
    MemberChunk,
    UnionRecord,
    UnitRow,
    new_member_id,
)
from loaders.headers import Header
from loaders.seen_certificates import SeenCertificates
from loaders.templates import HUBEI_MEMBER, HUBEI_UNION, HUBEI_UNIT

Record = dict[str, object]
Valid = tuple[str, str, str | None, str | None, tuple[object, ...]]
"""A valid member row: (certKey, unionId, employerId, employerName, MEMBER_FIELDS values)."""
_NATIONAL_REGION = "100000"
_MOBILE = re.compile(r"1[3-9][0-9]{9}\Z")  # a mobile as written normalised: taken as it is


@dataclass(frozen=True, slots=True)
class RowError:
    """One problem of one row: where (sheet, row, column) and what (code, Chinese message)."""

    sheet: str
    row: int
    column: str
    code: str
    message: str
    conflict: bool = False


@dataclass(frozen=True, slots=True)
class RowGap:
    """A must-collect (必采) field left blank on a row that is imported all the same: the gap
    is recorded and counted, the row is not rejected (``--strict`` turns gaps into errors)."""

    sheet: str
    row: int
    column: str


def blank(value: object) -> bool:
    """None, empty or whitespace-only cells (and NaN) are blank."""
    if value is None:
        return True
    if isinstance(value, str):
        return not value.strip()
    return value != value


def text_of(value: object) -> str:
    """A cell as text: numbers without a spurious '.0', whitespace collapsed."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value)
    if not text.isascii():
        text = unicodedata.normalize("NFKC", text)
    return " ".join(text.split())


def _code(table: type[CodeTable]) -> Callable[[object, str], str]:
    memo: dict[str, str | tuple[str, str]] = {}

    def parse(value: object, field: str) -> str:
        key = text_of(value)
        found = memo.get(key)
        if found is None:
            try:
                found = table.parse(key, field=field).value
            except BadUserInput as exc:
                found = (exc.message, exc.reason or "UNKNOWN_CODE")
            memo[key] = found
        if isinstance(found, tuple):
            raise BadUserInput(found[0], reason=found[1], field=field)
        return found

    return parse


def _text(limit: int) -> Callable[[object, str], str]:
    def parse(value: object, field: str) -> str:
        text = text_of(value)
        if len(text) > limit:
            raise BadUserInput(f"不能超过{limit}个字", reason="TOO_LONG", field=field)
        return text

    return parse


def _past(value: object, field: str) -> str:
    return parse_date(value, field, not_future=True).isoformat()


def _date(value: object, field: str) -> str:
    return parse_date(value, field).isoformat()


def _org(value: object, field: str) -> str:
    return validate_org_code(text_of(value), field)


def _region(value: object, field: str) -> str:
    text = text_of(value)
    if text == _NATIONAL_REGION:  # the national root's code, not a GB/T 2260 division
        return text
    return validate_region_code(text, field=field)


_BLANK = object()  # a blank cell, in a parsed column


def _joined_column(
    joined: list[object], numbers: list[str | None], suspect: bytearray, today: date
) -> None:
    """The API's date rule (``domain.dates.check_joined_on``) on a chunk's 入会时间 column:
    joining before the 16th birthday written in a resident ID (or in the future) is refused in
    place (a ``_Refused``, the row marked suspect). Certificates other than resident IDs carry
    no birth date: their rows are left as they are."""
    firsts: dict[str, str] = {}  # birth (YYYYMMDD) -> the 16th birthday, ISO (births repeat)
    for j, got in enumerate(joined):
        key = numbers[j]
        if got.__class__ is not str or key is None or not key.startswith("01:"):
            continue
        birth = key[9:17]  # "01:" + the 18 characters; 7th-14th: the birth date
        first = firsts.get(birth)
        if first is None:
            first = firsts[birth] = sixteenth_birthday(_ymd(birth)).isoformat()
        if got < first:
            try:
                check_joined_on(date.fromisoformat(got), _ymd(birth), today=today)
            except BadUserInput as exc:
                joined[j] = _Refused(exc.message, exc.reason or "INVALID")
                suspect[j] = 1


def _ymd(text: str) -> date:
    return date(int(text[:4]), int(text[4:6]), int(text[6:8]))


@dataclass(frozen=True, slots=True)
class _Refused:
    """A refused cell, in a parsed column: the refusal's message and code."""

    message: str
    reason: str


@dataclass(slots=True)
class _Parsed:
    """A chunk checked in columns: per row its certificate key, union, employer and
    ``MEMBER_FIELDS`` values (meaningful where the row has no errors), the errors of the rows
    that have some, the blank rows and the gaps (titles of blank must-collect columns)."""

    numbers: list[str | None]
    union_ids: list[object]
    employer_ids: list[object]
    employer_names: list[object]
    values: list[tuple[object, ...]]
    errors: dict[int, list[RowError]]  # row index -> its errors (in the order of the checks)
    blank: set[int]  # row indexes of blank rows
    gaps: dict[int, list[str]]  # row index -> titles of blank must-collect columns

    def valid(self, j: int) -> Valid:
        return (  # type: ignore[return-value]
            self.numbers[j],
            self.union_ids[j],
            self.employer_ids[j],
            self.employer_names[j],
            self.values[j],
        )

    def answer(self, j: int) -> Valid | list[RowError] | None:
        """Row ``j``: None (blank), its errors, or its valid values."""
        if j in self.blank:
            return None
        return self.errors.get(j) or self.valid(j)

    def chunk(self, good: list[int], src_rows: list[int]) -> MemberChunk:
        """The rows ``good`` (indexes, in order) as a ``MemberChunk``."""
        numbers, values = self.numbers, self.values
        made: list[list[object]] = [
            [new_member_id(), numbers[j], src_rows[j], *values[j]] for j in good
        ]
        return MemberChunk(
            [src_rows[j] for j in good],
            [numbers[j] for j in good],  # type: ignore[misc]
            [self.union_ids[j] for j in good],  # type: ignore[misc]
            [self.employer_ids[j] for j in good],  # type: ignore[misc]
            [self.employer_names[j] for j in good],  # type: ignore[misc]
            made,
        )


_NO_POST = "无"  # a blank 担任工会职务: the member holds no union post
_NO_POST_WORDS = frozenset({"无", "无职务"})
_NO_POST_TYPE = UnionPostType.NONE.value  # 专兼职工会职务标识 0: 无
_MEMBER_COLUMNS: dict[str, Callable[[object, str], object]] = {
    "name": _text(50),
    "gender": _code(Gender),
    "phone": lambda v, f: (
        v if v.__class__ is str and _MOBILE.match(v) else normalise_mobile(text_of(v), f)
    ),
    "householdType": _code(HouseholdType),
    "political": _code(PoliticalStatus),
    "education": _code(Education),
    "employmentStatus": _code(EmploymentStatus),
    "newFormWorker": lambda v, f: parse_bool(text_of(v), f),
    "joinedOn": _past,
    "unionPost": _text(50),
    "unionPostType": _code(UnionPostType),
    "nationality": _text(50),
    "status": _code(MembershipStatus),
    "certType": _code(CertificateType),
    "unionId": _org,
    "employerId": _org,
    "employerName": lambda v, f: text_of(v),
}
"""The roster's cell rules, one per column, in the order a row's errors are reported (the
certificate, checked with its type and the gender, is reported after 证件类型; the status rule
last). ``MemberRows`` applies them to a chunk's columns; a single row is a chunk of one."""
_ERROR_ORDER = {k: i for i, k in enumerate(_MEMBER_COLUMNS)}
_ERROR_ORDER["certNumber"] = _ERROR_ORDER["certType"]  # just after it (stable sort)
_UNIQUE_PER_ROW = frozenset({"name", "phone"})  # not worth memoising: nearly every value differs
_MEMO_LIMIT = 50_000
_NOT_IMPORTABLE = "会籍状态只能为在册或保留会籍（离会、接转请在系统中办理）"
_ID_AS_NUMBER = "证件号码被Excel存成了数字（末尾几位已丢失），请把该列设为文本后重新填写"


class _Base:
    def __init__(self, header: Header, sheet: str) -> None:
        self.header = header
        self.sheet = sheet
        self._index = [(i, k) for i, k in enumerate(header.keys) if k]

    def cells(self, raw: Sequence[object]) -> dict[str, object]:
        """The row's filled cells by field key."""
        out: dict[str, object] = {}
        size = len(raw)
        for i, key in self._index:
            if i < size:
                value = raw[i]
                if value is None or (value.__class__ is str and (not value or value.isspace())):
                    continue
                if value.__class__ is not str and blank(value):
                    continue
                out[key] = value
        return out

    def error(self, n: int, key: str, exc: BadUserInput | str, code: str = "") -> RowError:
        message = exc if isinstance(exc, str) else exc.message
        reason = code or (exc.reason if isinstance(exc, BadUserInput) else "") or "INVALID"
        return RowError(self.sheet, n, self.header.column_title(key), reason, message)

    def required(self, n: int, cells: dict[str, object], keys: Sequence[str]) -> list[RowError]:
        return [
            self.error(n, k, f"缺少必填项：{self.header.column_title(k)}", "REQUIRED")
            for k in keys
            if k not in cells
        ]

    def gaps(
        self, n: int, cells: dict[str, object], keys: Sequence[str], out: list[RowGap] | None
    ) -> None:
        """Record the must-collect ``keys`` the row leaves blank (in ``out``, if given)."""
        if out is not None:
            out.extend(
                RowGap(self.sheet, n, self.header.column_title(k)) for k in keys if k not in cells
            )


class MemberRows(_Base):
    """Validates roster rows (附件3, Hubei fields, canonical) into member records, a chunk of
    rows at a time and a column at a time: each rule is a column function (``_MEMBER_COLUMNS``,
    the certificate, the required keys, the status); one row is a chunk of one."""

    def __init__(
        self, header: Header, sheet: str, *, union_id: str | None, strict: bool = False
    ) -> None:
        super().__init__(header, sheet)
        self.union_id = union_id
        self.strict = strict
        self.seen = SeenCertificates()  # certKey -> first row of the sheet giving it
        # errors: the keys (certificate; the union when no --union); gaps: the Hubei
        # must-collect fields the file has a column for (a blank 担任工会职务 is "no post")
        must = {"certNumber"} | ({"unionId"} if union_id is None else set())
        collect = {k for k in HUBEI_MEMBER if header.has(k)} - must - {"unionPost"}
        self.no_post = header.has("unionPost")
        if strict:
            must |= collect
            collect = set()
        self.must = sorted(must)
        self.collect = sorted(collect)
        self._memos: dict[str, dict[object, object] | None] = {}
        self._refusing: dict[str, bool] = {}
        self._today = date.today()

    def __call__(
        self, n: int, raw: Sequence[object], gaps: list[RowGap] | None = None
    ) -> tuple[Record | None, list[RowError]]:
        """One row → (record, []) or (None, errors); a valid row's gaps go to ``gaps``."""
        got = self.validate(n, raw, gaps)
        if got is None:
            return None, []
        if isinstance(got, list):
            return None, got
        cert_key, union_id, employer_id, employer_name, values = got
        props: dict[str, object] = {
            k: v for k, v in zip(MEMBER_FIELDS, values, strict=True) if v is not None
        }
        props["certKey"] = cert_key
        return {
            "srcRow": n,
            "certKey": cert_key,
            "props": props,
            "unionId": union_id,
            "employerId": employer_id,
            "employerName": employer_name,
        }, []

    def validate(
        self, n: int, raw: Sequence[object], gaps: list[RowGap] | None = None
    ) -> Valid | list[RowError] | None:
        """One row, as a chunk of one → (certKey, unionId, employerId, employerName,
        MEMBER_FIELDS values), its errors, or None for a blank row; gaps go to ``gaps``."""
        return self.validate_chunk([(n, raw)], gaps)[0]

    def validate_chunk(
        self, rows: Sequence[tuple[int, Sequence[object]]], gaps: list[RowGap] | None = None
    ) -> list[Valid | list[RowError] | None]:
        """Each row of the chunk, in order: its valid values, its errors or None (blank); the
        valid rows' gaps go to ``gaps`` (repeats within the file are ``members``' concern)."""
        parsed = self._parse_chunk(rows)
        out = [parsed.answer(j) for j in range(len(rows))]
        if gaps is not None:
            for j, got in enumerate(out):
                if isinstance(got, tuple):
                    n = rows[j][0]
                    gaps.extend(RowGap(self.sheet, n, c) for c in parsed.gaps.get(j, ()))
        return out

    def members(
        self, rows: Sequence[tuple[int, Sequence[object]]]
    ) -> tuple[MemberChunk, list[RowError], int, dict[int, Sequence[object]], list[RowGap]]:
        """A chunk of roster rows → (its valid rows as a ``MemberChunk``, the errors, rows
        read (not blank), the cells of the rows with errors, the valid rows' gaps). A
        certificate repeating an earlier row of the sheet (``seen``) is DUPLICATE_IN_FILE."""
        parsed = self._parse_chunk(rows)
        errors: list[RowError] = []
        bad: dict[int, Sequence[object]] = {}
        valid: list[int] = []
        for j, (n, raw) in enumerate(rows):
            if j in parsed.blank:
                continue
            found = parsed.errors.get(j)
            if found:
                errors.extend(found)
                bad[n] = raw
            else:
                valid.append(j)
        read = len(rows) - len(parsed.blank)
        good: list[int] = []
        earlier = self.seen.earlier(
            [parsed.numbers[j] for j in valid],  # type: ignore[misc]
            [rows[j][0] for j in valid],
        )
        column = self.header.column_title("certNumber")
        for j, first in zip(valid, earlier, strict=True):
            if first is None:
                good.append(j)
                continue
            n, raw = rows[j]
            msg = f"证件号码与本表第{first}行重复"
            errors.append(RowError(self.sheet, n, column, "DUPLICATE_IN_FILE", msg))
            bad[n] = raw
        if len(good) < len(valid):
            errors.sort(key=lambda e: e.row)  # in row order
        gaps = [RowGap(self.sheet, rows[j][0], c) for j in good for c in parsed.gaps.get(j, ())]
        chunk = parsed.chunk(good, [n for n, _ in rows])
        chunk.members_tally()  # counted here (in the worker process), once
        return chunk, errors, read, bad, gaps

    def _parse_chunk(self, rows: Sequence[tuple[int, Sequence[object]]]) -> _Parsed:
        """The chunk checked column by column; the rows with a problem (a refused or missing
        value, a certificate error, a status that cannot be imported) get their errors."""
        size = len(rows)
        raws = [raw for _, raw in rows]
        suspect = bytearray(size)  # 1: the row has a problem (or is blank)
        cols: dict[str, list[object]] = {}
        for i, key in self._index:
            try:
                cols[key] = [raw[i] for raw in raws]
            except IndexError:
                cols[key] = [raw[i] if i < len(raw) else None for raw in raws]
        if self.no_post:
            self._column_posts(cols, size)
        parsed: dict[str, list[object]] = {}
        for key, parse in _MEMBER_COLUMNS.items():
            if key in cols and (key != "unionId" or self.union_id is None):
                parsed[key] = self._column(key, cols[key], parse, suspect)
        missing: dict[str, list[object]] = {}  # must-collect keys -> blank marks
        for key in self.must:
            got = self._blanks(key, parsed, cols, size)
            if _BLANK in got:
                missing[key] = got
                for j, g in enumerate(got):
                    if g is _BLANK:
                        suspect[j] = 1
        gaps: dict[int, list[str]] = {}
        for key in self.collect:
            got = self._blanks(key, parsed, cols, size)
            if _BLANK in got:
                title = self.header.column_title(key)
                for j, g in enumerate(got):
                    if g is _BLANK:
                        gaps.setdefault(j, []).append(title)
        cert_errors: dict[int, RowError] = {}
        numbers = self._certificates(rows, cols.get("certNumber"), parsed, suspect, cert_errors)
        if "joinedOn" in parsed:
            _joined_column(parsed["joinedOn"], numbers, suspect, self._today)
        statuses = self._statuses(parsed, suspect)
        plain = {k: [None if g is _BLANK else g for g in got] for k, got in parsed.items()}
        plain["status"] = statuses
        nothing: list[object] = [None] * size
        values = list(zip(*(plain.get(k, nothing) for k in MEMBER_FIELDS), strict=True))
        errors: dict[int, list[RowError]] = {}
        blank_rows: set[int] = set()
        for j in range(size) if 1 in suspect else ():
            if suspect[j]:
                if not self.cells(raws[j]):
                    blank_rows.add(j)
                    continue
                found = self._errors(j, rows[j][0], missing, parsed, cert_errors, statuses[j])
                if found:
                    errors[j] = found
        return _Parsed(
            numbers,
            plain.get("unionId") or [self.union_id] * size,
            plain.get("employerId") or nothing,
            plain.get("employerName") or nothing,
            values,
            errors,
            blank_rows,
            gaps,
        )

    def _errors(
        self,
        j: int,
        n: int,
        missing: dict[str, list[object]],
        parsed: dict[str, list[object]],
        cert_errors: dict[int, RowError],
        status: object,
    ) -> list[RowError]:
        """Row ``j``'s errors, from its columns' answers: required keys left blank, refused
        cells, the certificate, the status."""
        title = self.header.column_title
        out = [
            self.error(n, k, f"缺少必填项：{title(k)}", "REQUIRED")
            for k, got in missing.items()
            if got[j] is _BLANK
        ]
        refused: list[tuple[str, RowError]] = []
        for key, got in parsed.items():
            g = got[j]
            if isinstance(g, _Refused):
                refused.append((key, self.error(n, key, g.message, g.reason)))
        if j in cert_errors:
            refused.append(("certNumber", cert_errors[j]))
        refused.sort(key=lambda r: _ERROR_ORDER[r[0]])
        out += [e for _, e in refused]
        if status not in IMPORTABLE_STATUSES:
            out.append(self.error(n, "status", _NOT_IMPORTABLE, "STATUS_NOT_IMPORTABLE"))
        return out

    @staticmethod
    def _blanks(
        key: str, parsed: dict[str, list[object]], cols: dict[str, list[object]], size: int
    ) -> list[object]:
        """A column with _BLANK for its blank cells (every cell blank when there is no column)."""
        got = parsed.get(key)
        if got is not None:
            return got
        col = cols.get(key)
        if col is None:
            return [_BLANK] * size
        return [_BLANK if blank(v) else v for v in col]

    @staticmethod
    def _column_posts(cols: dict[str, list[object]], size: int) -> None:
        """A blank 担任工会职务 means the member holds no union post: stored as 无 with the
        专兼职 code 0 (无), per the code table."""
        posts = cols["unionPost"]
        types = cols.get("unionPostType")
        if types is None:
            types = cols["unionPostType"] = [None] * size
        for j, v in enumerate(posts):
            if v is None or (v.__class__ is str and (not v or v.isspace())) or blank(v):
                v = posts[j] = _NO_POST
            t = types[j]
            if (t is None or blank(t)) and (v == _NO_POST or text_of(v) in _NO_POST_WORDS):
                types[j] = _NO_POST_TYPE

    def _column(
        self,
        key: str,
        col: list[object],
        parse: Callable[[object, str], object],
        suspect: bytearray,
    ) -> list[object]:
        """A column's parsed values: _BLANK for a blank cell, a _Refused for a refused one
        (its row marked suspect). Text cells' results are remembered per sheet (rosters repeat
        codes, dates and organisation codes on most rows), except for columns whose values
        differ on nearly every row."""
        memo = self._memos.get(key)
        if memo is None and key not in _UNIQUE_PER_ROW:
            memo = self._memos[key] = {}
        got: list[object] = list(map(memo.get, col)) if memo is not None else [None] * len(col)
        refusing = self._refusing.get(key, False)
        if None in got:
            for j, g in enumerate(got):
                if g is not None:
                    continue
                v = col[j]
                if v is None:
                    got[j] = _BLANK
                    continue
                text = v.__class__ is str
                if text and memo is not None:
                    known = memo.get(v)
                    if known is not None:  # a value repeated within this chunk
                        got[j] = known
                        continue
                if (text and (not v or str.isspace(v))) or (not text and blank(v)):  # type: ignore[arg-type]
                    found: object = _BLANK
                else:
                    try:
                        found = parse(v, key)
                    except BadUserInput as exc:
                        found = _Refused(exc.message, exc.reason or "INVALID")
                        suspect[j] = 1
                        refusing = True
                if text and memo is not None:
                    if len(memo) >= _MEMO_LIMIT:
                        memo.clear()
                    memo[v] = found
                got[j] = found
        if refusing and memo is not None:
            self._refusing[key] = True  # refusals are in the memo: look for them on every chunk
            for j, g in enumerate(got):
                if g.__class__ is _Refused:
                    suspect[j] = 1
        return got

    def _certificates(
        self,
        rows: Sequence[tuple[int, Sequence[object]]],
        col: list[object] | None,
        parsed: dict[str, list[object]],
        suspect: bytearray,
        errors: dict[int, RowError],
    ) -> list[str | None]:
        """Certificate keys per row (None where blank or refused, the refusal in ``errors``,
        its row marked suspect). Checked with the row's 证件类型 (a resident ID when blank or
        refused) and, for a resident ID, against a given gender; a resident ID fills a blank
        gender from its 17th digit."""
        size = len(rows)
        if col is None:
            return [None] * size
        types = parsed.get("certType")
        genders = parsed.get("gender")
        today = self._today
        # resident IDs written exactly as stored: checked for the whole chunk at once
        quick = [
            j
            for j, value in enumerate(col)
            if value.__class__ is str and (types is None or types[j] is _BLANK or types[j] == "01")
        ]
        given = [None if genders is None else genders[j] for j in quick]
        accepted = resident_ids_accepted(
            [col[j] for j in quick],  # type: ignore[misc]
            [g if g in ("1", "2") else None for g in given],
            today,
        )
        done: dict[int, str] = {
            j: f"01:{col[j]}" for j, ok in zip(quick, accepted, strict=True) if ok
        }
        out: list[str | None] = []
        for j, value in enumerate(col):
            key = done.get(j)
            if key is not None:
                if genders is None or genders[j] is _BLANK:
                    if genders is None:
                        genders = parsed["gender"] = [_BLANK] * size
                    genders[j] = gender_of_checked_id(key, 19)  # key: "01:" + number
                out.append(key)
                continue
            if value is None or blank(value):
                out.append(None)
                continue
            t = None if types is None else types[j]
            cert_type = (
                str(t)
                if t is not None and t is not _BLANK and t.__class__ is not _Refused
                else "01"
            )
            try:
                if cert_type != "01":
                    number = validate_certificate(cert_type, text_of(value), field="certNumber")
                elif value.__class__ is float:
                    n = rows[j][0]
                    errors[j] = self.error(n, "certNumber", _ID_AS_NUMBER, "ID_AS_NUMBER")
                    suspect[j] = 1
                    out.append(None)
                    continue
                else:
                    g = None if genders is None else genders[j]
                    number = validate_resident_id(
                        text_of(value),
                        field="certNumber",
                        gender=str(g) if g in ("1", "2") else None,
                        today=today,
                    )
                    if genders is None or g is _BLANK:
                        if genders is None:
                            genders = parsed["gender"] = [_BLANK] * size
                        genders[j] = gender_of_checked_id(number)
            except BadUserInput as exc:
                column = "gender" if exc.reason == "GENDER_MISMATCH" else "certNumber"
                errors[j] = self.error(rows[j][0], column, exc)
                suspect[j] = 1
                out.append(None)
                continue
            out.append(f"{cert_type}:{number}")
        return out

    def _statuses(self, parsed: dict[str, list[object]], suspect: bytearray) -> list[object]:
        """Each row's membership status (the domain's ``roster_status``: RETAINED for 退休/离休);
        a row whose status cannot be imported is marked suspect."""
        given = parsed.get("status")
        employment = parsed.get("employmentStatus")
        out: list[object] = []
        for j in range(len(suspect)):
            g = None if given is None else given[j]
            e = None if employment is None else employment[j]
            status = roster_status(
                None if g is _BLANK or g.__class__ is _Refused else g,
                None if e is _BLANK or e.__class__ is _Refused else e,
            )
            if status not in IMPORTABLE_STATUSES:
                suspect[j] = 1
            out.append(status)
        return out


_FEDERATION_KINDS = {"区域性工会联合会", "行业性工会联合会"}
_UNION_PARSERS: dict[str, tuple[str, Callable[[object, str], object]]] = {
    # cell key -> (property, parser)
    "unionKind": ("kind", _code(UnionKind)),
    "level": ("level", _code(UnionLevel)),
    "status": ("status", _code(UnionStatus)),
    "foundedOn": ("foundedOn", _past),
    "termEndsOn": ("termEndsOn", _date),
    "chair": ("chair", _text(50)),
    "phone": ("phone", lambda v, f: normalise_phone(text_of(v), f)),
    "regionCode": ("regionCode", _region),
    "memberCount": ("reportedMembers", lambda v, f: parse_count(v, f)),
}
_EMPLOYER_PARSERS: dict[str, tuple[str, Callable[[object, str], object]]] = {
    "employerName": ("name", _text(100)),
    "nature": ("nature", _code(EmployerNature)),
    "employeeCount": ("employeeCount", lambda v, f: parse_count(v, f)),
    "address": ("address", _text(200)),
    "employerRegion": ("regionCode", _region),
    "industry": ("industry", _code(Industry)),
}


_UNION_DETAILS = (
    "unionId",
    "parentId",
    "foundedOn",
    "termEndsOn",
    "unionKind",
    "level",
    "status",
    "chair",
    "regionCode",
    "memberCount",
)
"""Cells that describe a union: given without a 工会名称, the row is an error (its union's data
would otherwise vanish with the row taken as an employer without a union)."""


class UnitRows(_Base):
    """Validates 附件1 / Hubei / canonical union rows into unit records (union + employer).

    Errors reject the row (codes, dates, contradictions, union details without a name); a
    blank must-collect field (Hubei: 5 union, 2 unit fields) is a gap, recorded in ``gaps``:
    a union without a code gets a temporary one (import service), a union without a kind is
    a 单独基层工会 as before. ``strict``: gaps are errors (REQUIRED)."""

    def __init__(self, header: Header, sheet: str, *, strict: bool = False) -> None:
        super().__init__(header, sheet)
        self.strict = strict
        self.union_must = [k for k in HUBEI_UNION if header.has(k)]
        self.unit_must = [k for k in HUBEI_UNIT if header.has(k)]

    def __call__(
        self, n: int, raw: Sequence[object], gaps: list[RowGap] | None = None
    ) -> tuple[UnitRow | None, list[RowError]]:
        """One row → (record, []) or (None, errors); a valid row's gaps go to ``gaps``."""
        cells = self.cells(raw)
        if not (cells.keys() - {"seq", "note"}):
            return None, []
        errors: list[RowError] = []
        found: list[RowGap] = []
        union = None
        if "unionName" in cells:
            union = self._union(n, cells, errors, found)
        elif any(k in cells for k in _UNION_DETAILS):
            given = "、".join(self.header.column_title(k) for k in _UNION_DETAILS if k in cells)
            msg = f"填写了工会信息（{given}），但缺少工会名称"
            errors.append(self.error(n, "unionName", msg, "UNION_NAME_REQUIRED"))
        has_employer = "employerName" in cells or "employerId" in cells
        employer = self._employer(n, cells, errors, found) if has_employer else None
        if union is None and employer is None and not errors:
            errors.append(self.error(n, "unionName", "缺少必填项：工会名称", "REQUIRED"))
        if errors:
            return None, errors
        if gaps is not None:
            gaps.extend(found)
        return UnitRow(n, union, employer), []

    def _must(
        self,
        n: int,
        cells: dict[str, object],
        keys: Sequence[str],
        errors: list[RowError],
        gaps: list[RowGap],
    ) -> None:
        if self.strict:
            errors.extend(self.required(n, cells, keys))
        else:
            self.gaps(n, cells, keys, gaps)

    def _parse(
        self,
        n: int,
        cells: dict[str, object],
        parsers: dict[str, tuple[str, Callable[[object, str], object]]],
        errors: list[RowError],
    ) -> dict[str, object]:
        props: dict[str, object] = {}
        for key, (prop, parse) in parsers.items():
            if key in cells:
                try:
                    props[prop] = parse(cells[key], key)
                except BadUserInput as exc:
                    errors.append(self.error(n, key, exc))
        return props

    def _union(
        self, n: int, cells: dict[str, object], errors: list[RowError], gaps: list[RowGap]
    ) -> UnionRecord | None:
        before = len(errors)
        self._must(n, cells, self.union_must, errors, gaps)
        props = self._parse(n, cells, _UNION_PARSERS, errors)
        ids: dict[str, str | None] = {"unionId": None, "parentId": None}
        for key in ids:
            if key in cells:
                try:
                    ids[key] = _org(cells[key], key)
                except BadUserInput as exc:
                    errors.append(self.error(n, key, exc))
        kind = str(props.get("kind") or "单独基层工会")
        props["kind"] = kind
        props.setdefault("status", "ACTIVE")
        if "level" not in props:
            if kind in _FEDERATION_KINDS:
                props["level"] = "FEDERATION"
            elif kind == "工会工作委员会":
                props["level"] = "TOWNSHIP"
            elif kind in ("单独基层工会", "联合基层工会"):
                props["level"] = "GRASSROOTS"
            else:
                msg = f"工会类型为{kind}时须填写工会层级"
                errors.append(self.error(n, "unionKind", msg, "LEVEL_REQUIRED"))
        founded, ends = props.get("foundedOn"), props.get("termEndsOn")
        if founded and ends and str(ends) < str(founded):
            errors.append(
                self.error(n, "termEndsOn", "届期不能早于建会日期", "TERM_BEFORE_FOUNDED")
            )
        if len(errors) > before:
            return None
        name = _text(100)(cells["unionName"], "unionName")
        return UnionRecord(ids["unionId"], name, ids["parentId"], props)

    def _employer(
        self, n: int, cells: dict[str, object], errors: list[RowError], gaps: list[RowGap]
    ) -> EmployerRecord | None:
        before = len(errors)
        self._must(n, cells, self.unit_must, errors, gaps)
        if "employerId" not in cells and "employerId" not in self.unit_must:
            if self.strict:  # no code column: the employer gets a temporary code
                msg = "缺少必填项：单位统一社会信用代码"
                errors.append(self.error(n, "employerName", msg, "REQUIRED"))
            elif "employerName" in self.unit_must:
                gaps.append(RowGap(self.sheet, n, "单位统一社会信用代码"))
        props = self._parse(n, cells, _EMPLOYER_PARSERS, errors)
        employer_id = None
        if "employerId" in cells:
            try:
                employer_id = _org(cells["employerId"], "employerId")
            except BadUserInput as exc:
                errors.append(self.error(n, "employerId", exc))
        if len(errors) > before:
            return None
        return EmployerRecord(employer_id, props)
