"""Writing results: CSV for Excel (UTF-8 with BOM), a readable XLSX workbook, Parquet.

Every writer goes through :func:`civscore.io.write_atomic` (temp file, then rename), and every
text cell is made formula-safe before it reaches a spreadsheet.
"""

from __future__ import annotations

import unicodedata
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import pandas as pd

from civscore.io import neutralise, neutralise_frame, write_atomic
from civscore.result import Result
from civscore.rubric.model import Rubric

RESULT_FORMATS = (".csv", ".xlsx", ".parquet")
XLSX_OPTIONS = {"strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False}


class UnsupportedFormat(ValueError):
    """An output path whose extension picks no known format."""


def check_output_path(path: str | Path, formats: tuple[str, ...] = RESULT_FORMATS) -> str:
    """The output format for ``path`` ('.csv', ...), or UnsupportedFormat naming the choices."""
    suffix = Path(path).suffix.lower()
    if suffix not in formats:
        raise UnsupportedFormat(f"cannot write {str(path)!r}: the extension must be one of {', '.join(formats)}")
    return suffix


def write_result(result: Result, path: str | Path) -> Path:
    """Write ``result`` to ``path``; the extension picks the format. Atomic: all or nothing."""
    suffix = check_output_path(path)
    if suffix == ".csv":
        return write_csv(result.table, path)
    if suffix == ".parquet":
        return write_atomic(path, lambda tmp: result.table.to_parquet(tmp, index=False))
    return write_atomic(path, lambda tmp: _write_workbook(result, tmp))


def write_csv(table: pd.DataFrame, path: str | Path) -> Path:
    """CSV that Excel opens with Chinese intact (UTF-8 with BOM), text cells formula-safe."""
    safe = neutralise_frame(table)
    return write_atomic(path, lambda tmp: safe.to_csv(tmp, index=False, encoding="utf-8-sig"))


def write_table(table: pd.DataFrame, path: str | Path, sheet: str = "Sheet1") -> Path:
    """Write any table (problems, gaps, comparisons) by extension: .csv, .xlsx or .parquet."""
    suffix = check_output_path(path)
    if suffix == ".csv":
        return write_csv(table, path)
    if suffix == ".parquet":
        return write_atomic(path, lambda tmp: table.to_parquet(tmp, index=False))

    def write(tmp: Path) -> None:
        with pd.ExcelWriter(tmp, engine="xlsxwriter", engine_kwargs={"options": XLSX_OPTIONS}) as xw:
            add_sheet(xw, table, sheet)

    return write_atomic(path, write)


# --- the workbook -----------------------------------------------------------------------------


def display_width(text: object) -> int:
    """Width of text in a spreadsheet cell: East Asian wide characters count twice."""
    s = str(text)
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in s)


def add_sheet(
    writer: pd.ExcelWriter,
    table: pd.DataFrame,
    name: str,
    number_format: str = "0.00",
    freeze_columns: int = 0,
) -> object:
    """Add ``table`` as a sheet with a bold frozen header, fitted widths and formula-safe text."""
    safe = neutralise_frame(table)
    safe.to_excel(writer, sheet_name=name, index=False)
    book = writer.book
    sheet = writer.sheets[name]
    header = book.add_format({"bold": True, "text_wrap": True, "valign": "top", "bg_color": "#D9D9D9", "border": 1})
    numbers = book.add_format({"num_format": number_format})
    total_width = 0.0
    for j, col in enumerate(safe.columns):
        sheet.write_string(0, j, str(col), header)
        sample = safe[col].head(2000)
        widest = max([display_width(col), *(display_width(v) for v in sample if pd.notna(v))], default=6)
        is_float = pd.api.types.is_float_dtype(safe[col].dtype)
        width = min(max(widest, 6) + 2, 60) if not is_float else max(display_width(col), 8) + 2
        sheet.set_column(j, j, width, numbers if is_float else None)
        total_width += width
    sheet.freeze_panes(1, freeze_columns)
    if len(safe):
        sheet.autofilter(0, 0, len(safe), max(len(safe.columns) - 1, 0))
    _print_setup(sheet, total_width)
    return sheet


# Wider than this (in character widths) a sheet fitted to one page's width prints too small to read.
PRINT_FIT_WIDTH = 260


def _print_setup(sheet, total_width: float) -> None:
    # Offices print rankings on A4: landscape, the header row repeated on every page, and one page
    # wide when that still leaves the text readable.
    sheet.set_paper(9)
    sheet.set_landscape()
    sheet.repeat_rows(0)
    sheet.center_horizontally()
    if total_width <= PRINT_FIT_WIDTH:
        sheet.fit_to_pages(1, 0)


def _write_workbook(result: Result, path: Path) -> None:
    rubric = result.rubric
    table = result.table
    with pd.ExcelWriter(path, engine="xlsxwriter", engine_kwargs={"options": XLSX_OPTIONS}) as xw:
        id_pos = list(table.columns).index(rubric.unit.id_column)
        name_cols = 1 if rubric.unit.name_column else 0
        sheet = add_sheet(xw, table, "排名", freeze_columns=id_pos + 1 + name_cols)
        _style_ranking(xw.book, sheet, table, rubric)
        _explain_headers(sheet, table, rubric)
        add_sheet(xw, indicator_points_table(result), "指标得分", freeze_columns=1)
        add_sheet(xw, rubric_table(rubric), "测评体系")
        add_sheet(xw, about_table(result), "说明")


def _style_ranking(book, sheet, table: pd.DataFrame, rubric: Rubric) -> None:
    n = len(table)
    if not n:
        return
    cols = list(table.columns)
    j = cols.index("total")
    # white-to-green scale reads in black-and-white print as light-to-dark
    sheet.conditional_format(1, j, n, j, {"type": "2_color_scale", "min_color": "#FFFFFF", "max_color": "#63BE7B"})
    tier_j = cols.index("tier")
    shades = ["#C6EFCE", "#DDEBF7", "#FFF2CC", "#FCE4D6", "#F2F2F2"]
    for tier, shade in zip(rubric.tiers, shades + shades[-1:] * len(rubric.tiers)):
        fmt = book.add_format({"bg_color": shade})
        literal = '"' + neutralise(tier.name).replace('"', '""') + '"'
        sheet.conditional_format(
            1, tier_j, n, tier_j, {"type": "cell", "criteria": "==", "value": literal, "format": fmt}
        )
    disq = book.add_format({"font_color": "#9C0006", "bold": True})
    dj = cols.index("disqualified")
    sheet.conditional_format(1, dj, n, dj, {"type": "cell", "criteria": "==", "value": "TRUE", "format": disq})
    rank_fmt = book.add_format({"num_format": "0", "align": "center"})
    for k, col in enumerate(cols):
        if col == "rank" or col.startswith("rank_in_"):
            sheet.set_column(k, k, max(display_width(col), 6) + 2, rank_fmt)
    pct = book.add_format({"num_format": "0.0%"})
    cj = cols.index("coverage")
    sheet.set_column(cj, cj, 10, pct)


def indicator_points_table(result: Result) -> pd.DataFrame:
    """Units (in ranking order) by indicators: points earned, headed '名称 [id]'."""
    rubric = result.rubric
    order = result.table[rubric.unit.id_column].to_numpy()
    points = result.points.loc[order].reset_index()
    names = {ind.id: f"{ind.name} [{ind.id}]" for ind in rubric.iter_indicators()}
    points = points.rename(columns=names)
    if rubric.unit.name_column:
        points.insert(1, rubric.unit.name_column, result.table[rubric.unit.name_column].to_numpy())
    return points


def rubric_table(rubric: Rubric) -> pd.DataFrame:
    """One row per indicator and veto: where it sits, how it scores, where its evidence comes from."""
    dim_names = {}

    def collect(dims, prefix=()):
        for d in dims:
            dim_names[prefix + (d.id,)] = d.name
            collect(d.dimensions, prefix + (d.id,))

    collect(rubric.dimensions)
    rows = []
    for path, ind in rubric.base_indicators():
        dims = " / ".join(dim_names[path[: i + 1]] for i in range(len(path)))
        rows.append(_indicator_row(rubric, dims, ind))
    for ind in rubric.bonus_indicators():
        rows.append(_indicator_row(rubric, f"特色指标 (上限 {rubric.bonus_cap:g})", ind))
    for veto in rubric.vetoes:
        effect = {"fail": "一票否决", "cap": "封顶", "deduct": "扣分"}[veto.kind]
        amount = "" if veto.kind == "fail" else f" {getattr(veto.effect, veto.kind):g}"
        rows.append(
            {
                "维度": "否决与门槛",
                "id": veto.id,
                "名称": veto.name,
                "方法": effect + amount,
                "分值": None,
                "来源": "",
                "缺失处理": "",
                "取值/条件": veto.when,
            }
        )
    return pd.DataFrame(rows)


def _indicator_row(rubric: Rubric, dims: str, ind) -> dict:
    return {
        "维度": dims,
        "id": ind.id,
        "名称": ind.name,
        "方法": ind.method,
        "分值": ind.points,
        "来源": ind.source or "",
        "缺失处理": rubric.missing_policy(ind),
        "取值/条件": ind.value,
    }


def about_table(result: Result) -> pd.DataFrame:
    """What produced the workbook: rubric identity, data source, tiers, civscore version."""
    rubric = result.rubric
    try:
        tool = version("civscore")
    except PackageNotFoundError:
        tool = "unknown"
    tiers = "; ".join(f"{t.name} ≥ {t.min:g}" for t in rubric.tiers)
    counts = result.table["tier"].value_counts().reindex([t.name for t in rubric.tiers], fill_value=0)
    items = [
        ("测评体系", rubric.name),
        ("体系编号 (id)", rubric.id),
        ("版本", rubric.version),
        ("体系文件", rubric.path or ""),
        ("数据文件", result.report.source or ""),
        ("参评单位数", len(result.table)),
        ("基础分满分", rubric.total_points),
        ("特色加分上限", rubric.bonus_cap),
        ("等级划分", tiers),
        ("等级分布", "; ".join(f"{k} {v}" for k, v in counts.items() if k)),
        ("一票否决单位数", int(result.table["disqualified"].sum())),
        ("civscore 版本", tool),
        ("", ""),
        ("“排名”表各列", "含义"),
        *column_glossary(result.table, rubric).items(),
    ]
    return pd.DataFrame(items, columns=["项目", "内容"])


def column_glossary(table: pd.DataFrame, rubric: Rubric) -> dict[str, str]:
    """Column of the result table -> what it means, in Chinese, for readers of the workbook."""
    unit = rubric.unit
    dims = {d.id: d for d in rubric.dimensions}
    maxima: dict[str, float] = {}
    for path, ind in rubric.base_indicators():
        maxima[path[0]] = maxima.get(path[0], 0.0) + ind.points
    words = {
        "rank": "排名：按总分从高到低，同分并列（1、1、3……）；被一票否决的单位排在所有其他单位之后",
        "total": "总分 = 基础分 + 特色加分，再减去扣分项、按限分项封顶",
        "base": f"基础分（满分 {rubric.total_points:g}；有合理缺项时按适用指标的分值比例折算）",
        "bonus": f"特色加分（上限 {rubric.bonus_cap:g}）",
        "tier": "等级" + (f"（被一票否决的单位为 {rubric.effective_veto_tier}）" if rubric.vetoes else ""),
        "disqualified": "是否被一票否决（TRUE 为是）",
        "vetoes": "触发的否决、限分或扣分项编号（多项以 ; 分隔，见“测评体系”表）",
        "coverage": "指标覆盖率：适用指标的分值占基础分满分的比例；不足 100% 表示有合理缺项",
        unit.id_column: "单位编号",
    }
    if unit.name_column:
        words[unit.name_column] = "单位名称"
    for g in unit.group_columns:
        words[g] = "分组"
        words[f"rank_in_{g}"] = f"在本{g}内的排名（规则同 rank）"
    for d_id, d in dims.items():
        words[d_id] = f"维度“{d.name}”的得分（满分 {maxima.get(d_id, 0.0):g}，未折算）"
    return {str(col): words.get(str(col), "") for col in table.columns}


def _explain_headers(sheet, table: pd.DataFrame, rubric: Rubric) -> None:
    # English contract headers (rank, total, ...) get their Chinese meaning as a hover note.
    for j, text in enumerate(column_glossary(table, rubric).values()):
        if text:
            sheet.write_comment(0, j, neutralise(text), {"x_scale": 2, "y_scale": 0.8})
