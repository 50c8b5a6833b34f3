"""Code tables of the register: each member's value is the stored code, ``.label`` its Chinese name.

Every table is a :class:`CodeTable` (a ``StrEnum``) whose members are declared as
``NAME = (code, label, *synonyms)``; ``Table.parse(text)`` accepts the code, the label,
the member name or a synonym, forgiving spaces, full-width characters and ASCII case.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from enum import StrEnum
from typing import TYPE_CHECKING, Self, TypeVar

from graph_service.errors import BadUserInput

__all__ = [
    "CertificateType",
    "CodeTable",
    "Education",
    "EmployerNature",
    "EmploymentStatus",
    "Gender",
    "HouseholdType",
    "Industry",
    "LeaveReason",
    "MembershipChangeReason",
    "MembershipChangeType",
    "MembershipStatus",
    "OrphanReason",
    "PoliticalStatus",
    "TransferState",
    "UnionKind",
    "UnionLevel",
    "UnionPostType",
    "UnionStatus",
    "fold",
]

_T = TypeVar("_T", bound="CodeTable")
_TITLES: dict[type[CodeTable], tuple[str, str]] = {}
_LOOKUPS: dict[type[CodeTable], dict[str, CodeTable]] = {}


def fold(text: str) -> str:
    """Fold text for forgiving comparison: NFKC (full-width → half-width), no spaces, casefold."""
    return "".join(unicodedata.normalize("NFKC", text).split()).casefold()


def table(title: str, field: str) -> Callable[[type[_T]], type[_T]]:
    """Class decorator naming a code table (Chinese title, default input field)."""

    def register(cls: type[_T]) -> type[_T]:
        _TITLES[cls] = (title, field)
        return cls

    return register


class CodeTable(StrEnum):
    """Base of the code tables: value = stored code, plus a Chinese label and synonyms."""

    _value_: str
    _label: str
    _synonyms: tuple[str, ...]

    if TYPE_CHECKING:  # members are declared as tuples, but the value is the code

        @property
        def value(self) -> str: ...

    else:  # hidden from mypy so that ``Table("code")`` type-checks as a lookup

        def __new__(cls, value: str, label: str, *synonyms: str) -> Self:
            obj = str.__new__(cls, value)
            obj._value_ = value
            obj._label = label
            obj._synonyms = synonyms
            return obj

    @property
    def label(self) -> str:
        """The Chinese label shown to officials."""
        return self._label

    @classmethod
    def labels(cls) -> list[str]:
        """All labels of the table, in code order."""
        return [m.label for m in cls]

    @classmethod
    def _lookup(cls) -> dict[str, CodeTable]:
        found = _LOOKUPS.get(cls)
        if found is None:
            found = {}
            for member in cls:
                for key in (member.value, member.name, member.label, *member._synonyms):
                    found.setdefault(fold(key), member)
            _LOOKUPS[cls] = found
        return found

    @classmethod
    def parse(cls, text: object, *, field: str | None = None) -> Self:
        """Return the member for a code, label, member name or synonym; else BadUserInput."""
        if isinstance(text, cls):
            return text
        title, default_field = _TITLES.get(cls, (cls.__name__, cls.__name__))
        if isinstance(text, int | float) and not isinstance(text, bool) and text == int(text):
            text = str(int(text))
        member = None
        if isinstance(text, str):
            key = fold(text)
            lookup = cls._lookup()
            member = lookup.get(key)
            if member is None and key.isdigit():  # Excel turns "01" into 1
                member = lookup.get(key.zfill(len(next(iter(cls)).value)))
        if member is None:
            accepted = "、".join(cls.labels())
            raise BadUserInput(
                f"无法识别的{title}，可填写：{accepted}",
                reason="UNKNOWN_CODE",
                field=field or default_field,
            )
        return member  # type: ignore[return-value]


@table("工会层级", "level")
class UnionLevel(CodeTable):
    NATIONAL = ("NATIONAL", "全国总工会", "全总")
    PROVINCE = ("PROVINCE", "省总工会", "省级")
    CITY = ("CITY", "市(地、州)总工会", "市总工会", "市级")
    COUNTY = ("COUNTY", "县(市、区)总工会", "县总工会", "区总工会", "县级")
    TOWNSHIP = ("TOWNSHIP", "乡镇(街道)总工会", "乡镇总工会", "街道总工会", "乡镇级")
    FEDERATION = ("FEDERATION", "区域性/行业性工会联合会", "基层工会联合会")
    GRASSROOTS = ("GRASSROOTS", "基层工会")

    @property
    def rank(self) -> int:
        """0 for NATIONAL down to 6 for GRASSROOTS: a lower number is a higher level."""
        return _LEVEL_RANK[self]


_LEVEL_RANK: dict[UnionLevel, int] = {level: i for i, level in enumerate(UnionLevel)}


@table("工会状态", "status")
class UnionStatus(CodeTable):
    PREPARING = ("PREPARING", "筹备", "筹备中")
    ACTIVE = ("ACTIVE", "正常")
    DISSOLVED = ("DISSOLVED", "已撤销", "撤销")


@table("会籍状态", "status")
class MembershipStatus(CodeTable):
    ACTIVE = ("ACTIVE", "在册")
    RETAINED = ("RETAINED", "保留会籍", "保留")
    TRANSFERRING = ("TRANSFERRING", "接转中")
    LEFT = ("LEFT", "已离会", "离会")


@table("离会原因", "reason")
class LeaveReason(CodeTable):
    RETIRED = ("RETIRED", "退休")
    LEFT_JOB = ("LEFT_JOB", "离职")
    TRANSFERRED_OUT = ("TRANSFERRED_OUT", "转出")
    UNEMPLOYED = ("UNEMPLOYED", "失业")
    EMPLOYER_CLOSED = ("EMPLOYER_CLOSED", "单位关闭或破产", "企业破产", "单位关闭")
    EXPELLED = ("EXPELLED", "除名")
    WITHDREW = ("WITHDREW", "退会")
    DECEASED = ("DECEASED", "死亡")


@table("空挂原因", "reason")
class OrphanReason(CodeTable):
    NO_UNION = ("NO_UNION", "无所属工会")
    UNION_DISSOLVED = ("UNION_DISSOLVED", "所属工会已撤销")
    UNION_DETACHED = ("UNION_DETACHED", "所属工会未接入工会树")
    NO_EMPLOYER = ("NO_EMPLOYER", "无工作单位")
    EMPLOYER_NOT_COVERED = ("EMPLOYER_NOT_COVERED", "工作单位不在所属工会覆盖范围内")
    DUPLICATE_ID = ("DUPLICATE_ID", "证件号重复在册")


@table("接转状态", "state")
class TransferState(CodeTable):
    REQUESTED = ("REQUESTED", "已申请")
    RELEASED = ("RELEASED", "已转出")
    COMPLETED = ("COMPLETED", "已转入")
    REJECTED = ("REJECTED", "已退回")
    EXPIRED = ("EXPIRED", "已过期")
    CANCELLED = ("CANCELLED", "已撤回")


@table("工会类型", "kind")
class UnionKind(CodeTable):
    LOCAL = ("地方总工会", "地方总工会")
    INDUSTRY = ("产业工会", "产业工会")
    REGIONAL_FEDERATION = ("区域性工会联合会", "区域性工会联合会", "工会联合会")
    SECTOR_FEDERATION = ("行业性工会联合会", "行业性工会联合会")
    WORK_COMMITTEE = ("工会工作委员会", "工会工作委员会")
    SINGLE = ("单独基层工会", "单独基层工会", "单建", "单一")
    JOINT = ("联合基层工会", "联合基层工会", "联合工会", "联合")


@table("性别", "gender")
class Gender(CodeTable):
    MALE = ("1", "男", "男性")
    FEMALE = ("2", "女", "女性")
    UNKNOWN = ("0", "未知的性别", "未知")
    UNSPECIFIED = ("9", "未说明的性别", "未说明")


@table("户籍类型", "householdType")
class HouseholdType(CodeTable):
    URBAN = ("1", "城镇", "非农业", "城镇户口", "非农业户口")
    RURAL = ("2", "农村", "农业", "农村户口", "农业户口")


@table("政治面貌", "political")
class PoliticalStatus(CodeTable):
    CPC_MEMBER = ("01", "中共党员", "党员", "中国共产党党员")
    CPC_PROBATIONARY = ("02", "中共预备党员", "预备党员")
    CYL_MEMBER = ("03", "共青团员", "团员")
    RCCK = ("04", "民革党员")
    CDL = ("05", "民盟盟员")
    CNDCA = ("06", "民建会员")
    CAPD = ("07", "民进会员")
    CPWDP = ("08", "农工党党员")
    CZGP = ("09", "致公党党员")
    JIUSAN = ("10", "九三学社社员")
    TDSL = ("11", "台盟盟员")
    NON_PARTISAN = ("12", "无党派人士", "无党派")
    MASSES = ("13", "群众")


@table("单位性质", "nature")
class EmployerNature(CodeTable):
    PARTY_GOVERNMENT = ("01", "党政机关", "机关")
    PUBLIC_INSTITUTION = ("02", "事业单位")
    STATE_OWNED = ("03", "国有经济", "国有", "国有企业")
    COLLECTIVE = ("04", "集体经济", "集体", "集体企业")
    PRIVATE = ("05", "私营经济", "私营", "民营", "私营企业", "民营企业")
    INDIVIDUAL = ("06", "个体经济", "个体", "个体工商户")
    JOINT_OPERATION = ("07", "联营经济", "联营")
    SHAREHOLDING = ("08", "股份制", "股份制经济")
    FOREIGN = ("09", "外商投资", "外资", "外商投资企业")
    HK_MACAO_TAIWAN = ("10", "港澳台投资", "港澳台", "港澳台投资企业")


@table("就业状况", "employmentStatus")
class EmploymentStatus(CodeTable):
    EMPLOYED = ("1", "在岗")
    LAID_OFF = ("2", "待(下)岗", "下岗", "待岗")
    UNEMPLOYED = ("3", "失业")
    RETIRED = ("4", "退休")
    LIXIU = ("5", "离休")
    RESIGNED = ("6", "退职")
    INTERNAL_RETIREMENT = ("7", "退养(内退)", "退养", "内退")
    SICK_LEAVE = ("8", "病休")
    OTHER = ("9", "其他")


@table("会籍变化类型", "changeType")
class MembershipChangeType(CodeTable):
    JOIN = ("1", "入会")
    TRANSFER_IN = ("2", "转入")
    RETAIN = ("3", "保留")
    TRANSFER_OUT = ("4", "转出")
    EXPEL = ("5", "除名")
    WITHDRAW = ("6", "退会")


@table("会籍变化原因", "changeReason")
class MembershipChangeReason(CodeTable):
    LABOUR_RELATION = ("1", "劳动(工作)关系变化", "劳动关系变化", "工作关系变化")
    LAID_OFF = ("2", "本单位下岗待岗", "下岗待岗")
    UNEMPLOYED = ("3", "失业")
    BANKRUPTCY = ("4", "企业破产", "破产")
    WITHDRAWAL = ("5", "个人要求退会", "退会")
    CRIMINAL = ("6", "因犯罪被开除", "开除")


@table("证件类型", "certType")
class CertificateType(CodeTable):
    RESIDENT_ID = ("01", "居民身份证", "身份证", "二代身份证")
    HK_MACAO_PERMIT = ("02", "港澳居民来往内地通行证", "回乡证", "港澳通行证")
    TAIWAN_PERMIT = ("03", "台湾居民来往大陆通行证", "台胞证")
    FOREIGN_PERMANENT = ("04", "外国人永久居留身份证", "外国人永久居留证", "绿卡")
    PASSPORT = ("05", "护照")
    OTHER = ("99", "其他", "其他证件")


@table("学历", "education")
class Education(CodeTable):
    POSTGRADUATE = ("10", "研究生", "博士", "硕士", "博士研究生", "硕士研究生")
    BACHELOR = ("20", "大学本科", "本科")
    JUNIOR_COLLEGE = ("30", "大学专科", "专科", "大专")
    SECONDARY_VOCATIONAL = ("40", "中等专业学校", "中专", "中技", "技校")
    SENIOR_HIGH = ("60", "普通高级中学", "高中")
    JUNIOR_HIGH = ("70", "初级中学", "初中")
    PRIMARY = ("80", "小学")
    OTHER = ("90", "其他")


@table("专兼职工会职务标识", "unionPostType")
class UnionPostType(CodeTable):
    FULL_TIME = ("1", "专职")
    PART_TIME = ("2", "兼职")
    NONE = ("0", "无", "无职务")


@table("行业门类", "industry")
class Industry(CodeTable):
    A = ("A", "农、林、牧、渔业")
    B = ("B", "采矿业")
    C = ("C", "制造业")
    D = ("D", "电力、热力、燃气及水生产和供应业")
    E = ("E", "建筑业")
    F = ("F", "批发和零售业")
    G = ("G", "交通运输、仓储和邮政业")
    H = ("H", "住宿和餐饮业")
    I = ("I", "信息传输、软件和信息技术服务业")  # noqa: E741
    J = ("J", "金融业")
    K = ("K", "房地产业")
    L = ("L", "租赁和商务服务业")
    M = ("M", "科学研究和技术服务业")
    N = ("N", "水利、环境和公共设施管理业")
    O = ("O", "居民服务、修理和其他服务业")  # noqa: E741
    P = ("P", "教育")
    Q = ("Q", "卫生和社会工作")
    R = ("R", "文化、体育和娱乐业")
    S = ("S", "公共管理、社会保障和社会组织")
    T = ("T", "国际组织")
