"""Pools of Chinese names for the demo generator, built once, sampled in O(1).

Faker is used only as a source of word lists (``zh_CN`` surnames with their frequency
weights, given-name characters, company-name stems); no Faker call happens per row,
which keeps generation fast and deterministic.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from functools import lru_cache

from faker.providers.company.zh_CN import Provider as _CompanyProvider
from faker.providers.person.zh_CN import Provider as _PersonProvider

#: Size of the weighted surname lookup table (surname i appears ∝ its frequency).
_SURNAME_TABLE_SIZE = 20_000
_GIVEN_POOL_SIZE = 4_000

# Extra given-name characters so two-character names are varied (common in registers).
_MALE_CHARS = (
    "伟强磊洋勇军杰涛超明刚平辉鹏华飞鑫波斌宇浩凯健俊帆帅旭宁龙林欢阳建国志文峰海晨航博"
    "宏子轩天佑昊然嘉豪哲世铭泽睿智正清振兴家乐永康德胜立新金光荣卫东春雷云庆丰成武亮"
)
_FEMALE_CHARS = (
    "芳娜敏静丽艳娟霞燕玲丹萍红英梅琳雪婷慧莉洁颖倩琴云蓉月莹佳欣怡悦瑶璐晶薇秀桂兰玉"
    "淑珍凤春晓思雨子涵雅琪诗梦紫萱桐心可馨婉清美彩娥翠素芬露蕾瑾妍"
)


@dataclass(frozen=True, slots=True)
class NamePools:
    """Surname table and per-gender given-name pools; index with ``int(random() * len)``."""

    surnames: tuple[str, ...]
    male: tuple[str, ...]
    female: tuple[str, ...]


def _given_pool(rng: random.Random, base: list[str], chars: str) -> tuple[str, ...]:
    singles = sorted({c for name in base for c in name} | set(chars))
    pool: list[str] = list(dict.fromkeys(base))
    seen = set(pool)
    target = min(_GIVEN_POOL_SIZE, len(pool) + len(singles) ** 2 // 2)
    while len(pool) < target:
        # about one name in four is a single character, the rest two characters
        name = (
            rng.choice(singles)
            if rng.random() < 0.25
            else rng.choice(singles) + rng.choice(singles)
        )
        if len(name) == 2 and name[0] == name[1] and rng.random() < 0.8:
            continue
        if name not in seen:
            seen.add(name)
            pool.append(name)
    return tuple(pool)


@lru_cache(maxsize=1)
def name_pools() -> NamePools:
    """Build the pools (fixed seed: the pools are the same for every demo seed)."""
    rng = random.Random("union-tree:name-pools")
    weights = dict(_PersonProvider.last_names)
    total = sum(weights.values())
    surnames: list[str] = []
    for name, weight in weights.items():
        surnames.extend([name] * max(1, round(weight / total * _SURNAME_TABLE_SIZE)))
    male = _given_pool(rng, list(_PersonProvider.first_names_male), _MALE_CHARS)
    female = _given_pool(rng, list(_PersonProvider.first_names_female), _FEMALE_CHARS)
    return NamePools(tuple(surnames), male, female)


def person_name(rng: random.Random, male: bool) -> str:
    """A Chinese full name (surname + given name) for the given gender."""
    pools = name_pools()
    given = pools.male if male else pools.female
    rnd = rng.random
    return pools.surnames[int(rnd() * len(pools.surnames))] + given[int(rnd() * len(given))]


#: Company-name stems from Faker (the ones that embed a city name are left out).
_EXTRA_STEMS = [
    "楚天",
    "长江",
    "汉江",
    "荆楚",
    "华中",
    "东风",
    "金桥",
    "鸿运",
    "立信",
    "恒达",
    "嘉禾",
    "华泰",
    "同创",
    "明德",
    "瑞丰",
    "启航",
    "中联",
    "宏图",
    "新城",
    "兴业",
    "安泰",
    "博远",
    "晨光",
    "德润",
    "丰源",
    "广源",
    "和信",
    "佳诚",
    "锦程",
    "凯旋",
]
COMPANY_STEMS: tuple[str, ...] = (
    *(
        p
        for p in _CompanyProvider.company_prefixes
        if len(p) <= 4 and not any(c in p for c in "京沪津济南州")
    ),
    *_EXTRA_STEMS,
)

#: Business-line words per GB/T 4754 section.
INDUSTRY_WORDS: dict[str, tuple[str, ...]] = {
    "A": ("生态农业", "农业开发", "种植", "水产养殖", "林业"),
    "B": ("矿业", "石材开采"),
    "C": ("机械制造", "汽车零部件", "电子", "食品", "纺织", "化工", "建材", "光电", "制药", "包装"),
    "D": ("电力", "燃气", "新能源"),
    "E": ("建筑工程", "建设", "路桥工程", "装饰工程"),
    "F": ("商贸", "百货", "超市", "医药连锁", "建材贸易"),
    "G": ("物流", "运输", "快递", "客运"),
    "H": ("餐饮管理", "酒店", "饮食服务"),
    "I": ("信息技术", "软件", "网络科技", "数据服务"),
    "J": ("小额贷款", "融资担保"),
    "K": ("物业管理", "房地产开发", "置业"),
    "L": ("人力资源", "商务咨询", "广告"),
    "M": ("工程设计", "检测技术", "科技研发"),
    "N": ("环保科技", "园林绿化", "水务"),
    "O": ("家政服务", "汽车维修", "洗涤服务"),
    "P": ("教育咨询", "职业培训"),
    "Q": ("医疗管理", "健康管理", "养老服务"),
    "R": ("文化传媒", "体育发展", "影视"),
    "S": ("社会服务",),
    "T": ("国际合作",),
}

#: Organisation-form suffix per 单位性质 code.
ORG_FORMS: dict[str, tuple[str, ...]] = {
    "03": ("有限责任公司", "集团有限公司", "有限公司"),
    "04": ("合作社", "有限公司", "厂"),
    "05": ("有限公司", "有限公司", "有限责任公司", "有限公司"),
    "06": ("经营部", "店", "服务部", "工作室"),
    "07": ("联营有限公司", "有限公司"),
    "08": ("股份有限公司",),
    "09": ("有限公司", "（中国）有限公司"),
    "10": ("有限公司", "实业有限公司"),
}

#: 党政机关 departments and 事业单位 types.
GOVERNMENT_UNITS: tuple[str, ...] = (
    "人民政府办公室",
    "发展和改革局",
    "教育局",
    "财政局",
    "人力资源和社会保障局",
    "自然资源和规划局",
    "住房和城乡建设局",
    "交通运输局",
    "水利和湖泊局",
    "农业农村局",
    "商务局",
    "文化和旅游局",
    "卫生健康委员会",
    "应急管理局",
    "市场监督管理局",
    "统计局",
    "医疗保障局",
    "城市管理执法局",
    "民政局",
    "司法局",
    "审计局",
    "税务局",
    "生态环境分局",
    "退役军人事务局",
)
PUBLIC_INSTITUTIONS: dict[str, tuple[str, ...]] = {
    "P": ("第一中学", "第二中学", "实验中学", "实验小学", "中心小学", "职业技术学校", "幼儿园"),
    "Q": ("人民医院", "中医医院", "妇幼保健院", "疾病预防控制中心", "社区卫生服务中心"),
    "R": ("图书馆", "文化馆", "广播电视台", "博物馆"),
    "M": ("农业技术推广中心", "产品质量检验所", "气象局气象台"),
    "A": ("农业科学研究所", "林业工作站", "水产技术推广站"),
    "N": ("城市建设档案馆", "公共资源交易中心", "不动产登记中心", "园林绿化管理处"),
}

#: Characters for township / community place names (two are combined).
_PLACE_CHARS = (
    "东西南北中新旧大小金银石马龙凤白青黄红花桥湾港口河湖山岭岗坪"
    "店集铺庙寺洲桃李杨柳松竹梅兰和平安宁永兴隆福寿丰盛长乐"
)

#: 行业性工会联合会 lines.
FEDERATION_TRADES: tuple[str, ...] = (
    "餐饮",
    "快递物流",
    "建筑",
    "家政服务",
    "网约车",
    "商贸",
    "物业",
    "美容美发",
    "汽车维修",
    "货运",
    "民办教育",
    "医药零售",
)
#: 区域性工会联合会 areas.
FEDERATION_AREAS: tuple[str, ...] = ("工业园区", "社区", "商务楼宇", "商圈", "村", "开发区")


def place_name(rng: random.Random) -> str:
    """A plausible two-character place name (for townships, communities, parks)."""
    a = rng.choice(_PLACE_CHARS)
    b = rng.choice(_PLACE_CHARS)
    while b == a:
        b = rng.choice(_PLACE_CHARS)
    return a + b


def short_name(name: str) -> str:
    """Short form of a division name: 武汉市 → 武汉, 恩施土家族苗族自治州 → 恩施, 随县 → 随县."""
    for suffix in ("土家族苗族自治州", "土家族自治县", "林区"):
        if name.endswith(suffix) and len(name) > len(suffix):
            return name[: -len(suffix)]
    if "自治" in name:
        return name[:2]
    if len(name) > 2 and name[-1] in "市区县州盟旗":
        return name[:-1]
    return name
