"""Targets stage: real-shaped task texts -> quantitative targets.

Examples are written in the shapes of the notices in shared/sample and shared/corpus (district,
city and State Council breakdown notices), not copied from them. Every case is extracted with the
item standing at a non-zero offset, so the absolute offsets are checked too.
"""

from __future__ import annotations

import doctest
import shutil
from typing import NamedTuple

import pytest

import pipeline.targets as targets_module
from pipeline.errors import RulesError
from pipeline.rules import DEFAULT_RULES_DIR, load_rules
from pipeline.targets import extract_targets

#: Where the item text stands in the (imaginary) full text of the document.
OFFSET = 1000


class T(NamedTuple):
    """An expected target (fields of pipeline.records.Target, minus ids and offsets)."""

    metric: str
    kind: str
    value: float
    unit: str
    value_std: float
    unit_std: str
    qualifier: str = "exact"
    aspirational: bool = False
    value_high: float | None = None
    text: str | None = None  # the span; None: not checked for this case


@pytest.fixture(scope="module")
def rules():
    return load_rules().targets


def extract(text: str, rules) -> tuple:
    found = extract_targets("doc", 7, text, OFFSET, rules)
    for t in found:
        # provenance: the span is the text at the absolute offsets
        assert t.span_text == text[t.span_start - OFFSET:t.span_end - OFFSET]
        assert t.doc_id == "doc" and t.item_seq == 7
    return found


def check(text: str, expected: list[T], rules) -> None:
    found = extract(text, rules)
    got = [T(t.metric, t.kind, t.value, t.unit, t.value_std, t.unit_std, t.qualifier,
             t.aspirational, t.value_high, t.span_text) for t in found]
    want = [e if e.text is not None else e._replace(text=g.text) for e, g in zip(expected, got)]
    want += expected[len(got):]
    assert got == want


# --------------------------------------------------------------------------
# District notices like the sample (港政发〔2025〕1号): indicator lines and task items
# --------------------------------------------------------------------------

DISTRICT = [
    ("growth-around", "地方生产总值增长6.5%左右。",
     [T("地方生产总值", "growth", 6.5, "%", 6.5, "%", "around", text="地方生产总值增长6.5%左右")]),
    ("rate-at-most-control", "居民收入增长与经济增长同步，城镇登记失业率控制在4%以内",
     [T("城镇登记失业率", "rate", 4.0, "%", 4.0, "%", "at_most", text="城镇登记失业率控制在4%以内")]),
    ("list-of-counts-hedged",
     "完善梯次培育机制，力争新增科技型中小企业6家、省级以上专精特新企业3家、高新技术企业4家，实现高技术制造业增加值增长3%以上。",
     [T("新增科技型中小企业", "count", 6, "家", 6, "家", aspirational=True, text="新增科技型中小企业6家"),
      T("省级以上专精特新企业", "count", 3, "家", 3, "家", aspirational=True, text="省级以上专精特新企业3家"),
      T("高新技术企业", "count", 4, "家", 4, "家", aspirational=True),
      T("高技术制造业增加值", "growth", 3, "%", 3, "%", "at_least", aspirational=True,
        text="高技术制造业增加值增长3%以上")]),
    ("hedge-ends-at-sentence", "力争技改投资额5000万元以上。完成中小企业数字化改造4家。",
     [T("技改投资额", "amount", 5000, "万元", 5e7, "元", "at_least", True, text="技改投资额5000万元以上"),
      T("中小企业数字化改造", "count", 4, "家", 4, "家", text="中小企业数字化改造4家")]),
    ("rate-over", "创新国有资产盘活利用路径，力争有效资产盘活率超85%。",
     [T("有效资产盘活率", "rate", 85, "%", 85, "%", "over", True, text="有效资产盘活率超85%")]),
    ("paired-rates-shared-qualifier", "力争“三库”转化率、按时竣工率分别达到75%、90%以上。",
     [T("“三库”转化率", "rate", 75, "%", 75, "%", "at_least", True, text="“三库”转化率、按时竣工率分别达到75%"),
      T("按时竣工率", "rate", 90, "%", 90, "%", "at_least", True, text="按时竣工率分别达到75%、90%以上")]),
    ("paired-growths", "力争国有企业资产规模、营业收入分别增长8%、50%以上。",
     [T("国有企业资产规模", "growth", 8, "%", 8, "%", "at_least", True),
      T("营业收入", "growth", 50, "%", 50, "%", "at_least", True)]),
    ("count-before-noun-and-amount",
     "力争9个项目纳入国家、省级项目清单，对上争取项目资金增长40%以上。全年计划实施项目38个，总投资126.5亿元。",
     [T("项目纳入国家、省级项目清单", "count", 9, "个", 9, "个", aspirational=True,
        text="9个项目纳入国家、省级项目清单"),
      T("对上争取项目资金", "growth", 40, "%", 40, "%", "at_least", True),
      T("计划实施项目", "count", 38, "个", 38, "个", text="计划实施项目38个"),
      T("总投资", "amount", 126.5, "亿元", 1.265e10, "元", text="总投资126.5亿元")]),
    ("threshold-in-metric-name", "力争全年新签约亿元以上项目20个、总投资达60亿元、实际到位资金达30亿元",
     [T("新签约亿元以上项目", "count", 20, "个", 20, "个", aspirational=True, text="新签约亿元以上项目20个"),
      T("总投资", "amount", 60, "亿元", 6e9, "元", aspirational=True, text="总投资达60亿元"),
      T("实际到位资金", "amount", 30, "亿元", 3e9, "元", aspirational=True, text="实际到位资金达30亿元")]),
    ("urban-renewal-list", "稳步推进城市更新，改造老旧小区3个，提质口袋公园2个，升级管网15公里，新增停车泊位280个。",
     [T("改造老旧小区", "count", 3, "个", 3, "个", text="改造老旧小区3个"),
      T("提质口袋公园", "count", 2, "个", 2, "个"),
      T("升级管网", "quantity", 15, "公里", 15, "公里", text="升级管网15公里"),
      T("新增停车泊位", "count", 280, "个", 280, "个")]),
    ("count-before-noun-households", "扩大普惠养老服务，完成40户困难老年人家庭适老化改造。",
     [T("困难老年人家庭适老化改造", "count", 40, "户", 40, "户", text="40户困难老年人家庭适老化改造")]),
    ("measure-word-after-place-list", "实施天园片区等8处危旧房改造项目",
     [T("危旧房改造项目", "count", 8, "处", 8, "处", text="8处危旧房改造项目")]),
    ("jobs-items", "提档升级就业服务站2个，举办系列招聘活动40场次，新增城镇就业4500人。",
     [T("提档升级就业服务站", "count", 2, "个", 2, "个"),
      T("举办系列招聘活动", "count", 40, "场次", 40, "场次"),
      T("新增城镇就业", "count", 4500, "人", 4500, "人", text="新增城镇就业4500人")]),
    ("count-at-least-events", "组织开展各类促消费活动25场以上。",
     [T("组织开展各类促消费活动", "count", 25, "场", 25, "场", "at_least")]),
    ("chinese-numeral-two-communities", "推进东湖、西湖两个社区党群服务中心改造",
     # decision: 两个社区 is a count of 2 (two named communities to renovate)
     [T("社区党群服务中心改造", "count", 2, "个", 2, "个", text="两个社区党群服务中心改造")]),
    ("hedge-then-firm", "力争1家社区卫生服务中心达到推荐标准，确保新增托位50个",
     [T("社区卫生服务中心达到推荐标准", "count", 1, "家", 1, "家", aspirational=True),
      T("新增托位", "count", 50, "个", 50, "个", aspirational=False)]),
]

# --------------------------------------------------------------------------
# City-level notices (咸宁 2024, 嘉鱼 2021, 蔡甸 2023, 立山 2023, 长春 2012)
# --------------------------------------------------------------------------

CITY = [
    ("jobs-in-ten-thousands", "城镇新增就业3.2万人,城镇登记失业率3%左右。",
     [T("城镇新增就业", "count", 3.2, "万人", 32000, "人", text="城镇新增就业3.2万人"),
      T("城镇登记失业率", "rate", 3, "%", 3, "%", "around")]),
    ("cpi-growth-at-most", "居民消费价格指数涨幅控制在3%以内。",
     [T("居民消费价格指数", "growth", 3, "%", 3, "%", "at_most", text="居民消费价格指数涨幅控制在3%以内")]),
    ("growth-exact", "地方公共预算收入增长25%。",
     [T("地方公共预算收入", "growth", 25, "%", 25, "%")]),
    ("growth-at-least", "规上工业增加值增长11%以上",
     [T("规上工业增加值", "growth", 11, "%", 11, "%", "at_least")]),
    ("two-growths-one-line", "社会消费品零售总额增长12%、外贸进出口总额增长15%。",
     [T("社会消费品零售总额", "growth", 12, "%", 12, "%"), T("外贸进出口总额", "growth", 15, "%", 15, "%")]),
    ("hedge-nuli", "努力实现地区生产总值增长6%左右。",
     [T("地区生产总值", "growth", 6, "%", 6, "%", "around", True, text="地区生产总值增长6%左右")]),
    ("quantity-ten-thousand-mu", "耕地保有量保持在1800.5万亩。",
     [T("耕地保有量", "quantity", 1800.5, "万亩", 18005000, "亩", text="耕地保有量保持在1800.5万亩")]),
    ("traditional-script-mirror", "力爭城鎮新增就業2.8萬人以上,居民消費價格漲幅控制在3%以內",
     # read on a simplified shadow; metric, unit and span as printed
     [T("城鎮新增就業", "count", 2.8, "萬人", 28000, "人", "at_least", True, text="城鎮新增就業2.8萬人以上"),
      T("居民消費價格", "growth", 3, "%", 3, "%", "at_most", True, text="居民消費價格漲幅控制在3%以內")]),
    ("ascii-quotes-pair-left-to-right", '抢抓"两重"机遇增长5%,"两新"政策',
     # captures turn quotes into ASCII: the quoted names pair up, 增长5% between them is a target
     [T("抢抓\"两重\"机遇", "growth", 5, "%", 5, "%")]),
    ("fullwidth-percent-and-comma", "进出口总额增长１０％，城镇新增就业12,000人",
     [T("进出口总额", "growth", 10, "％", 10, "%"), T("城镇新增就业", "count", 12000, "人", 12000, "人")]),
]

# --------------------------------------------------------------------------
# State-Council-like notices (国发〔2020〕6号 shape)
# --------------------------------------------------------------------------

STATE_COUNCIL = [
    ("indicator-run",
     "城镇新增就业1000万人以上，城镇调查失业率5.5%左右，城镇登记失业率5%左右；居民消费价格涨幅3%左右；",
     [T("城镇新增就业", "count", 1000, "万人", 1e7, "人", "at_least", text="城镇新增就业1000万人以上"),
      T("城镇调查失业率", "rate", 5.5, "%", 5.5, "%", "around"),
      T("城镇登记失业率", "rate", 5, "%", 5, "%", "around"),
      T("居民消费价格", "growth", 3, "%", 3, "%", "around", text="居民消费价格涨幅3%左右")]),
    ("decline-kept-in-metric", "单位国内生产总值能耗下降3%左右",
     # decision: decline words stay in the metric so the direction is visible
     [T("单位国内生产总值能耗下降", "growth", 3, "%", 3, "%", "around")]),
    ("percentage-points", "研发经费投入强度提高0.2个百分点",
     [T("研发经费投入强度", "growth", 0.2, "个百分点", 0.2, "百分点")]),
    ("amount-trillions", "拟安排地方政府专项债券3.75万亿元",
     [T("拟安排地方政府专项债券", "amount", 3.75, "万亿元", 3.75e12, "元")]),
]

# --------------------------------------------------------------------------
# Number shapes: Chinese numerals, ranges, qualifiers before the number
# --------------------------------------------------------------------------

SHAPES = [
    ("chinese-two-families", "培育两家上市企业", [T("上市企业", "count", 2, "家", 2, "家", text="两家上市企业")]),
    ("chinese-twelve", "新建十二个村卫生室", [T("村卫生室", "count", 12, "个", 12, "个")]),
    ("chinese-three-thousand-wan", "统筹资金三千万元",
     [T("统筹资金", "amount", 3000, "万元", 3e7, "元", text="统筹资金三千万元")]),
    ("range-hyphen", "地区生产总值增长5-8%",
     [T("地区生产总值", "growth", 5, "%", 5, "%", value_high=8, text="地区生产总值增长5-8%")]),
    ("range-dash-both-percent", "地区生产总值增长5%—8%", [T("地区生产总值", "growth", 5, "%", 5, "%", value_high=8)]),
    ("range-zhi-count", "新建5至8个口袋公园",
     [T("口袋公园", "count", 5, "个", 5, "个", value_high=8, text="5至8个口袋公园")]),
    ("qualifier-before-at-least", "完成不少于30户困难家庭改造",
     [T("困难家庭改造", "count", 30, "户", 30, "户", "at_least", text="不少于30户困难家庭改造")]),
    ("qualifier-yue", "培训农民工约2000人次", [T("培训农民工", "count", 2000, "人次", 2000, "人次", "around")]),
    ("qualifier-buditu", "引进项目不低于20个", [T("引进项目", "count", 20, "个", 20, "个", "at_least")]),
    ("qualifier-tupo", "网络零售额突破50亿元", [T("网络零售额", "amount", 50, "亿元", 5e9, "元", "over")]),
    ("hedge-not-obtain-funds", "对上争取资金增长30%以上",
     # 对上争取 is "obtain from above", not a hedge
     [T("对上争取资金", "growth", 30, "%", 30, "%", "at_least", False)]),
    ("pair-without-fenbie", "固定资产投资、工业投资增长10%、12%",
     [T("固定资产投资", "growth", 10, "%", 10, "%"), T("工业投资", "growth", 12, "%", 12, "%")]),
    ("counts-joined-by-he", "新建5个公园和3个广场",
     [T("公园", "count", 5, "个", 5, "个", text="5个公园"), T("广场", "count", 3, "个", 3, "个", text="3个广场")]),
    ("no-metric-still-emitted", "年均增长6.5%",
     # decision: a target whose metric cannot be delimited is kept, with an empty metric
     [T("", "growth", 6.5, "%", 6.5, "%", text="年均增长6.5%")]),
    ("money-threshold-is-metric", "力争新签约5000万元以上项目12个",
     [T("新签约5000万元以上项目", "count", 12, "个", 12, "个", aspirational=True)]),
    ("usd", "实现进出口总额10亿美元", [T("进出口总额", "amount", 10, "亿美元", 1e9, "美元")]),
    ("square-metres", "新增绿地面积12万平方米", [T("新增绿地面积", "quantity", 12, "万平方米", 1.2e5, "平方米")]),
    # measure words of county and district tasks (elevators, street lights, livestock, earthwork, power)
    ("lifts-bu", "完成老旧小区加装电梯60部", [T("老旧小区加装电梯", "count", 60, "部", 60, "部")]),
    ("lamps-zhan", "新增夜间照明路灯800盏", [T("新增夜间照明路灯", "count", 800, "盏", 800, "盏")]),
    ("pigs-wan-tou", "生猪出栏30万头", [T("生猪出栏", "count", 30, "万头", 3e5, "头")]),
    ("trees-wan-zhu", "植树造林10万株", [T("植树造林", "count", 10, "万株", 1e5, "株")]),
    ("earthwork-wan-fang", "清淤河道10万方", [T("清淤河道", "quantity", 10, "万方", 1e5, "方")]),
    ("power-yi-du", "新增发电量2亿度", [T("新增发电量", "quantity", 2, "亿度", 2e8, "度")]),
    ("charging-piles-gen", "建成充电桩500根", [T("建成充电桩", "count", 500, "根", 500, "根")]),
    ("pm25", "PM2.5平均浓度控制在35微克/立方米以内",
     [T("PM2.5平均浓度", "quantity", 35, "微克/立方米", 35, "微克/立方米", "at_most", text="PM2.5平均浓度控制在35微克/立方米以内")]),
    # a level reached is no growth, and 提高到 is no part of the metric (so next year's 城镇化率 meets this one)
    ("level-tigao-dao", "常住人口城镇化率提升至60%", [T("常住人口城镇化率", "rate", 60, "%", 60, "%")]),
    ("link-wancheng", "一般公共预算收入完成25.6亿元", [T("一般公共预算收入", "amount", 25.6, "亿元", 2.56e9, "元")]),
    # 余 / 多 between the number and its unit: more than the number
    ("more-yu", "培训新型职业农民3000余人次", [T("培训新型职业农民", "count", 3000, "人次", 3000, "人次", "over")]),
    ("more-duo-before-noun", "完成30多项改革任务",
     [T("改革任务", "count", 30, "项", 30, "项", "over", text="30多项改革任务")]),
    ("life-expectancy", "人均预期寿命提高到78.5岁", [T("人均预期寿命", "quantity", 78.5, "岁", 78.5, "岁")]),
    # an age bounds the group counted: the target is the 托位数
    ("age-threshold-in-metric", "每千人口拥有3岁以下婴幼儿托位数达到4.5个",
     [T("每千人口拥有3岁以下婴幼儿托位数", "count", 4.5, "个", 4.5, "个")]),
]


def _params(group):
    return [pytest.param(text, expected, id=name) for name, text, expected in group]


@pytest.mark.parametrize("text, expected", _params(DISTRICT))
def test_district_notice_shapes(text, expected, rules):
    check(text, expected, rules)


@pytest.mark.parametrize("text, expected", _params(CITY))
def test_city_notice_shapes(text, expected, rules):
    check(text, expected, rules)


@pytest.mark.parametrize("text, expected", _params(STATE_COUNCIL))
def test_state_council_shapes(text, expected, rules):
    check(text, expected, rules)


@pytest.mark.parametrize("text, expected", _params(SHAPES))
def test_number_shapes(text, expected, rules):
    check(text, expected, rules)


# --------------------------------------------------------------------------
# Numbers that are names or labels: nothing is extracted
# --------------------------------------------------------------------------

NOT_TARGETS = [
    ("departments-not-bu", "联合5部门开展专项整治"),
    ("parties-not-fang", "实现三方共赢,落实4方责任"),
    ("degree-not-du", "抗震设防烈度8度"),
    ("both-ends-not-tou", "推动两头对接,建设一头两翼"),
    ("hotel-name", "重点推进华新1907英迪格酒店、亚朵酒店等项目"),
    ("hotline", "持续提升12345热线等诉求处办质效"),
    ("campaign-number", "扎实开展323攻坚行动"),
    ("campaign-number-stray-quote", "扎实开展323”攻坚行动"),
    ("ten-year-fishing-ban", "坚定推进长江十年禁渔"),
    ("three-year-campaign", "深化安全生产治本攻坚三年行动"),
    ("quoted-slogan", "坚持和落实“两个毫不动摇”"),
    ("quoted-slogans", "增强“四个意识”、坚定“四个自信”、做到“两个维护”"),
    ("unquoted-slogan", "增强四个意识"),
    ("three-public-expenses", "严控“三公”经费和一般性支出"),
    ("three-public-unquoted", "严控三公经费"),
    ("one-account-one-table", "完善政府资产负债“一账一表”常态化管理"),
    ("one-account-unquoted", "完善一账一表管理"),
    ("school-name", "加快推进十四中改扩建项目"),
    ("year", "开展2025年民生实事征集编制工作"),
    ("year-from", "从2025年起"),
    ("deadline-month", "6月底前完成"),
    ("deadline-day", "在每个月的25日前报送"),
    ("first-time", "第一时间协调解决企业反映的问题"),
    ("ordinal-plan", "第十二个五年规划纲要"),
    ("provincial-and-above", "省级以上专精特新企业"),
    ("threshold-without-number", "新签约亿元以上项目"),
    ("a-batch", "加快建设道路、管网等一批重大基础设施项目"),
    ("one-thing", "持续深化高效办成一件事改革"),
    ("an-article", "是一个全面指导我市经济社会发展的纲领性文件"),
    ("phase-two", "加快推进数字物流产业园二期建设"),
    ("eight-rules", "落实中央八项规定精神"),
    ("session-number", "市十三届人大四次会议审议通过"),
    ("plenum-number", "区委十五届四次全会精神"),
    ("duration-month", "一个月内办结"),
    ("duration-workdays", "3个工作日内办结"),
    ("two-digit-growth", "保持两位数增长"),
    ("old-and-young", "强化“一老一幼”服务"),
    ("inside-a-word", "统一个人信息采集标准"),
    ("plan-parts", "2024年七个方面重点工作"),
    ("wanda-not-a-number", "万达一站式消费街区"),
    ("garbled-missing-measure-word", "遴选出12民生实事项目提交大会审议"),
    ("half-past-four", "做好“四点半”托管服务"),
]


@pytest.mark.parametrize("text", [pytest.param(t, id=i) for i, t in NOT_TARGETS])
def test_not_targets(text, rules):
    assert extract(text, rules) == ()


# --------------------------------------------------------------------------
# The sample notice's indicator items 1-9 (港政发〔2025〕1号 shape), whole list
# --------------------------------------------------------------------------

SAMPLE_INDICATORS = [
    "地方生产总值增长7%左右。",
    "规模以上工业增加值增长10%左右",
    "固定资产投资增长10%左右",
    "社会消费品零售总额增长7.5%左右",
    "外贸出口总额增长8%左右",
    "服务业增加值增长7.5%左右。",
    "地方公共财政预算收入增长7%左右",
    "居民收入增长与经济增长同步，城镇登记失业率控制在4.5%以内",
    "完成市下达的节能减排和环境保护任务",
]


def test_sample_indicator_items(rules):
    full = "\n".join(f"{n}.{t}" for n, t in enumerate(SAMPLE_INDICATORS, 1))
    got = []
    pos = 0
    for n, text in enumerate(SAMPLE_INDICATORS, 1):
        start = full.index(text, pos)
        pos = start + len(text)
        for t in extract_targets("hsg", n, text, start, rules):
            assert full[t.span_start:t.span_end] == t.span_text
            got.append((t.item_seq, t.metric, t.kind, t.value, t.unit, t.qualifier, t.aspirational))
    assert got == [
        (1, "地方生产总值", "growth", 7.0, "%", "around", False),
        (2, "规模以上工业增加值", "growth", 10.0, "%", "around", False),
        (3, "固定资产投资", "growth", 10.0, "%", "around", False),
        (4, "社会消费品零售总额", "growth", 7.5, "%", "around", False),
        (5, "外贸出口总额", "growth", 8.0, "%", "around", False),
        (6, "服务业增加值", "growth", 7.5, "%", "around", False),
        (7, "地方公共财政预算收入", "growth", 7.0, "%", "around", False),
        (8, "城镇登记失业率", "rate", 4.5, "%", "at_most", False),
    ]


# --------------------------------------------------------------------------
# Known failures, kept as strict xfail
# --------------------------------------------------------------------------

KNOWN_FAILURES = [
    ("hundred-without-digit", "新培育百家企业",
     [T("新培育", "count", 100, "家", 100, "家")], "a numeral starting with 百 is not read (万达/千家万户 guard)"),
    ("doubling", "居民人均收入翻一番",
     [T("居民人均收入", "growth", 100, "%", 100, "%")], "翻一番 (doubling) is not a number + unit"),
    ("arabic-with-chinese-magnitude", "技改投资5千万元",
     [T("技改投资", "amount", 5000, "万元", 5e7, "元")], "Arabic digits followed by 千 are not read"),
    ("metric-of-relative-target", "规上工业增加值增速高于全省平均水平1个百分点",
     [T("规上工业增加值增速", "growth", 1, "个百分点", 1, "百分点", "over")],
     "高于全省平均水平 (relative to a benchmark) stays in the metric; no qualifier"),
]


@pytest.mark.parametrize("text, expected", [
    pytest.param(text, expected, id=name, marks=pytest.mark.xfail(strict=True, reason=reason))
    for name, text, expected, reason in KNOWN_FAILURES
])
def test_known_failures(text, expected, rules):
    check(text, expected, rules)


# --------------------------------------------------------------------------
# The rule file
# --------------------------------------------------------------------------

#: One example per regex entry, in file order: adding an entry means adding its example.
REGEX_EXAMPLES = {
    "not_targets": [
        "“两个毫不动摇”",
        '"十四五"',
        "第一时间",
        "四个意识",
        "八项规定",
        "一系列",
        "一账一表",
        "两位数",
        "四次会议",
        "七个方面",
        "12项目",
        "3个工作日",
        "5000万元以上项目",
        "年产25万吨己二酸",
        "完成13.32平方公里核心区的规划",
        "4个结构性指标均实现10%以上增长",
        "联合5部门开展专项整治",
        "实现三方共赢",
        "抗震设防烈度8度",
        "推动两头对接",
        "为60周岁以上老年人",
        "办好11项为民办实事项目",
    ],
    "not_aspirational": [
        "对上争取",
        "争取中央资金",
    ],
}


def test_rules_file_loads(rules):
    r = rules
    assert r.units["亿元"].std == "元" and r.units["亿元"].factor == 10**8
    assert r.units["万人"].std == "人" and r.units["万人"].factor == 10**4
    assert "万%" not in r.units
    kinds = set(rules.kinds) | {"percent", "growth"}
    assert {u.kind for u in r.units.values()} <= kinds
    assert set(rules.kinds) == {"growth", "rate", "count", "amount", "quantity"}


@pytest.mark.parametrize("key", sorted(REGEX_EXAMPLES))
def test_every_regex_entry_matches_its_example(key, rules):
    patterns = getattr(rules, key)
    examples = REGEX_EXAMPLES[key]
    assert len(patterns) == len(examples), f"{key}: give one example per entry"
    for pattern, example in zip(patterns, examples):
        assert pattern.search(example), (pattern.pattern, example)


def _broken_rules(tmp_path, edit):
    d = tmp_path / "rules"
    shutil.copytree(DEFAULT_RULES_DIR, d)
    p = d / "targets.toml"
    p.write_text(edit(p.read_text("utf-8")), "utf-8")
    return d


def test_bad_unit_kind_is_a_rules_error_at_load(tmp_path):
    d = _broken_rules(tmp_path, lambda s: s.replace("[units]\n", '[units]\n"斛" = { kind = "weight", std = "斛" }\n'))
    with pytest.raises(RulesError, match="units.斛.kind"):
        load_rules(d)


def test_bad_qualifier_is_a_rules_error_at_load(tmp_path):
    d = _broken_rules(tmp_path, lambda s: s.replace("[qualifiers_after]\n", '[qualifiers_after]\n"大约" = "roughly"\n'))
    with pytest.raises(RulesError, match="qualifiers_after.大约"):
        load_rules(d)


def test_doctests():
    result = doctest.testmod(targets_module)
    assert result.attempted > 10 and result.failed == 0
