"""The records that flow between stages, and the rows of the published tables.

Every record is a frozen dataclass (with a quicker ``__init__``: :func:`quick_init`, :func:`quick_row`). The output rows (``Document``, ``Item``,
``Assignment``, ``Target``, ``Repair``, ``Finding``) carry a description on
each field (``doc=``); the Parquet schema and the JSON Schema are derived from
them in :mod:`pipeline.schema`, so the published contract cannot drift from
the code.

Offsets (``start``/``end``) are Python string indices (code points) into the
document's *repaired* full text, which is written in the JSON output as
``text``: ``text[start:end]`` is the span the value was read from.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

R = TypeVar("R")


def quick_init(cls: type[R]) -> type[R]:
    """A frozen dataclass with an ``__init__`` that gives the new instance its dict in one step (for records that
    are read many times: the intermediate records).

    The ``__init__`` that ``dataclass(frozen=True)`` writes sets each field through
    ``object.__setattr__`` (the class's own ``__setattr__`` refuses): for the thousands of records a
    notice makes (blocks, clauses, segments, rows) that was 6% of the instructions of an extraction.
    This one takes the same arguments (by position or name, with the same defaults) and stores the same
    values; the instance stays frozen, equal and hashable as before. A class it could not serve the same
    way (slots, ``__post_init__``, default factories, keyword-only or non-init fields) is left as it is.

    The dict is made as one literal (a dict of its own, not one sharing its keys with the class's other
    instances): Python 3.11 specializes an attribute read on such a dict, not on a shared-key dict once it
    is made (a Block, an ItemDraft or a Segment is read dozens of times: reads half as dear, 3% of the
    instructions of an extraction), at the cost of a dearer ``__init__`` (:func:`quick_row` for records
    made many times and read little).

    >>> @quick_init
    ... @dataclass(frozen=True)
    ... class P:
    ...     x: int
    ...     y: str = "a"
    >>> p = P(1); p, p == P(1, y="a"), hash(p) == hash(P(x=1)), dataclasses.replace(p, y="b")
    (P(x=1, y='a'), True, True, P(x=1, y='b'))
    >>> p.x = 2
    Traceback (most recent call last):
    dataclasses.FrozenInstanceError: cannot assign to field 'x'
    """
    return _with_init(cls, lambda fields: "    _set_dict(self, {"
                      + ", ".join(f"{f.name!r}: {f.name}" for f in fields) + "})\n")


def quick_row(cls: type[R]) -> type[R]:
    """:func:`quick_init` for a published row: its ``__init__`` fills the instance's (shared-key) dict field
    by field, cheaper to make than a dict of its own (a notice makes hundreds of rows, and the writer reads
    each once, through its ``vars()``: no attribute read to make quicker).

    >>> @quick_row
    ... @dataclass(frozen=True)
    ... class Row:
    ...     x: int
    ...     y: str = "a"
    >>> r = Row(1); r, vars(r), r == Row(1, y="a"), hash(r) == hash(Row(x=1))
    (Row(x=1, y='a'), {'x': 1, 'y': 'a'}, True, True)
    """
    return _with_init(cls, lambda fields: "    d = self.__dict__\n" + "".join(f"    d[{f.name!r}] = {f.name}\n"
                                                                            for f in fields))


def _with_init(cls: type[R], body: Callable[[tuple[dataclasses.Field[Any], ...]], str]) -> type[R]:
    """``cls`` given an ``__init__`` whose body (storing the fields) ``body`` writes (see :func:`quick_init`)."""
    fields = dataclasses.fields(cls)  # type: ignore[arg-type]
    if (hasattr(cls, "__slots__") or hasattr(cls, "__post_init__")
            or any(not f.init or f.kw_only or f.default_factory is not dataclasses.MISSING for f in fields)):
        return cls
    defaults: dict[str, Any] = {f"_d_{f.name}": f.default for f in fields if f.default is not dataclasses.MISSING}
    params = ", ".join(f"{f.name}=_d_{f.name}" if f"_d_{f.name}" in defaults else f.name for f in fields)
    namespace: dict[str, Any] = {}
    # the instance's dict is set through the class's own ``__dict__`` descriptor, called directly: what
    # ``object.__setattr__(self, "__dict__", d)`` comes to, without looking the descriptor up for each instance
    # (a tenth of the cost of making a record)
    set_dict = next(k.__dict__["__dict__"] for k in cls.__mro__ if "__dict__" in k.__dict__).__set__
    exec(f"def __init__(self, {params}):\n{body(fields)}", {**defaults, "_set_dict": set_dict},  # noqa: S102
         namespace)
    init = namespace["__init__"]
    init.__qualname__ = f"{cls.__qualname__}.__init__"
    cls.__init__ = init  # type: ignore[method-assign]
    return cls


def col(doc: str, **kwargs: Any) -> Any:
    """A dataclass field carrying its column description."""
    return field(metadata={"doc": doc}, **kwargs)


# --------------------------------------------------------------------------
# Intermediate records (between stages; not published as tables)
# --------------------------------------------------------------------------


@quick_init
@dataclass(frozen=True)
class RawInput:
    """Bytes of one input file, exactly as read."""

    source: str  # the path or URL as given by the user
    data: bytes  # the file's bytes, unchanged
    sha256: str  # hex digest of data
    content_type: str | None = None  # HTTP Content-Type from a fetch sidecar, if any


@quick_init
@dataclass(frozen=True)
class Decoded:
    """The input as text."""

    source: str  # as in RawInput
    text: str  # decoded characters (markup still present for HTML)
    encoding: str  # codec actually used, e.g. "utf-8", "gb18030"
    n_replaced: int  # characters that could not be decoded and were replaced (U+FFFD)
    is_html: bool  # the text is markup, not a plain-text capture
    encoding_evidence: str = ""  # how the encoding was chosen: "bom", "http", "meta", "detected", "nul_pattern", "default"
    utf8: bytes | None = None  # the input's bytes when they are exactly ``text`` in UTF-8 (parsing HTML reads them as they are)


@quick_init
@dataclass(frozen=True)
class Cell:
    """One table cell as printed (a cell spanning rows appears once)."""

    table: int  # 0-based index of the table in the document
    row: int  # 0-based row index of the cell's top-left corner
    col: int  # 0-based column index of the cell's top-left corner (after earlier spans)
    rowspan: int  # rows covered, >= 1
    colspan: int  # columns covered, >= 1
    header: bool  # printed as a header cell (<th>, or in the table's header row)


@quick_init
@dataclass(frozen=True)
class Block:
    """One block of text as a reader sees it (a paragraph, a line, a table cell)."""

    text: str  # the block's characters, stripped; never empty
    start: int  # offset of text in Page.text
    end: int  # start + len(text)
    kind: str = "p"  # "p" paragraph/line, "cell" table cell, "title" page title shown in body
    cell: Cell | None = None  # position in a table when kind == "cell"


@quick_init
@dataclass(frozen=True)
class PageMeta:
    """What the page says about itself outside the body text (HTML only)."""

    title: str | None = None  # <meta name=ArticleTitle>, else <title>
    published: str | None = None  # <meta name=PubDate> or the info table's 发布日期, as printed
    source: str | None = None  # <meta name=ContentSource>
    site: str | None = None  # <meta name=SiteName>
    info: tuple[tuple[str, str], ...] = ()  # info table pairs (索引号, 发文机关, 文号, 成文日期, 发布日期 …) as printed


@quick_init
@dataclass(frozen=True)
class Span:
    """A piece of the full text with its position."""

    text: str  # the characters (may differ from full_text[start:end] only where said)
    start: int  # offset in Page.text
    end: int  # end offset (exclusive)


@quick_init
@dataclass(frozen=True)
class Metadata:
    """What the notice says about itself, read from its header and signature."""

    issuer: str | None = None  # 发文机关 as printed
    doc_number: str | None = None  # 文号
    title: str | None = None  # 关于…的通知 (without the issuer)
    year: int | None = None  # plan year
    issued_date: dt.date | None = None  # 成文日期
    published_date: dt.date | None = None  # 发布日期 (page)
    addressees: tuple[str, ...] = ()  # 主送机关
    header_end: int = 0  # index of the first block after the header (title, 文号, addressees)


@quick_init
@dataclass(frozen=True)
class Page:
    """The document as text blocks: the input of every text stage."""

    source: str  # as in RawInput
    text: str  # the blocks joined with "\n": every offset refers to this
    blocks: tuple[Block, ...]  # in reading order
    meta: PageMeta = PageMeta()  # page-level metadata (empty for plain text)
    n_recovered: int = 0  # characters recovered from Word-export fallbacks (VML text boxes, img alt)
    printed: str | None = None  # the text as printed when ``text`` is a simplified copy of it (same length)
    dropped: tuple[str, ...] = ()  # lines of a capture left out as page chrome (each becomes a finding)
    #: True when the text is known to hold no character :func:`~pipeline.text.to_simplified` changes
    #: (a capture checked as it was read; its blocks are pieces of what was checked): the script stage
    #: need not look again
    no_traditional: bool = False

    @property
    def printed_text(self) -> str:
        """The characters as printed (``text`` itself for a page in simplified script)."""
        return self.printed if self.printed is not None else self.text


def join_blocks(texts: list[tuple[str, str, Cell | None]], start: int = 0) -> tuple[str, tuple[Block, ...]]:
    """Join ``(text, kind, cell)`` triples into one text and offset-carrying blocks.

    Empty texts are dropped; blocks are separated by one newline. The first block starts at ``start``
    (the joined text is then a piece of a page's text from there).

    >>> text, blocks = join_blocks([("甲", "p", None), ("", "p", None), ("乙丙", "p", None)])
    >>> text, [(b.start, b.end) for b in blocks], [(b.start, b.end) for b in join_blocks([("甲", "p", None)], 5)[1]]
    ('甲\\n乙丙', [(0, 1), (2, 4)], [(5, 6)])
    """
    parts: list[str] = []
    blocks: list[Block] = []
    pos = start - 1  # before the newline that would precede the first block
    for text, kind, cell in texts:
        text = text.strip()
        if text:
            start = pos + 1
            pos = start + len(text)
            blocks.append(Block(text, start, pos, kind, cell))
            parts.append(text)
    return "\n".join(parts), tuple(blocks)


# --------------------------------------------------------------------------
# Records of the task stages (outline -> assignments): not published as tables
# --------------------------------------------------------------------------


@quick_init
@dataclass(frozen=True)
class Heading:
    """A heading: its label as printed and where its title stands."""

    label: str  # '一、', '(一)', or '' for a theme line
    start: int  # offset of the title in the full text
    end: int  # end of the title (trailing 。 and colon excluded)


@quick_init
@dataclass(frozen=True)
class ClauseLoc:
    """Where a clause stands in a block (offsets local to the block text)."""

    start: int  # first character of the clause (its opening bracket, or its first label)
    end: int  # end of the clause (after its closing bracket)
    content_start: int  # first character inside the brackets
    content_end: int  # end of the content
    form: str  # "bracket" | "verb" | "inline" | "line" | "wrap" (a role line's continuation) | "cell" (a table column)
    closed: bool = True  # False when the closing bracket is missing (runs to the end of the block)
    role: str | None = None  # for a table cell: the role its column names (lead, …, deadline)
    label: str = ""  # for a table cell: the column header as printed
    flat: bool = False  # known to hold no bracket inside its content (found so: parse does not look again)


@quick_init
@dataclass(frozen=True)
class Segment:
    """One role and its raw unit names, as printed in a clause."""

    role: str  # lead | responsible | cooperating | leader | deadline
    role_label: str  # label or verb as printed
    names: tuple[tuple[str, int, int], ...]  # (raw name, start, end) with offsets local to the block
    text: str  # the segment's printed text after the label (deadlines use this)
    start: int  # local offset of text


@quick_init
@dataclass(frozen=True)
class ItemDraft:
    """A task as the outline finds it; assignments and targets are read from it later."""

    seq: int  # 1-based document order
    label: str  # as printed ('' when unnumbered)
    level: str  # numbering level of the label: section | subsection | item | bullet | '' (unnumbered, table row)
    section: Heading | None  # the enclosing section
    subsection: Heading | None  # the enclosing subsection
    group: Heading | None  # the theme heading (label '')
    block: int  # index of the item's first block
    blocks: tuple[int, ...]  # every block of the item (first, continuation lines, role lines)
    text_start: int  # offset of the task text in the full text
    text_end: int  # end of the task text (before a trailing clause)
    clauses: tuple[tuple[int, ClauseLoc], ...]  # (block index, clause location local to that block)


@quick_init
@dataclass(frozen=True)
class ItemSegments:
    """The role segments of one item's clauses, read once (the vocabulary and the rows both use them)."""

    draft: ItemDraft
    segments: tuple[tuple[int, Segment], ...]  # (block index, segment) in printed order
    unclosed: tuple[tuple[int, ClauseLoc], ...]  # clauses whose closing bracket is missing


# --------------------------------------------------------------------------
# Published rows: one dataclass per table
# --------------------------------------------------------------------------


@quick_row
@dataclass(frozen=True)
class Document:
    doc_id: str = col("Stable id of the document: slug of the file name + first 8 hex of its sha256 (16 when two inputs would collide); safe as a file name.")
    source: str = col("The input path or URL as given on the command line.")
    source_sha256: str = col("SHA-256 of the input bytes.")
    encoding: str = col("Character encoding used to decode the input (e.g. utf-8, gb18030).")
    issuer: str | None = col("Issuing authority as printed (e.g. 黄石港区人民政府).")
    doc_number: str | None = col("文号 after certain repairs, e.g. 港政发〔2025〕1号.")
    title: str | None = col("Title of the notice after certain repairs.")
    year: int | None = col("Plan year the breakdown is for (from the title, else the date signed).")
    issued_date: dt.date | None = col("成文日期: the date the notice was signed.")
    published_date: dt.date | None = col("发布时间: the date the page was published.")
    addressees: tuple[str, ...] = col("主送机关 as printed, split on 、 and ,.", default=())
    n_items: int = col("Number of task items extracted.", default=0)
    n_assignments: int = col("Number of unit/role assignment rows.", default=0)
    n_targets: int = col("Number of quantitative targets.", default=0)
    n_repairs: int = col("Number of certain repairs applied.", default=0)
    n_findings: int = col("Number of findings (problems reported, nothing changed).", default=0)
    n_candidates: int = col("Self-check: task candidates in the body (numbered or bulleted paragraphs, table rows).", default=0)
    n_items_without_units: int = col("Self-check: items that name no unit or leader (each also has a finding).", default=0)
    truncated: bool = col("The capture ends inside a task (a finding 'truncated' says where): what follows is unknown, not absent.", default=False)
    parser_version: str = col("fenjie version that produced the row.", default="")


@quick_row
@dataclass(frozen=True)
class Item:
    doc_id: str = col("Document id (documents.doc_id).")
    item_seq: int = col("1-based position of the item in document order.")
    item_label: str = col("The item's number as printed (e.g. '10.', '(三)', '△'); empty when unnumbered.")
    section_label: str | None = col("Label of the enclosing top-level section as printed (e.g. '二、').")
    section_title: str | None = col("Title of the enclosing section.")
    subsection_label: str | None = col("Label of the enclosing subsection (e.g. '(一)').")
    subsection_title: str | None = col("Title of the enclosing subsection.")
    group_title: str | None = col("Unnumbered theme heading the item sits under (e.g. 打造临空经济桥头堡).")
    text: str = col("The task as printed, without its label and without the assignment clause.")
    span_start: int = col("Offset of text in the document's full text.")
    span_end: int = col("End offset (exclusive) of text.")
    deadline_text: str | None = col("Deadline as printed (完成时限 / in the unit clause), e.g. '2025年6月底前'.", default=None)
    deadline: dt.date | None = col("The date the deadline means, when it names one (6月底前 -> June 30 of the plan year).", default=None)


@quick_row
@dataclass(frozen=True)
class Assignment:
    doc_id: str = col("Document id.")
    item_seq: int = col("Item the assignment belongs to (items.item_seq).")
    role: str = col("Normalized role: lead | responsible | cooperating | leader (a person).")
    role_label: str = col("The role label or verb as printed (e.g. 牵头单位, 配合单位, 牵头).")
    position: int = col("1-based order of the unit within its item, across roles, as printed.")
    name: str = col("Unit name after certain normalization (aliases, document vocabulary).")
    name_raw: str = col("Unit name exactly as printed.")
    acting_lead: bool = col("True when the item has no lead and, by the notice's rule, its responsible units act as lead.")
    known: bool = col("True when the name is in the issuer's unit dictionary or the document's own vocabulary, or has a unit-name shape.", default=True)
    span_start: int = col("Offset of name_raw in the document's full text.", default=0)
    span_end: int = col("End offset (exclusive) of name_raw.", default=0)


@quick_row
@dataclass(frozen=True)
class Target:
    doc_id: str = col("Document id.")
    item_seq: int = col("Item the target belongs to.")
    metric: str = col("What is measured, as printed (e.g. 地方生产总值, 新增城镇就业).")
    kind: str = col("growth | rate | count | amount | quantity.")
    value: float = col("The number as printed (Chinese numerals converted).")
    value_high: float | None = col("Upper end of a range (e.g. 5-8%), else null.")
    unit: str = col("Unit as printed (%, 人, 家, 亿元, 万元, 公里 …).")
    value_std: float | None = col("value in the standard unit (亿元/万元 -> 元; % stays percent; counts unchanged).")
    unit_std: str | None = col("Standard unit: 元 for money, % for percents, else the printed unit.")
    qualifier: str = col("around (左右/约) | at_least (以上/不低于/不少于) | at_most (以内/以下/不超过/控制在) | over (超/超过, or 余/多 after the number: 3000余人) | exact.")
    aspirational: bool = col("True when the target is hedged with 力争/争取/努力.")
    span_text: str = col("The exact span the target was read from (text[span_start:span_end]).")
    span_start: int = col("Offset of text in the document's full text.")
    span_end: int = col("End offset (exclusive) of text.")


@quick_row
@dataclass(frozen=True)
class Repair:
    doc_id: str = col("Document id.")
    rule: str = col("Id of the rule that made the repair (see rules/).")
    before: str = col("Text as captured.")
    after: str = col("Text after the repair.")
    span_start: int = col("Offset of the repaired span: in the full text for applies_to='text' (the span of `after`), of `before` for applies_to='unit'.")
    span_end: int = col("End offset (exclusive).")
    evidence: str = col("Why the repair is certain (rule, dictionary entry, or where in the document the evidence stands).")
    applies_to: str = col("text: the full text was changed | unit: a unit name in assignments was normalized, text unchanged | meta: a metadata field.", default="text")


@quick_row
@dataclass(frozen=True)
class Finding:
    doc_id: str = col("Document id.")
    severity: str = col("info | warning | error.")
    code: str = col("Stable machine-readable code, e.g. missing_ordinal, unbalanced_quote, unknown_unit.")
    message: str = col("What was found, in words.")
    span_start: int | None = col("Offset in the full text, when the finding has a position.")
    span_end: int | None = col("End offset (exclusive).")


TABLES: dict[str, type] = {
    "documents": Document,
    "items": Item,
    "assignments": Assignment,
    "targets": Target,
    "repairs": Repair,
    "findings": Finding,
}


@quick_init
@dataclass(frozen=True)
class Extraction:
    """Everything extracted from one document: the unit the writer writes."""

    document: Document
    text: str  # the repaired full text every offset refers to
    items: tuple[Item, ...] = ()
    assignments: tuple[Assignment, ...] = ()
    targets: tuple[Target, ...] = ()
    repairs: tuple[Repair, ...] = ()
    findings: tuple[Finding, ...] = ()

    def rows(self, table: str) -> tuple[Any, ...]:
        """The rows of one published table."""
        if table == "documents":
            return (self.document,)
        return getattr(self, table)


def as_dict(record: Any) -> dict[str, Any]:
    """A record as a plain dict (dates stay dates)."""
    return {f.name: getattr(record, f.name) for f in dataclasses.fields(record)}


# --------------------------------------------------------------------------
# Chinese labels of the published columns and of their enum values
# --------------------------------------------------------------------------
# Declared once, here beside the rows; used by the workbook (pipeline/export/) and the data
# dictionary (pipeline/dictionary.py). A test checks that every column of every table and every
# enum value has a label. (A mapping rather than a ``label=`` on each ``col()``, so that changes to
# a field and to its label do not touch the same line.)

TABLE_LABELS: dict[str, str] = {
    "documents": "文档", "items": "任务", "assignments": "分工", "targets": "量化指标", "repairs": "修复",
    "findings": "提示与存疑",
}

COLUMN_LABELS: dict[str, dict[str, str]] = {
    "documents": {
        "doc_id": "文档编号", "source": "来源文件", "source_sha256": "来源文件SHA-256", "encoding": "字符编码",
        "issuer": "发文机关", "doc_number": "文号", "title": "标题", "year": "年度", "issued_date": "成文日期",
        "published_date": "发布日期", "addressees": "主送机关", "n_items": "任务数", "n_assignments": "分工数",
        "n_targets": "量化指标数", "n_repairs": "修复数", "n_findings": "提示与存疑数", "n_candidates": "候选任务数",
        "n_items_without_units": "未列单位的任务数", "truncated": "原文不完整", "parser_version": "程序版本",
    },
    "items": {
        "doc_id": "文档编号", "item_seq": "序号", "item_label": "原文编号", "section_label": "章节编号",
        "section_title": "章节", "subsection_label": "小节编号", "subsection_title": "小节",
        "group_title": "分组", "text": "工作任务", "span_start": "起始位置", "span_end": "结束位置",
        "deadline_text": "完成时限", "deadline": "完成日期",
    },
    "assignments": {
        "doc_id": "文档编号", "item_seq": "序号", "role": "角色", "role_label": "原文角色", "position": "排序",
        "name": "单位", "name_raw": "原文单位名", "acting_lead": "视同牵头", "known": "已知单位",
        "span_start": "起始位置", "span_end": "结束位置",
    },
    "targets": {
        "doc_id": "文档编号", "item_seq": "序号", "metric": "指标", "kind": "类型", "value": "数值",
        "value_high": "上限值", "unit": "单位", "value_std": "标准值", "unit_std": "标准单位", "qualifier": "限定",
        "aspirational": "力争", "span_text": "量化目标", "span_start": "起始位置", "span_end": "结束位置",
    },
    "repairs": {
        "doc_id": "文档编号", "rule": "修复规则", "before": "修复前", "after": "修复后", "span_start": "起始位置",
        "span_end": "结束位置", "evidence": "依据", "applies_to": "修复对象",
    },
    "findings": {
        "doc_id": "文档编号", "severity": "级别", "code": "问题代码", "message": "说明", "span_start": "起始位置",
        "span_end": "结束位置",
    },
}

#: Labels of the values of the enum columns, ``{table: {column: {value: label}}}``; the keys are the
#: column's allowed values. Boolean columns all use :data:`BOOL_LABELS`.
VALUE_LABELS: dict[str, dict[str, dict[str, str]]] = {
    "assignments": {
        "role": {"lead": "牵头单位", "responsible": "责任单位", "cooperating": "配合单位", "leader": "责任领导"},
    },
    "targets": {
        "kind": {"growth": "增长", "rate": "比率", "count": "数量", "amount": "金额", "quantity": "实物量"},
        "qualifier": {"around": "左右", "at_least": "以上", "at_most": "以内", "over": "超过", "exact": "确数"},
    },
    "repairs": {
        "applies_to": {"text": "正文", "unit": "单位名称", "meta": "文件信息"},
    },
    "findings": {
        "severity": {"info": "提示", "warning": "警告", "error": "错误"},
    },
}

BOOL_LABELS: dict[bool, str] = {True: "是", False: "否"}


def column_label(table: str, column: str) -> str:
    """The Chinese label of a published column.

    >>> column_label("assignments", "name"), column_label("targets", "aspirational")
    ('单位', '力争')
    """
    return COLUMN_LABELS[table][column]


def value_label(table: str, column: str, value: Any) -> Any:
    """The Chinese label of a value: enum values and booleans get theirs, anything else is returned as is.

    >>> value_label("assignments", "role", "lead"), value_label("targets", "qualifier", "at_least")
    ('牵头单位', '以上')
    >>> value_label("assignments", "acting_lead", True), value_label("targets", "metric", "地方生产总值")
    ('是', '地方生产总值')
    """
    if isinstance(value, bool):
        return BOOL_LABELS[value]
    labels = VALUE_LABELS.get(table, {}).get(column)
    return labels.get(value, value) if labels and isinstance(value, str) else value
