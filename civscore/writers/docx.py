"""Word documents as offices send them: the 通报 (``report -o 通报.docx``) and the 整改清单 (``gaps -o``).

python-docx writes the file. Chinese text gets its font through the ``w:eastAsia`` attribute of
``w:rFonts`` (without it Word and WPS fall back to the reader's default font): 仿宋 for body text,
黑体 for headings, 宋体 for tables, the fonts every Chinese Windows, WPS and LibreOffice with
Noto CJK substitute for. A4, 2.5/2.0 cm margins, 第 x 页 共 y 页 in every footer; the ranking
table sits in a landscape section of its own, its header rows repeated on every page.
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from civscore.analysis.gaps import KIND_LABELS
from civscore.scoring.scored import Scored
from civscore.tables.book import chinese_date, issue_date, issuer_name
from civscore.tables.bulletin import DIMENSIONS_SPANNER, bulletin_table, dimension_headers
from civscore.writers.atomic import write_atomic

if TYPE_CHECKING:
    from docx import Document
    from docx.document import Document as WordDocument
    from docx.enum.section import WD_ORIENT, WD_SECTION
    from docx.enum.table import WD_TABLE_ALIGNMENT
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Cm, Pt, RGBColor


def _load_docx() -> None:
    """Import python-docx where a document is first made, not with this module: it and lxml
    take 0.1-0.3 s, and every civscore command imports this module (the writers' registry
    walks the package) while few write Word."""
    global Document, WD_ORIENT, WD_SECTION, WD_TABLE_ALIGNMENT, WD_ALIGN_PARAGRAPH, OxmlElement, qn, Cm, Pt, RGBColor
    from docx import Document
    from docx.enum.section import WD_ORIENT, WD_SECTION
    from docx.enum.table import WD_TABLE_ALIGNMENT
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Cm, Pt, RGBColor


BODY_FONT = "仿宋"
HEADING_FONT = "黑体"
TABLE_FONT = "宋体"
LATIN_FONT = "Times New Roman"
FLAG = (0x9C, 0x00, 0x06)  # dark red: vetoed units
HEADER_SHADE = "D9D9D9"
# characters that are not allowed in XML 1.0 (a data file can hold them): dropped, never written
_XML_BAD = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def clean(text: object) -> str:
    """Text as Word may hold it: no XML-illegal control characters; None and NaN as ''."""
    if text is None or (isinstance(text, float) and text != text):
        return ""
    return _XML_BAD.sub("", str(text))


def _fonts(run_or_style, east_asia: str, size: float | None = None, bold: bool | None = None) -> None:
    font = run_or_style.font
    font.name = LATIN_FONT
    if size is not None:
        font.size = Pt(size)
    if bold is not None:
        font.bold = bold
    element = run_or_style.element if hasattr(run_or_style, "element") else run_or_style._element
    rpr = element.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.insert(0, fonts)
    for attr in ("w:ascii", "w:hAnsi", "w:cs"):
        fonts.set(qn(attr), LATIN_FONT)
    fonts.set(qn("w:eastAsia"), east_asia)


def new_document(title: str) -> WordDocument:
    """An A4 document with the house fonts and a page-number footer."""
    _load_docx()
    doc = Document()
    doc.core_properties.title = clean(title)
    doc.core_properties.language = "zh-CN"
    normal = doc.styles["Normal"]
    _fonts(normal, BODY_FONT, size=12)
    normal.paragraph_format.space_after = Pt(4)
    normal.paragraph_format.line_spacing = 1.3
    for name, size in (("Title", 20), ("Heading 1", 15), ("Heading 2", 13)):
        style = doc.styles[name]
        _fonts(style, HEADING_FONT, size=size, bold=name != "Title")
        style.font.color.rgb = RGBColor(0, 0, 0)
    section = doc.sections[0]
    _a4(section, landscape=False)
    _page_numbers(section)
    return doc


def _a4(section, landscape: bool) -> None:
    short, long_ = Cm(21.0), Cm(29.7)
    section.orientation = WD_ORIENT.LANDSCAPE if landscape else WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = (long_, short) if landscape else (short, long_)
    section.left_margin = section.right_margin = Cm(2.0 if not landscape else 1.5)
    section.top_margin = Cm(2.5 if not landscape else 1.8)
    section.bottom_margin = Cm(2.0 if not landscape else 1.5)


def _field(paragraph, code: str) -> None:
    run = paragraph.add_run()
    begin, instr, end = OxmlElement("w:fldChar"), OxmlElement("w:instrText"), OxmlElement("w:fldChar")
    begin.set(qn("w:fldCharType"), "begin")
    instr.set(qn("xml:space"), "preserve")
    instr.text = f" {code} "
    end.set(qn("w:fldCharType"), "end")
    run._r.append(begin)
    run._r.append(instr)
    run._r.append(end)
    _fonts(run, BODY_FONT, size=10.5)


def _page_numbers(section) -> None:
    footer = section.footer
    footer.is_linked_to_previous = False
    p = footer.paragraphs[0]
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    for text, code in (("第 ", "PAGE"), (" 页 共 ", "NUMPAGES"), (" 页", None)):
        _fonts(p.add_run(text), BODY_FONT, size=10.5)
        if code:
            _field(p, code)


def _paragraph(doc, text: str, size: float = 12, bold: bool = False, align=None, colour=None, font=BODY_FONT):
    p = doc.add_paragraph()
    run = p.add_run(clean(text))
    _fonts(run, font, size=size, bold=bold)
    if colour is not None:
        run.font.color.rgb = colour
    if align is not None:
        p.alignment = align
    return p


def _heading(doc, text: str, level: int = 1):
    h = doc.add_heading(level=level)
    _fonts(h.add_run(clean(text)), HEADING_FONT, size=15 if level == 1 else 13, bold=True)
    return h


def _shade(cell, fill: str) -> None:
    pr = cell._tc.get_or_add_tcPr()
    shd = OxmlElement("w:shd")
    shd.set(qn("w:val"), "clear")
    shd.set(qn("w:color"), "auto")
    shd.set(qn("w:fill"), fill)
    pr.append(shd)


def _repeat_header(row) -> None:
    pr = row._tr.get_or_add_trPr()
    flag = OxmlElement("w:tblHeader")
    flag.set(qn("w:val"), "true")
    pr.append(flag)


def _keep_row_together(row) -> None:
    pr = row._tr.get_or_add_trPr()
    pr.append(OxmlElement("w:cantSplit"))


def _cell_text(cell, text: str, size: float, bold=False, align=None, colour=None) -> None:
    p = cell.paragraphs[0]
    p.paragraph_format.space_after = Pt(0)
    p.paragraph_format.line_spacing = 1.0
    if align is not None:
        p.alignment = align
    run = p.add_run(clean(text))
    _fonts(run, TABLE_FONT, size=size, bold=bold)
    if colour is not None:
        run.font.color.rgb = colour


def _number(value: object, fmt: str) -> str:
    if value is None or value is pd.NA or (isinstance(value, float) and value != value):
        return ""
    return format(value, fmt)


def add_table(
    doc,
    table: pd.DataFrame,
    widths_cm: dict[str, float],
    size: float = 9,
    spanners: tuple[tuple[str, tuple[str, ...]], ...] = (),
    flagged=None,
    formats: dict[str, str] | None = None,
) -> None:
    """A bordered table: (spanned) header rows repeated on every page, numbers right, text left,
    flagged rows (vetoed units) dark red bold; rows never split across pages."""
    _load_docx()
    formats = formats or {}
    columns = [str(c) for c in table.columns]
    spanned = {c: label for label, cols in spanners for c in cols}
    header_rows = 2 if spanned else 1
    grid = doc.add_table(rows=header_rows, cols=len(columns))
    grid.style = "Table Grid"
    grid.alignment = WD_TABLE_ALIGNMENT.CENTER
    grid.autofit = False
    center = WD_ALIGN_PARAGRAPH.CENTER
    if spanned:
        top, low = grid.rows[0].cells, grid.rows[1].cells
        for label, cols in spanners:
            idx = [columns.index(c) for c in cols if c in columns]
            if idx:
                merged = top[min(idx)].merge(top[max(idx)])
                _cell_text(merged, label, size, bold=True, align=center)
        for j, col in enumerate(columns):
            if col in spanned:
                _cell_text(low[j], col, size, bold=True, align=center)
            else:
                _cell_text(top[j].merge(low[j]), col, size, bold=True, align=center)
    else:
        for j, col in enumerate(columns):
            _cell_text(grid.rows[0].cells[j], col, size, bold=True, align=center)
    for row in grid.rows[:header_rows]:
        _repeat_header(row)
        for cell in row.cells:
            _shade(cell, HEADER_SHADE)
    numeric = [
        pd.api.types.is_numeric_dtype(table[c].dtype) and not pd.api.types.is_bool_dtype(table[c].dtype)
        for c in table.columns
    ]
    whole = [pd.api.types.is_integer_dtype(table[c].dtype) for c in table.columns]
    flags = list(flagged) if flagged is not None else [False] * len(table)
    for i, values in enumerate(table.itertuples(index=False)):  # Word cells are written one by one
        row = grid.add_row()
        _keep_row_together(row)
        colour = RGBColor(*FLAG) if flags[i] else None
        for j, value in enumerate(values):
            fmt = formats.get(columns[j], "d" if whole[j] else ".2f")
            text = _number(value, fmt) if numeric[j] else clean(value)
            align = WD_ALIGN_PARAGRAPH.RIGHT if numeric[j] else WD_ALIGN_PARAGRAPH.LEFT
            _cell_text(row.cells[j], text, size, bold=bool(flags[i]), align=align, colour=colour)
    _fix_widths(grid, [Cm(widths_cm.get(col, 1.6)) for col in columns])


def _fix_widths(grid, widths) -> None:
    """Column widths that Word, WPS and LibreOffice all honour: a fixed layout, the grid and every cell."""
    pr = grid._tbl.tblPr
    layout = OxmlElement("w:tblLayout")
    layout.set(qn("w:type"), "fixed")
    pr.append(layout)
    for col, width in zip(grid._tbl.tblGrid.findall(qn("w:gridCol")), widths):
        col.set(qn("w:w"), str(int(width.twips)))
    for row in grid.rows:
        for j, cell in enumerate(row.cells):
            if j < len(widths):
                cell.width = widths[j]


def _plain(markdown: str) -> str:
    """The summary sentences without Markdown: bold markers dropped, escapes undone."""
    return re.sub(r"\\(.)", r"\1", markdown.replace("**", ""))


def _landscape_section(doc):
    section = doc.add_section(WD_SECTION.NEW_PAGE)
    _a4(section, landscape=True)
    return section


def _portrait_section(doc):
    section = doc.add_section(WD_SECTION.NEW_PAGE)
    _a4(section, landscape=False)
    return section


def report_document(
    result: Scored, gaps_table: pd.DataFrame | None = None, issuer: str | None = None, on: date | None = None
):
    """The 通报 as a python-docx Document: title, summary, tiers, ranking, vetoes, per-group 整改 highlights."""
    from civscore.tables.report import group_table, result_summary, tier_table, veto_table

    rubric = result.rubric
    title = f"关于{rubric.name}测评结果的通报"
    doc = new_document(title)
    _paragraph(doc, title, size=20, bold=True, align=WD_ALIGN_PARAGRAPH.CENTER, font=HEADING_FONT)
    _paragraph(
        doc,
        f"{issuer_name(issuer)}　　{chinese_date(issue_date(on))}",
        size=12,
        align=WD_ALIGN_PARAGRAPH.CENTER,
    )
    _heading(doc, "一、总体情况")
    source = Path(result.report.source).name if result.report.source else ""
    _paragraph(
        doc,
        f"依据《{rubric.name}》（版本 {rubric.version}）"
        + (f"，对数据文件 {source} 中的参评单位" if source else "，对参评单位")
        + "进行了测评，现将结果通报如下。",
    )
    for sentence in _plain(result_summary(result)).split("\n\n"):
        _paragraph(doc, sentence)
    if rubric.tiers:
        _heading(doc, "二、等级分布")
        tiers = tier_table(result).reset_index(names="等级")
        add_table(
            doc, tiers, {"等级": 3.0, "分数区间": 4.0, "单位数": 2.5, "占比": 2.5, "其中一票否决": 3.0}, size=10.5
        )
    vetoes = veto_table(result)
    _heading(doc, "三、一票否决、扣分与限分")
    if vetoes.empty:
        _paragraph(doc, "没有单位触发一票否决、限分或扣分项。")
    else:
        _paragraph(doc, "以下单位触发了否决、限分或扣分项；被一票否决的单位无论总分多高，等级均为否决等级，排在最后。")
        add_table(doc, vetoes, {"否决项": 5.5, "效果": 3.5}, size=10.5, formats={"排名": "d"})
    groups = rubric.unit.group_columns
    if groups:
        _heading(doc, f"四、各{groups[0]}情况与整改重点")
        add_table(
            doc, group_table(result, groups[0]).reset_index(), {groups[0]: 3.0}, size=10.5, formats={"单位数": "d"}
        )
        if gaps_table is not None:
            for text_block in group_highlights(result, gaps_table, groups[0]):
                _paragraph(doc, text_block[0], bold=True, font=HEADING_FONT, size=12)
                for line in text_block[1:]:
                    _paragraph(doc, line, size=12)
    _landscape_section(doc)
    _heading(doc, "附：测评结果排名")
    notes = "红色粗体、等级后标“（否决）”的单位被一票否决。" if result.table["disqualified"].any() else ""
    _paragraph(doc, f"各维度得分为未折算的得分。{notes}", size=10.5)
    table = bulletin_table(result)
    dims = tuple(dimension_headers(result).values())
    name = rubric.unit.name_column or rubric.unit.id_column
    # 26.7 cm between the margins of A4 landscape
    widths = {"排名": 1.0, name: 2.3, "总分": 1.5, "等级": 1.7, "基础分": 1.4, "特色加分": 1.2, "指标覆盖率": 1.3}
    widths |= {d: 1.3 for d in dims} | {g: 1.9 for g in groups} | {f"{g}内排名": 1.2 for g in groups}
    widths |= {"否决与扣分项": 2.8}
    formats = {"排名": "d", "指标覆盖率": ".0%"} | {f"{g}内排名": "d" for g in groups}
    add_table(
        doc,
        table,
        widths,
        size=8.5,
        spanners=((DIMENSIONS_SPANNER, dims),),
        flagged=result.table["disqualified"].to_numpy(bool),
        formats=formats,
    )
    return doc


def group_highlights(result: Scored, gaps_table: pd.DataFrame, group: str, top: int = 3) -> list[list[str]]:
    """Per group: a title line, its vetoed units, and the ``top`` indicators its units lose most on."""
    labels = result.table.set_index(result.id_column)
    name = result.rubric.unit.name_column
    out = []
    order = list(dict.fromkeys(result.table[group].astype(object).where(result.table[group].notna(), "未分组")))
    keys = gaps_table[group].astype(object).where(gaps_table[group].notna(), "未分组")
    for g in order:
        part = gaps_table[(keys == g).to_numpy()]
        members = labels[labels[group].astype(object).where(labels[group].notna(), "未分组") == g]
        lines = [f"{g}（{len(members)} 个单位）"]
        vetoed = part[part["kind"] == "veto:fail"]
        for _, row in vetoed.iterrows():  # a handful of vetoes at most
            who = row[name] if name else row[result.id_column]
            lines.append(f"一票否决：{clean(who)}——{clean(row['item_name'])}，须立即整改。")
        base = part[part["kind"].isin(["base", "bonus"])]
        if len(base):
            lost = (
                base.groupby("item_name", sort=False)
                .agg(lost=("lost", "sum"), units=(result.id_column, "nunique"))
                .sort_values("lost", ascending=False, kind="stable")
                .head(top)
            )
            items = "；".join(f"{clean(i)}（{r.units} 个单位共失 {r.lost:.1f} 分）" for i, r in lost.iterrows())
            lines.append(f"失分最多的指标：{items}。")
        out.append(lines)
    return out


def gaps_document(result: Scored, table: pd.DataFrame, issuer: str | None = None, on: date | None = None):
    """The 整改清单 as a Document: one section (a new page) per unit, its items in a table."""
    rubric = result.rubric
    unit = rubric.unit
    doc = new_document(f"{rubric.name}整改清单")
    ids = list(dict.fromkeys(table[result.id_column]))
    by_id = result.table.set_index(result.id_column)
    for k, uid in enumerate(ids):
        if k:
            _portrait_section(doc)
        row = by_id.loc[uid]
        name = clean(row[unit.name_column]) if unit.name_column else clean(uid)
        where = "".join(f"{clean(row[g])}" for g in unit.group_columns[:1])
        _paragraph(doc, f"{name}整改清单", size=18, bold=True, align=WD_ALIGN_PARAGRAPH.CENTER, font=HEADING_FONT)
        _paragraph(
            doc,
            f"{issuer_name(issuer)}　　{chinese_date(issue_date(on))}",
            size=12,
            align=WD_ALIGN_PARAGRAPH.CENTER,
        )
        tier = f"，等级{clean(row['tier'])}" if row["tier"] else ""
        veto = "（被一票否决）" if row["disqualified"] else ""
        _paragraph(
            doc,
            f"{where + ' ' if where else ''}{name}（{clean(uid)}）在《{rubric.name}》（版本 {rubric.version}）测评中"
            f"总分 {row['total']:.2f} 分，第 {row['rank']} 名{tier}{veto}。"
            "请对照下表逐项整改：否决项在前，其余按失分从大到小排列；“总分变化”假定只完成该项整改。",
        )
        items = table[table[result.id_column] == uid]
        shown = pd.DataFrame(
            {
                "序号": items["priority"].to_numpy(),
                "类别": items["kind"].map(KIND_LABELS).to_numpy(),
                "指标/否决项": items["item_name"].map(clean).to_numpy(),
                "失分": items["lost"].astype(float).to_numpy(),
                "下一步整改": _steps(result, items),
                "总分变化": items["total_change"].astype(float).to_numpy(),
            }
        )
        add_table(
            doc,
            shown,
            {"序号": 1.0, "类别": 2.0, "指标/否决项": 4.2, "失分": 1.3, "下一步整改": 6.0, "总分变化": 1.5},
            size=10,
            flagged=items["kind"].astype(str).str.startswith("veto").to_numpy(),
            formats={"序号": "d", "总分变化": "+.2f"},
        )
    if not ids:
        _paragraph(doc, "没有需要整改的项目。")
    return doc


def _steps(result: Scored, items: pd.DataFrame):
    from civscore.tables.gaps import plain_steps

    return plain_steps(result, items).to_numpy()


def write_report_docx(result: Scored, path: str | Path, issuer: str | None = None, on: date | None = None) -> Path:
    """Write the 通报 to ``path`` (.docx), atomically."""
    from civscore.analysis.gaps import gaps

    doc = report_document(result, gaps(result), issuer=issuer, on=on)
    return write_atomic(path, lambda tmp: doc.save(str(tmp)))


def write_gaps_docx(
    result: Scored, table: pd.DataFrame, path: str | Path, issuer: str | None = None, on: date | None = None
) -> Path:
    """Write the 整改清单 to ``path`` (.docx), one section per unit, atomically."""
    doc = gaps_document(result, table, issuer=issuer, on=on)
    return write_atomic(path, lambda tmp: doc.save(str(tmp)))


__all__ = ["gaps_document", "report_document", "write_gaps_docx", "write_report_docx"]
