"""Column sets of the templates: 附件1 (units and unions), 附件3 (member roster), the Hubei 2023
required fields, and the canonical bulk format. Each column is a field key with its header
synonyms; the first synonym is the header written on export.
"""

from __future__ import annotations

from graph_service.domain.quality import MEMBER_FIELDS

MEMBER_COLUMNS: dict[str, tuple[str, ...]] = {
    "seq": ("序号", "编号"),
    "unionId": ("工会编码", "工会代码", "所属工会代码", "所属工会编码", "unionId"),
    "unionName": ("工会名称", "所属工会"),
    "name": ("姓名", "会员姓名"),
    "gender": ("性别",),
    "certType": ("证件类型",),
    "certNumber": (
        "身份证号码",
        "身份证号",
        "证件号码",
        "证件号",
        "公民身份号码",
        "身份证",
        "idNumber",
    ),
    "nationality": ("国籍",),
    "education": ("学历", "文化程度"),
    "phone": ("手机号码", "联系电话", "手机号", "手机", "联系方式", "电话", "phone"),
    "householdType": ("户籍类型", "户口性质", "户籍性质", "户口类型"),
    "employerName": ("所属单位", "工作单位", "单位名称"),
    "employerId": ("单位代码", "单位统一社会信用代码", "所属单位代码", "employerId"),
    "employmentStatus": ("就业状况", "就业状态"),
    "unionPost": ("担任工会职务", "工会职务"),
    "unionPostType": ("专兼职", "专兼职工会职务标识", "专兼职标识", "专兼职工会职务"),
    "joinedOn": ("入会时间", "入会日期"),
    "newFormWorker": ("新就业形态劳动者", "是否新就业形态劳动者", "新就业形态"),
    "political": ("政治面貌",),
    "status": ("会籍状态",),
}

UNIT_COLUMNS: dict[str, tuple[str, ...]] = {
    "seq": ("序号", "编号"),
    "employerName": ("单位名称",),
    "employerId": (
        "单位统一社会信用代码",
        "单位组织机构代码证",
        "统一社会信用代码",
        "组织机构代码",
        "法人和其他组织统一社会信用代码",
        "单位代码",
        "employerId",
    ),
    "nature": ("单位性质", "经济类型", "单位经济类型"),
    "address": ("单位地址", "地址"),
    "employeeCount": ("职工人数", "职工数"),
    "employerRegion": ("单位行政区划代码", "单位所在地区划代码"),
    "industry": ("行业", "所属行业", "行业门类"),
    "unionName": ("工会名称",),
    "foundedOn": ("建会时间", "建会日期", "成立时间"),
    "unionKind": ("工会类型", "基层工会类型"),
    "memberCount": ("会员人数", "会员数"),
    "chair": ("工会负责人", "工会主席"),
    "phone": ("联系电话", "电话"),
    "note": ("备注",),
    "unionId": (
        "社团法人统一社会信用代码",
        "工会统一社会信用代码",
        "工会代码",
        "工会编码",
        "unionId",
    ),
    "termEndsOn": ("届期", "届满日期", "届期届满日期", "本届届满时间"),
    "parentId": ("上级工会代码", "上级工会编码", "上级工会统一社会信用代码", "parentId"),
    "level": ("工会层级", "level"),
    "status": ("工会状态",),
    "regionCode": ("工会行政区划代码", "行政区划代码", "regionCode"),
}

# A file must have these columns (every missing one is named).
MEMBER_REQUIRED = ("name", "certNumber")
UNIT_REQUIRED = ("unionName",)

# Hubei 2023 (鄂工办发〔2023〕15号): 9 member, 5 union and 2 unit fields that must be filled.
HUBEI_MEMBER = MEMBER_FIELDS  # one list for imports and the dataQuality scorecard
HUBEI_UNION = ("unionName", "unionKind", "unionId", "foundedOn", "termEndsOn")
HUBEI_UNIT = ("employerName", "employerId")

# Meta lines above the roster's table (附件3): label -> key.
ROSTER_META = {"工会名称": "unionName", "联系人": "contact", "联系电话": "contactPhone"}


def title(kind: str, key: str) -> str:
    """The header a column is written under (first synonym)."""
    table = MEMBER_COLUMNS if kind == "members" else UNIT_COLUMNS
    return table[key][0]
