"""The rectification hand-out (整改清单): a readable table per unit and a workbook with a sheet per group."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from civscore.analysis.gaps import KIND_LABELS
from civscore.scoring.scored import Scored
from civscore.words import fmt_all
from civscore.writers.atomic import write_atomic
from civscore.writers.safe_text import neutralise

# the hand-out's headers; machine columns (target_op, target, quantity) stay out of it
HANDOUT_HEADERS = {
    "rank": "当前排名",
    "total": "当前总分",
    "tier": "当前等级",
    "priority": "序号",
    "kind": "类别",
    "item_name": "指标/否决项",
    "dimension": "所属测评项目",
    "value": "当前值",
    "earned": "得分",
    "available": "分值",
    "lost": "失分",
    "next_step": "下一步整改",
    "gain": "指标得分增加",
    "total_change": "总分变化",
    "total_after": "仅此项整改后总分",
    "rank_after": "仅此项整改后排名",
    "tier_after": "仅此项整改后等级",
    "note": "说明",
}


def handout_table(result: Scored, table: pd.DataFrame) -> pd.DataFrame:
    """The list with Chinese headers and readable cells, as a street office hands it out."""
    unit = result.rubric.unit
    head = [unit.id_column] + ([unit.name_column] if unit.name_column else [])
    ranks = [f"rank_in_{g}" for g in unit.group_columns]
    out = table[head + [c for c in dict.fromkeys(["rank", *ranks, *HANDOUT_HEADERS]) if c in table.columns]].copy()
    out["kind"] = out["kind"].map(KIND_LABELS)
    out["value"] = np.where(out["value"].isna(), "", fmt_all(out["value"]))
    for c in ("earned", "available", "lost", "gain", "total_change", "total_after", "total"):
        out[c] = out[c].round(2)
    return out.rename(columns={**HANDOUT_HEADERS, **{r: f"{r[len('rank_in_') :]}内排名" for r in ranks}})


def sheet_name(text: str, taken: set[str]) -> str:
    """A valid, unique Excel sheet name (31 characters, none of []:*?/\\)."""
    clean = "".join("_" if ch in "[]:*?/\\" else ch for ch in str(text)).strip("'") or "未分组"
    name = clean[:31]
    i = 2
    while name.lower() in {t.lower() for t in taken}:
        suffix = f"({i})"
        name = clean[: 31 - len(suffix)] + suffix
        i += 1
    taken.add(name)
    return name


def write_gaps(result: Scored, table: pd.DataFrame, path: str | Path, by: str | None = None) -> tuple[Path, list[str]]:
    """Write the rectification list as a print-ready workbook, one sheet per value of ``by``.

    ``by`` defaults to the rubric's first group column (e.g. 街道); with no group column there
    is one sheet. Each sheet has a title, the rubric and data source, a bold header repeated on
    every printed page, landscape fit-to-width, and every unit's rows shaded alternately.
    Returns the path and the sheet names. Text is formula-safe; the write is atomic.
    """
    rubric = result.rubric
    if by is None and rubric.unit.group_columns:
        by = rubric.unit.group_columns[0]
    if by is not None and by not in table.columns:
        raise ValueError(f"cannot split the list by {by!r}: not a column of the result")
    if by is None:
        groups = [("全部单位", table)]
    else:
        keys = table[by].astype(object).where(table[by].notna(), "未分组")
        # sheets in the order the groups first appear in the data, as the office listed them
        units = result.table.set_index(result.id_column)[by].reindex(result.points.index)
        order = list(dict.fromkeys(units.astype(object).where(units.notna(), "未分组")))
        groups = [(g, table[keys == g]) for g in order]
    names: list[str] = []

    def write(tmp: Path) -> None:
        import xlsxwriter

        book = xlsxwriter.Workbook(
            str(tmp), {"strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False}
        )
        taken: set[str] = set()
        for group, part in groups:
            name = sheet_name(group, taken)
            names.append(name)
            _handout_sheet(book, name, str(group), handout_table(result, part), result)
        _about_sheet(book, sheet_name("说明", taken), result)
        book.close()

    write_atomic(path, write)
    return Path(path), names


def _handout_sheet(book, name: str, group: str, table: pd.DataFrame, result: Scored) -> None:
    from civscore.writers.xlsx import display_width

    rubric = result.rubric
    sheet = book.add_worksheet(name)
    title = book.add_format({"bold": True, "font_size": 14})
    sub = book.add_format({"font_color": "#404040"})
    header = book.add_format({"bold": True, "text_wrap": True, "valign": "top", "bg_color": "#D9D9D9", "border": 1})
    cell = {
        shade: book.add_format(
            {"text_wrap": True, "valign": "top", "border": 1, **({"bg_color": "#F2F2F2"} if shade else {})}
        )
        for shade in (False, True)
    }
    veto = {
        shade: book.add_format(
            {
                "text_wrap": True,
                "valign": "top",
                "border": 1,
                "bold": True,
                **({"bg_color": "#F2F2F2"} if shade else {}),
            }
        )
        for shade in (False, True)
    }
    n_units = table.iloc[:, 0].nunique() if len(table) else 0
    sheet.write_string(0, 0, neutralise(f"{group} {rubric.name} 整改清单"), title)
    source = result.report.source or "（内存数据）"
    sheet.write_string(
        1,
        0,
        neutralise(
            f"测评体系 {rubric.id}（版本 {rubric.version}）；数据 {source}；"
            f"{n_units} 个单位，{len(table)} 项。按单位排列：否决项在前，其余按失分从大到小。"
            "“仅此项整改后”各列假定只完成该项整改。"
        ),
        sub,
    )
    top = 3
    cols = list(table.columns)
    for j, col in enumerate(cols):
        sheet.write_string(top, j, neutralise(str(col)), header)
    unit_col = table.iloc[:, 0].to_numpy() if len(table) else np.array([])
    shade = np.cumsum(np.r_[True, unit_col[1:] != unit_col[:-1]]) % 2 == 0 if len(table) else np.array([], bool)
    is_veto = table["类别"].isin([KIND_LABELS[k] for k in ("veto:fail", "veto:cap", "veto:deduct")]).to_numpy()
    for i, row in enumerate(table.itertuples(index=False)):  # writing cells is per cell by nature
        fmt_ = (veto if is_veto[i] else cell)[bool(shade[i])]
        for j, v in enumerate(row):
            if v is None or (isinstance(v, float) and np.isnan(v)):
                sheet.write_blank(top + 1 + i, j, None, fmt_)
            elif isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, bool):
                sheet.write_number(top + 1 + i, j, float(v), fmt_)
            else:
                sheet.write_string(top + 1 + i, j, neutralise(str(v)), fmt_)
    wide = {"下一步整改": 48, "说明": 36, "指标/否决项": 28, "所属测评项目": 18}
    for j, col in enumerate(cols):
        sample = [display_width(v) for v in table[col].head(500) if v is not None]
        width = wide.get(col, min(max([display_width(col), *sample], default=6) + 2, 20))
        sheet.set_column(j, j, width)
    sheet.freeze_panes(top + 1, 2)
    sheet.repeat_rows(top)
    sheet.set_landscape()
    sheet.set_paper(9)  # A4
    sheet.fit_to_pages(1, 0)
    sheet.set_footer("&C第 &P 页，共 &N 页")


def _about_sheet(book, name: str, result: Scored) -> None:
    rubric = result.rubric
    sheet = book.add_worksheet(name)
    bold = book.add_format({"bold": True})
    wrap = book.add_format({"text_wrap": True, "valign": "top"})
    rows = [
        ("测评体系", f"{rubric.name}（{rubric.id}，版本 {rubric.version}）"),
        ("数据", result.report.source or "（内存数据）"),
        ("参评单位数", str(len(result.table))),
        ("排列", "每个单位：一票否决、门槛封顶、负面清单扣分在前；其余指标按失分从大到小。"),
        (
            "下一步整改",
            "分档指标给出下一档的门槛；按比例得分的指标给出满分所需的值；扣分指标给出需整改清零的项数；"
            "计数指标给出还需增加的数量；是否类指标给出缺少的内容；等次类指标给出上一等次。"
            "值为算式（如两列之比）时，给出算式须达到的值。",
        ),
        ("指标得分增加", "完成该步后，该指标本身增加的分数。"),
        (
            "总分变化",
            "只完成该步时总分的变化：已计入合理缺项折算、特色加分上限、门槛封顶和扣分；被封顶抵消时在“说明”中注明。",
        ),
        ("说明", "若所需调整的数据列也被其他指标或否决项使用，会在此注明：其他指标的得分可能随之变化。"),
    ]
    sheet.set_column(0, 0, 14)
    sheet.set_column(1, 1, 90)
    for i, (k, v) in enumerate(rows):
        sheet.write_string(i, 0, k, bold)
        sheet.write_string(i, 1, neutralise(v), wrap)
