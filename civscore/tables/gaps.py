"""The rectification hand-out (整改清单): a readable table, and a printable workbook with a sheet per group."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from civscore.analysis.gaps import KIND_LABELS
from civscore.scoring.scored import Scored
from civscore.tables.book import Sheet, Workbook, issue_line, sheet_name, unit_bands
from civscore.tables.result_sheets import provenance
from civscore.words import fmt_all, say

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


def plain_steps(result: Scored, table: pd.DataFrame) -> pd.Series:
    """``next_step`` with computed quantities named as the rubric names the indicator.

    A step on a ratio reads "刑事案件数 / 常住人口(人) * 10000 = 7.724 → ≤ 5" in the analysis
    (exact, for analysts); a hand-out says "每万人刑事案件数 7.724 → ≤ 5" instead.
    """
    return pd.Series(pd.array(_plain_steps(result, table), dtype="str"), index=table.index, name="next_step")


def _plain_steps(result: Scored, table: pd.DataFrame) -> pa.Array:
    from civscore.rubric.introspect import quantity_label

    steps = pc.fill_null(arrow_text(table["next_step"]), "")
    computed = [ind for ind in result.rubric.iter_indicators() if not ind.expression.is_bare_column]
    if not computed or not len(steps):
        return steps
    items = pd.Index([ind.id for ind in computed]).get_indexer(pd.Index(table["item"]))  # -1: not computed
    found: list[np.ndarray] = []
    plain: list[pa.Array] = []
    for i, ind in enumerate(computed):
        head = f"{quantity_label(ind.value)} = "
        rows = np.flatnonzero(items == i)  # this indicator's rows only, then their text
        texts = steps.take(pa.array(rows))
        hit = pc.starts_with(texts, head).to_numpy(zero_copy_only=False)
        if hit.any():
            found.append(rows[hit])
            kept = pc.utf8_slice_codeunits(texts.filter(pa.array(hit)), len(head))
            plain.append(pc.binary_join_element_wise(f"{ind.name} ", kept, ""))
    if not found:
        return steps
    rows = np.concatenate(found)
    mask = np.zeros(len(steps), dtype=bool)
    mask[rows] = True
    # replace_with_mask takes the replacements in row order
    return pc.replace_with_mask(steps, pa.array(mask), pa.concat_arrays(plain).take(pa.array(np.argsort(rows))))


def arrow_text(values: pd.Series) -> pa.Array:
    """A column of text as Arrow strings (blank: null), from str or object columns alike;
    a value that is not text becomes its ``str`` (as the printed list shows it)."""
    if isinstance(values.dtype, pd.StringDtype):
        return pa.array(values, type=pa.string(), from_pandas=True)
    try:
        return pa.array(values.to_numpy(object), type=pa.string(), from_pandas=True)
    except (pa.ArrowTypeError, pa.ArrowInvalid):
        shown = values.astype(object).where(values.notna(), None).map(lambda v: v if v is None else str(v))
        return pa.array(shown.to_numpy(object), type=pa.string())


def _shown(values: pd.Series, decimals: int = 4) -> pa.Array:
    """:func:`civscore.words.fmt_all` of a column as Arrow strings, each distinct number formatted once."""
    arr = values.to_numpy()
    if arr.dtype.kind not in "fiu":  # yes/no and numbers mixed: fmt_all keeps them apart
        return pa.array(fmt_all(arr, decimals), type=pa.string())
    codes, uniques = pd.factorize(arr, use_na_sentinel=True)
    texts = pa.array([*fmt_all(uniques, decimals), "缺失"], type=pa.string())
    return texts.take(pa.array(np.where(codes < 0, len(uniques), codes)))


def _blank_or(texts: pa.Array, blank: np.ndarray) -> pa.Array:
    """``texts`` with '' where ``blank``."""
    return pc.if_else(pa.array(blank), "", texts) if blank.any() else texts


def _join(*parts) -> pa.Array:
    return pc.binary_join_element_wise(*parts, "")


def _as_str(texts: pa.Array) -> pd.api.extensions.ExtensionArray:
    return pd.array(texts, dtype="str")


# the printed list: what a community must do, in as few columns as stay readable at 10 pt on A4
PRINT_WIDTHS = {
    "当前情况": 10.0,
    "序号": 4.5,
    "类别": 7.0,
    "指标/否决项": 18.0,
    "当前值": 7.0,
    "失分": 5.5,
    "下一步整改": 28.0,
    "总分变化": 6.5,
    "仅此项整改后": 8.5,
    "说明": 16.0,
}


def print_table(result: Scored, table: pd.DataFrame) -> pd.DataFrame:
    """The rectification list as printed: unit, its standing, and per item the step and its effect."""
    out = _printed(result, table)
    ids = pd.factorize(table[result.rubric.unit.id_column])[0]
    out["当前情况"] = _as_str(_standing_once(out["当前情况"], ids))
    return out


def _standing_once(standing: pd.Series, ids: np.ndarray) -> pa.Array:
    """A unit's standing once, on its first row (``ids``: the rows' unit codes, in row order)."""
    first = np.r_[True, ids[1:] != ids[:-1]] if len(ids) else np.zeros(0, dtype=bool)
    return _blank_or(pa.array(standing, type=pa.string(), from_pandas=True), ~first)


def _printed(result: Scored, table: pd.DataFrame) -> pd.DataFrame:
    """:func:`print_table` with the standing on every row, whole columns built in Arrow."""
    unit = result.rubric.unit
    # the name identifies a unit on a street's list; the id only when there is no name
    key = table[unit.name_column or unit.id_column]
    try:
        first: object = _as_str(pa.array(key.to_numpy(object), type=pa.string(), from_pandas=True))
    except (pa.ArrowTypeError, pa.ArrowInvalid):  # not all text: the cells keep their kind
        first = key.to_numpy(object)
    rank = pc.fill_null(pc.cast(pa.array(table["rank"].astype("Int64")), pa.string()), "<NA>")
    tier = pc.fill_null(arrow_text(table["tier"]), "")
    standing = _join("第 ", rank, " 名 ", _shown(table["total"].round(2), 2), " 分 ", tier)
    kinds = pc.dictionary_encode(arrow_text(table["kind"]))
    labels = pa.array([KIND_LABELS.get(k) for k in kinds.dictionary.to_pylist()], type=pa.string())
    after_rank = pc.fill_null(pc.cast(pa.array(table["rank_after"].astype("Int64")), pa.string()), "<NA>")
    after_tier = pc.fill_null(arrow_text(table["tier_after"]), "")
    after = _blank_or(_join("第 ", after_rank, " 名 ", after_tier), table["rank_after"].isna().to_numpy())
    columns = {
        str(key.name): first,
        "当前情况": _as_str(standing),
        "序号": table["priority"].to_numpy(),
        "类别": _as_str(labels.take(kinds.indices)),
        "指标/否决项": _as_str(arrow_text(table["item_name"])),
        "当前值": _as_str(_blank_or(_shown(table["value"]), table["value"].isna().to_numpy())),
        "失分": table["lost"].astype(float).round(2).to_numpy(),
        "下一步整改": _as_str(_plain_steps(result, table)),
        "总分变化": table["total_change"].astype(float).round(2).to_numpy(),
        "仅此项整改后": _as_str(after),
        "说明": _as_str(pc.fill_null(arrow_text(table["note"]), "")),
    }
    return pd.DataFrame(columns, index=pd.RangeIndex(len(table)))


def _groups(result: Scored, table: pd.DataFrame, by: str | None) -> list[tuple[str, np.ndarray]]:
    """(group, its row positions) in the order the groups first appear in the data; only groups
    with rows."""
    if by is None:
        return [("全部单位", np.arange(len(table)))]
    if by not in table.columns:
        raise ValueError(
            say(f"无法按 {by!r} 分表：结果中没有这一列", f"cannot split the list by {by!r}: not a column of the result")
        )
    keys = table[by].astype(object).where(table[by].notna(), "未分组")
    units = result.table.set_index(result.id_column)[by].reindex(result.points.index)
    order = list(dict.fromkeys(units.astype(object).where(units.notna(), "未分组")))
    codes = pd.Categorical(keys, categories=order).codes  # one pass, then the rows of each group
    by_group = np.argsort(codes, kind="stable")
    bounds = np.searchsorted(codes[by_group], np.arange(len(order) + 1))
    found = [(str(g), by_group[bounds[i] : bounds[i + 1]]) for i, g in enumerate(order) if bounds[i + 1] > bounds[i]]
    # a list for one unit (gaps --unit) is one sheet, not an empty sheet for every other group
    return found or [("全部单位", np.arange(len(table)))]


def gaps_book(
    result: Scored, table: pd.DataFrame, by: str | None = None, issuer: str | None = None, on: date | None = None
) -> Workbook:
    """The rectification workbook: one printable sheet per value of ``by`` (default: the first
    group column, e.g. 街道) holding only groups that have items, then 说明."""
    rubric = result.rubric
    if by is None and rubric.unit.group_columns:
        by = rubric.unit.group_columns[0]
    taken: set[str] = set()
    sheets = []
    source = Path(result.report.source).name if result.report.source else "（内存数据）"
    # the printed columns are built once for every row; each group's sheet takes its rows
    whole = _printed(result, table)
    ids = pd.factorize(table[result.id_column])[0]
    vetoes = pc.starts_with(pc.fill_null(arrow_text(table["kind"]), ""), "veto").to_numpy(zero_copy_only=False)
    for group, rows in _groups(result, table, by):
        printed = whole.take(rows).reset_index(drop=True)
        printed["当前情况"] = _as_str(_standing_once(printed["当前情况"], ids[rows]))
        n_units = len(np.unique(ids[rows]))
        notes = (
            f"测评体系：{rubric.name}（版本 {rubric.version}）　数据：{source}　{n_units} 个单位，{len(rows)} 项",
            issue_line(issuer, on),
            "每个单位：否决项在前（红色粗体），其余按失分从大到小；“总分变化”“仅此项整改后”假定只完成该项整改。",
        )
        key = 1
        sheets.append(
            Sheet(
                name=sheet_name(group, taken),
                table=printed,
                title=f"{group}　{rubric.name}整改清单",
                notes=notes,
                widths=PRINT_WIDTHS | {str(printed.columns[0]): 9.0},
                wrap=frozenset(
                    {
                        *printed.columns[:key],
                        "当前情况",
                        "类别",
                        "指标/否决项",
                        "下一步整改",
                        "仅此项整改后",
                        "说明",
                    }
                ),
                number_formats={"序号": "0", "失分": "0.00", "总分变化": "+0.00;-0.00;0"},
                flagged=vetoes[rows],
                band=unit_bands(pd.Series(ids[rows])),
                key_columns=key,
            )
        )
    sheets.append(_about_sheet(result, sheet_name("说明", taken)))
    return Workbook(tuple(sheets))


def write_gaps(result: Scored, table: pd.DataFrame, path: str | Path, by: str | None = None) -> tuple[Path, list[str]]:
    """Write :func:`gaps_book` to ``path`` (atomic); returns the path and the group sheets' names."""
    from civscore.writers.xlsx import write_book

    book = gaps_book(result, table, by=by)
    return write_book(book, path), book.names()[:-1]


def _about_sheet(result: Scored, name: str) -> Sheet:
    rubric = result.rubric
    rows = [
        ("测评体系", f"{rubric.name}（版本 {rubric.version}）"),
        ("数据", Path(result.report.source).name if result.report.source else "（内存数据）"),
        ("参评单位数", str(len(result.table))),
        ("排列", "每个单位：一票否决、门槛封顶、负面清单扣分在前；其余指标按失分从大到小。"),
        (
            "下一步整改",
            "分档指标给出下一档的门槛；按比例得分的指标给出满分所需的值；扣分指标给出需整改清零的项数；"
            "计数指标给出还需增加的数量；是否类指标给出缺少的内容；等次类指标给出上一等次。"
            "值为算式（如两列之比）时，给出该指标须达到的值。",
        ),
        (
            "总分变化",
            "只完成该步时总分的变化：已计入合理缺项折算、特色加分上限、门槛封顶和扣分；被封顶抵消时在“说明”中注明。",
        ),
        ("仅此项整改后", "只完成该步时的排名和等级。"),
        ("说明", "若所需调整的数据列也被其他指标或否决项使用，会在此注明：其他指标的得分可能随之变化。"),
        *provenance(result),
    ]
    return Sheet(
        name=name,
        table=pd.DataFrame(rows, columns=["项目", "内容"]),
        title=f"{rubric.name}整改清单：说明",
        widths={"项目": 14.0, "内容": 90.0},
        wrap=frozenset({"内容"}),
        key_columns=0,
        landscape=False,
    )
