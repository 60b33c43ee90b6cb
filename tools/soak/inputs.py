"""What the soak feeds the pipeline: generated notices, mutated real-shaped files, crafted pathological inputs.

Three sources, each giving ``(name, bytes)`` pairs (the name's suffix is what a file would be called;
the pipeline sniffs HTML from the bytes):

* :func:`notices` — a hypothesis strategy for notice-shaped text: a title, a 文号, numbered sections and
  items with bracketed clauses (labels, units, leaders, deadlines), numbers with units, in simplified or
  traditional script, as text or wrapped in HTML (tables, deep nesting, entities), encoded in one of
  several encodings with stray invalid bytes, sometimes with one huge line.
* :func:`mutate` — mutation fuzzing of real-shaped files (byte flips, deletions, duplications, splices,
  inserted tokens, repeated ranges, re-encodings), seeds read at run time by :func:`seed_files`.
* :data:`CRAFTED` — the shapes issue 12 reported stalling a batch, at their reported sizes and larger.

hypothesis is imported only by :func:`notices` (the other helpers are stdlib).
"""

from __future__ import annotations

import random
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

#: Where the mutation seeds come from (read at run time; the real corpus is never copied).
SEED_GLOBS = (
    ("tests/fixtures/formats", "*.txt"), ("tests/fixtures/formats", "*.html"), ("tests/fixtures/html", "*.html"),
    ("tests/fixtures/sample", "*.html"), ("tests/fixtures/texttables", "*.txt"), ("tests/fixtures/texttables", "*.html"),
    ("tests/fixtures/decode", "*"), ("raw", "*.txt"), ("examples", "*.txt"), ("../shared/corpus/real", "*.txt"),
)

ISSUERS = ["某区人民政府", "石门市人民政府", "禾湾区人民政府办公室", "港城县人民政府", "国务院", "某市发展和改革委员会"]
DOC_NUMBERS = ["港政发〔2025〕3号", "石政办发[2024]12号", "某政发【2023】1号", "国发〔2021〕6号", "区府办〔2025〕号",
               "港政发〔20251", "（2024）7号"]
TITLES = ["关于印发2025年重点工作分解方案的通知", "关于印发《政府工作报告》重点任务责任分工的通知",
          "2024年区政府工作报告重点工作分解意见", "关于落实重点工作部门分工的意见"]
UNITS = ["区发改局", "区财政局", "市工信局", "市商务局", "各镇（街道）", "各县（市、区）人民政府", "区住建局", "市自然资源和规划局",
         "石门海关", "区委宣传部", "区教育局", "区卫健委", "各有关部门", "区政府办", "区市场监管局", "区人社局", "区城管执法局"]
LEADERS = ["张三", "李四", "王副区长", "区长", "常务副区长"]
LABELS = ["牵头单位", "责任单位", "配合单位", "协办单位", "主办单位", "责任领导", "牵头领导", "分管领导", "完成时限", "时间节点",
          "牵头", "负责", "参与单位"]
COLONS = ["：", ":", "", " ", "∶"]
SEPS = ["、", "，", ",", "；", ";", " ", "/", "及", "和"]
BRACKETS = [("（", "）"), ("(", ")"), ("【", "】"), ("〔", "〕"), ("[", "]"), ("［", "］"), ("（", ")"), ("(", "）")]
VERBS = ["推进", "实施", "完成", "新增", "培育", "建成", "力争", "确保", "加快", "深化", "开展", "落实"]
OBJECTS = ["制造业重大项目", "专精特新企业", "城镇新增就业", "地区生产总值", "外贸进出口总额", "高标准农田", "保障性住房",
           "旧城改造", "营商环境", "数字经济核心产业增加值", "固定资产投资", "社会消费品零售总额"]
MEASURES = ["个", "家", "亿元", "万元", "元", "%", "％", "万人", "人", "平方米", "亩", "公里", "千米", "吨", "户", "‰", "项", "所"]
DEADLINES = ["2025年6月底前", "年底前", "6月底前", "长期坚持", "持续推进", "2025年第三季度", "上半年", "12月31日前", "2025年10月"]
SECTION_NUMS = ["一、", "二、", "三、", "十一、", "第一部分", "一.", "壹、"]
SUB_NUMS = ["（一）", "(二)", "（十二）", "㈠", "（三)"]
ITEM_NUMS = ["1.", "2．", "3、", "10.", "(1)", "（2）", "①", "⑫", "1)", "1 .", "99999.", "0."]
#: Tokens mutation inserts: structure the pipeline reads, and bytes no encoding likes.
TOKENS = [
    "（", "）", "(", ")", "【", "】", "〔", "〕", "牵头单位：", "责任单位:", "配合单位：", "责任领导：", "完成时限：", "、", "；",
    "一、", "（一）", "1.", "①", "%", "亿元", "万", "12.5", "１２", "三千", "-", "～", "至", "\n", "\r\n", "\r", "\t", "　",
    "<p>", "</p>", "<td>", "</td>", "<tr>", "<table>", "<br>", "<div>", "&nbsp;", "&#12345;", "&#x1F600;", "&#99999999;",
    "<!--", "-->", "<script>", "</script>", "<![CDATA[", "]]>", "版权所有", "ICP备", "主办单位：", "\u2028", "\u200b", "\ufeff",
    "\x00", "\x1b", "\ud800", "區發改局", "責任單位：",
]
RAW_TOKENS = [b"\xff", b"\xfe", b"\x00", b"\xc3", b"\xe4\xb8", b"\x81\x30", b"\xa1\xa1", b"\xef\xbb\xbf", b"\xff\xfe",
              b"\xfe\xff", b"\x80", b"\xed\xa0\x80", b"\xf4\x90\x80\x80", b"\x1a", b"\r", b"\n\n\n"]
ENCODINGS = ["utf-8", "gbk", "gb18030", "big5", "utf-16-le", "utf-16-be", "utf-16", "utf-8-sig", "gb2312", "utf-32"]
#: The largest input the generators build (the pipeline refuses > 50 MB; soak inputs stay fast to make).
MAX_BYTES = 4 * 1024 * 1024


# --------------------------------------------------------------------------
# Seeds and mutations
# --------------------------------------------------------------------------


def seed_files(root: Path = ROOT) -> list[tuple[str, bytes]]:
    """Every real-shaped file to mutate: ``(name, bytes)``, sorted by path; missing folders are skipped."""
    seeds = []
    for folder, pattern in SEED_GLOBS:
        base = (root / folder).resolve()
        if not base.is_dir():
            continue
        for p in sorted(base.glob(pattern)):
            if p.is_file() and not p.name.endswith((".json", ".toml", ".md", ".py")):
                seeds.append((p.name, p.read_bytes()))
    return seeds


def _range(rng: random.Random, n: int, most: int | None = None) -> tuple[int, int]:
    if n == 0:
        return 0, 0
    start = rng.randrange(n)
    length = 1 + int(rng.expovariate(1 / 16)) if rng.random() < 0.8 else rng.randrange(1, n + 1)
    if most is not None:
        length = min(length, most)
    return start, min(n, start + length)


def _token(rng: random.Random) -> bytes:
    if rng.random() < 0.3:
        return rng.choice(RAW_TOKENS)
    enc = rng.choice(["utf-8", "utf-8", "utf-8", "gbk", "big5"])
    return rng.choice(TOKENS).encode(enc, "surrogatepass" if enc == "utf-8" else "replace")


def _reencode(rng: random.Random, data: bytes) -> bytes:
    for source in ("utf-8", "gb18030", "utf-16"):
        try:
            text = data.decode(source)
            break
        except UnicodeDecodeError:
            continue
    else:
        text = data.decode("utf-8", "replace")
    return text.encode(rng.choice(ENCODINGS), "replace")


def mutate(rng: random.Random, data: bytes, other: bytes) -> tuple[bytes, list[str]]:
    """``data`` after 1 to 8 random mutations (``other`` is the splice partner); also the mutations' names."""
    out = bytearray(data)
    done = []
    for _ in range(1 + int(rng.expovariate(1 / 2)) % 8):
        op = rng.choice(["flip", "byte", "delete", "duplicate", "splice", "token", "token", "repeat", "truncate",
                         "swap-lines", "reencode"])
        n = len(out)
        if op == "flip" and n:
            i = rng.randrange(n)
            out[i] ^= 1 << rng.randrange(8)
        elif op == "byte" and n:
            out[rng.randrange(n)] = rng.randrange(256)
        elif op == "delete" and n:
            a, b = _range(rng, n)
            del out[a:b]
        elif op == "duplicate" and n:
            a, b = _range(rng, n, 4096)
            at = rng.randrange(n + 1)
            out[at:at] = out[a:b]
        elif op == "splice" and other:
            cut, cut2 = rng.randrange(len(out) + 1), rng.randrange(len(other) + 1)
            out = bytearray(out[:cut] + other[cut2:] if rng.random() < 0.5 else other[:cut2] + out[cut:])
        elif op == "token":
            at = rng.randrange(n + 1)
            out[at:at] = _token(rng)
        elif op == "repeat" and n:
            a, b = _range(rng, n, 64)
            times = rng.choice([2, 10, 100, 1000, 10_000, 50_000])
            times = max(1, min(times, MAX_BYTES // max(1, b - a) // 2))
            out[b:b] = bytes(out[a:b]) * times
        elif op == "truncate" and n:
            del out[rng.randrange(n):]
        elif op == "swap-lines":
            lines = bytes(out).split(b"\n")
            if len(lines) > 2:
                i, j = rng.randrange(len(lines)), rng.randrange(len(lines))
                lines[i], lines[j] = lines[j], lines[i]
                out = bytearray(b"\n".join(lines))
        elif op == "reencode":
            out = bytearray(_reencode(rng, bytes(out)))
        else:
            continue
        done.append(op)
        if len(out) > MAX_BYTES:
            del out[MAX_BYTES:]
    return bytes(out), done


# --------------------------------------------------------------------------
# Generated notices (hypothesis)
# --------------------------------------------------------------------------


def notices():
    """A hypothesis strategy of ``(name, bytes)``: notice-shaped inputs, well- and ill-formed."""
    from hypothesis import strategies as st

    pick = st.sampled_from

    def chinese_number(n: int) -> str:
        digits = "零一二三四五六七八九"
        if n < 10:
            return digits[n]
        if n < 20:
            return "十" + (digits[n % 10] if n % 10 else "")
        return digits[n // 10 % 10] + "十" + (digits[n % 10] if n % 10 else "")

    number = st.one_of(
        st.integers(0, 10**6).map(str),
        st.floats(0, 1e5, allow_nan=False).map(lambda f: f"{f:.{2 if f < 100 else 0}f}"),
        st.integers(0, 10**4).map(lambda n: str(n).translate(str.maketrans("0123456789", "０１２３４５６７８９"))),
        st.integers(0, 99).map(chinese_number),
        st.integers(1, 400).map(lambda n: "9" * n),
        st.tuples(st.integers(1, 50), st.integers(1, 50)).map(lambda t: f"{t[0]}-{t[1]}"),
        st.tuples(st.integers(1, 9), pick(["万", "亿", "千", "百万"])).map(lambda t: f"{t[0]}{t[1]}"),
        pick(["1e308", "0.000", "1.2.3", "１２．５", "-5", "+3", "±2", "三千五百", "两", "数十", "1,234,567"]),
    )
    quantity = st.builds(lambda v, n, m: f"{v}{n}{m}", pick(VERBS + ["增长", "达到", "控制在", "不低于", ""]), number,
                         pick(MEASURES + ["左右", "以上", "以内", ""]))
    unit_list = st.lists(pick(UNITS + LEADERS), min_size=0, max_size=6).flatmap(
        lambda names: pick(SEPS).map(lambda sep: sep.join(names)))
    label = st.builds(lambda lab, colon, names: f"{lab}{colon}{names}", pick(LABELS), pick(COLONS), unit_list)
    clause = st.builds(lambda br, labels, sep, tail: br[0] + sep.join(labels) + tail + br[1],
                       pick(BRACKETS), st.lists(label, min_size=1, max_size=4), pick(["；", ";", " ", "，", ""]),
                       st.one_of(st.just(""), pick(DEADLINES).map(lambda d: "；完成时限：" + d)))
    task = st.builds(lambda verb, obj, qs, clauses, end: verb + obj + "，".join(qs) + "".join(clauses) + end,
                     pick(VERBS), pick(OBJECTS), st.lists(quantity, max_size=4), st.lists(clause, max_size=2),
                     pick(["。", "", "；", "。。", "\n"]))
    item = st.builds(lambda num, indent, t: indent + num + t, st.one_of(pick(ITEM_NUMS), st.integers(1, 300).map(
        lambda n: f"{n}.")), pick(["", "　　", "  ", "\t"]), task)
    sub = st.builds(lambda num, title, items: "\n".join([num + title, *items]), pick(SUB_NUMS), pick(OBJECTS),
                    st.lists(item, min_size=0, max_size=6))
    section = st.builds(lambda num, title, parts: "\n".join([num + title, *parts]), pick(SECTION_NUMS),
                        pick(["主要预期目标", "重点任务", "保障措施", "发展"]), st.lists(st.one_of(item, sub), max_size=6))
    noise = st.text(alphabet=st.characters(codec="utf-8", categories=["Lo", "Nd", "Po", "Ps", "Pe", "Zs", "Cc"]),
                    max_size=40)
    body = st.builds(
        lambda head, num, title, to, sections, sign, extra: "\n".join(
            [x for x in [head, num, title, to, *sections, sign, extra] if x is not None]),
        st.one_of(st.none(), pick(ISSUERS).map(lambda i: i + "文件")), st.one_of(st.none(), pick(DOC_NUMBERS)),
        st.builds(lambda i, t: i + t, pick(ISSUERS + [""]), pick(TITLES)),
        st.one_of(st.none(), pick(["各镇（街道），区政府各部门：", "各县（市、区）人民政府，市政府各部门:"])),
        st.lists(section, min_size=0, max_size=5),
        st.one_of(st.none(), st.builds(lambda i, y: f"{i}\n{y}年2月27日", pick(ISSUERS), st.integers(1990, 2100))),
        st.one_of(st.none(), noise, pick(["版权所有：某区人民政府 ICP备12345678号", "主办单位：某区政府办公室", "（此件公开发布）"])))

    def huge(text: str, piece: str, times: int, where: float) -> str:
        at = int(len(text) * where)
        return text[:at] + piece * times + text[at:]

    pathological = st.one_of(
        st.just(None),
        st.tuples(pick(["(", "（", "()", "牵头单位：", "80%、", "新增企业4家、", "1", "工作", "一、", "1.", "<div>", "、",
                        "责任单位：区发改局、", "〔2025〕", "\n", "　", "&nbsp;", "<p>1.推进工作</p>"]),
                  st.integers(1, 60_000), st.floats(0, 1)),
    )

    def html(text: str, shape: str, depth: int, charset: str | None) -> str:
        lines = text.split("\n")
        head = f'<meta charset="{charset}">' if charset else ""
        if shape == "p":
            inner = "".join(f"<p>{line}</p>" for line in lines)
        elif shape == "br":
            inner = "<br>".join(lines)
        elif shape == "table":
            inner = "<table>" + "".join(f"<tr><td>{i}</td><td>{line}</td></tr>" for i, line in enumerate(lines)) + "</table>"
        elif shape == "unclosed":
            inner = "".join(f"<p><span>{line}" for line in lines)
        else:
            inner = "<pre>" + text + "</pre>"
        inner = "<div>" * depth + inner + "</div>" * depth
        return f"<!DOCTYPE html><html><head>{head}<title>通知</title></head><body>{inner}</body></html>"

    def build(text: str, patho, trad: bool, wrap, encoding: str, junk: list[tuple[float, bytes]]) -> tuple[str, bytes]:
        if patho is not None:
            text = huge(text, *patho)
        if trad:
            from opencc import OpenCC

            text = OpenCC("s2t").convert(text)
        name = "notice.txt"
        if wrap is not None:
            text, name = html(text, *wrap), "notice.html"
        data = text.encode(encoding, "replace")
        for where, raw in junk:
            at = int(len(data) * where)
            data = data[:at] + raw + data[at:]
        return name, data[:MAX_BYTES]

    wrap = st.one_of(st.none(), st.tuples(pick(["p", "br", "table", "unclosed", "pre"]),
                                          st.one_of(st.integers(0, 3), st.integers(0, 400), st.just(5000)),
                                          st.one_of(st.none(), pick(["utf-8", "gbk", "gb2312", "big5", "utf-16",
                                                                      "x-unknown"]))))
    return st.builds(build, body, pathological, st.booleans(), wrap,
                     st.one_of(st.just("utf-8"), pick(ENCODINGS)),
                     st.lists(st.tuples(st.floats(0, 1), pick(RAW_TOKENS)), max_size=3))


# --------------------------------------------------------------------------
# Crafted pathological inputs (issue 12, item 1)
# --------------------------------------------------------------------------

HEAD = "某区人民政府关于印发2025年重点工作分解意见的通知\n一、发展\n"


def _page(n: int) -> str:
    return ("<html><body>" + "".join(f"<p>{i % 900 + 1}.推进工作{i}。(牵头单位:区发改局)</p>" for i in range(n))
            + "</body></html>")


def _deep(depth: int) -> str:
    return ("<html><body>" + "<div>" * depth + "<p>1.推进工作。(牵头单位:区发改局)</p>" + "</div>" * depth
            + "</body></html>")


#: name -> (shape at size n, the size issue 12 reported, suffix). Each is run at 1x, 2x and 4x that size.
CRAFTED: dict[str, tuple[Callable[[int], str], int, str]] = {
    "unclosed-brackets": (lambda n: HEAD + "1.推进工作" + "(" * n, 100_000, ".txt"),
    "labels-in-one-clause": (lambda n: HEAD + "1.推进工作(" + "牵头单位:" * n + ")", 50_000, ".txt"),
    "percent-list": (lambda n: HEAD + "1.增长" + "80%、" * n, 8_000, ".txt"),
    "count-list": (lambda n: HEAD + "1.力争" + "新增企业4家、" * n, 8_000, ".txt"),
    "garbled-doc-numbers": (lambda n: "港政发〔20251\n" * n, 50_000, ".txt"),
    "digits-before-yuan": (lambda n: HEAD + "1.投资" + "1" * n + "元", 20_000, ".txt"),
    "closed-brackets": (lambda n: HEAD + "1.推进工作" + "()" * n, 50_000, ".txt"),
    "nested-brackets": (lambda n: HEAD + "1.推进工作" + "(" * n + ")" * n, 20_000, ".txt"),
    "one-long-clause": (lambda n: HEAD + "1.推进" + "工作" * n + "增长7%", 50_000, ".txt"),
    "many-items": (lambda n: HEAD + "".join(f"{i}.推进工作{i}(牵头单位:区发改局)\n" for i in range(1, n + 1)), 20_000, ".txt"),
    "units-in-one-clause": (lambda n: HEAD + "1.推进工作(责任单位:" + "区发改局、" * n + ")", 20_000, ".txt"),
    "one-huge-line": (lambda n: HEAD + "1.推进" + "加快建设，" * n, 200_000, ".txt"),
    "short-lines": (lambda n: HEAD + "推进\n" * n, 8_000, ".txt"),
    "blank-lines": (lambda n: HEAD + "\n" * n + "1.推进工作(牵头单位:区发改局)", 500_000, ".txt"),
    "numbers-only-lines": (lambda n: HEAD + "1.\n" * n, 50_000, ".txt"),
    "paragraphs-200k": (_page, 200_000, ".html"),
    "nested-html": (_deep, 250, ".html"),
    "nested-html-refused": (_deep, 5_000, ".html"),
    "table-cells": (lambda n: "<html><body><table>" + "<tr><td>1</td><td>推进工作</td><td>区发改局</td></tr>" * n
                    + "</table></body></html>", 50_000, ".html"),
}


def crafted_inputs(scales: tuple[int, ...] = (1, 2, 4)) -> list[tuple[str, str, int, bytes]]:
    """``(shape name, file name, size, bytes)`` for every crafted shape at each scale of its reported size.

    Shapes whose reported size is a limit of the format (nesting deeper than libxml2 reads, 200,000
    paragraphs) are run at that size and at the scales that stay under :data:`MAX_BYTES` * 4.
    """
    out = []
    for name, (shape, size, suffix) in sorted(CRAFTED.items()):
        for k in scales:
            n = size * k
            data = shape(n).encode("utf-8")
            if k > 1 and len(data) > 4 * MAX_BYTES:
                continue
            out.append((name, f"{name}-{n}{suffix}", n, data))
    return out
