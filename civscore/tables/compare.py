"""The comparison workbook: a labelled unit table and the sheets of a :class:`Comparison`."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from civscore.analysis.compare import Comparison


def labelled_units(comp: Comparison) -> pd.DataFrame:
    """The units table with the side labels in its headers (rank_a -> 'rank (2024)')."""
    la, lb = comp.labels
    rename = {c: c[:-2] + f" ({la})" for c in comp.units.columns if c.endswith("_a")}
    rename |= {c: c[:-2] + f" ({lb})" for c in comp.units.columns if c.endswith("_b")}
    return comp.units.rename(columns=rename)


def write_comparison(comp: Comparison, path: str | Path) -> Path:
    """Write the comparison: .csv/.parquet the units table; .xlsx adds contributions and dimensions."""
    from civscore.writers.atomic import write_atomic
    from civscore.writers.output import check_output_path, write_table
    from civscore.writers.xlsx import XLSX_OPTIONS, add_sheet

    suffix = check_output_path(path)
    units = labelled_units(comp)
    if suffix != ".xlsx":
        return write_table(units, path)
    la, lb = comp.labels
    about = pd.DataFrame(
        [
            (
                "比较",
                {
                    "rubric": "同一数据，测评体系版本变化",
                    "data": "同一测评体系，数据变化（如逐年对比）",
                    "both": "测评体系和数据都有变化",
                }[comp.kind],
            ),
            (f"{la}", f"{comp.a.rubric.name} {comp.a.rubric.version}；数据 {comp.a.report.source or '（内存数据）'}"),
            (f"{lb}", f"{comp.b.rubric.name} {comp.b.rubric.version}；数据 {comp.b.report.source or '（内存数据）'}"),
            (
                "仅在一方的单位",
                f"仅 {la}: {', '.join(map(str, comp.only_a)) or '无'}；"
                f"仅 {lb}: {', '.join(map(str, comp.only_b)) or '无'}",
            ),
            ("rank_change", "排名上升为正"),
            (
                "rule_change / data_change",
                "指标得分变化拆分：规则变化（新规则作用于旧数据减旧得分）与数据变化（其余部分）",
            ),
            ("adjustments", "总分变化中不属于指标得分的部分：合理缺项折算、特色加分上限、否决与门槛"),
        ],
        columns=["项目", "内容"],
    )

    def write(tmp: Path) -> None:
        with pd.ExcelWriter(tmp, engine="xlsxwriter", engine_kwargs={"options": XLSX_OPTIONS}) as xw:
            add_sheet(xw, units, "单位对比", freeze_columns=2)
            add_sheet(xw, comp.contributions, "指标变化", freeze_columns=1)
            add_sheet(xw, comp.dimensions, "维度趋势")
            add_sheet(xw, about, "说明")

    return write_atomic(path, write)
