"""Indicators fed by measures (rubric-contract section 8): the records behind a value, in words.

``explain`` names, for an indicator whose value reads a measure, the measure, the number of
records it rests on (n), its standard error (mean and share) and the record table's file.
``gaps`` turns the indicator's next step back into records: how many more records must satisfy
a share's ``of`` (e.g. more 满意 answers among the same respondents), how many fewer records a
count may hold or how much a sum must fall (e.g. fewer 问题点位), and how many more records a
measure left missing by ``min_records`` needs. Everything is vectorised over units.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from civscore.rubric.evaluate import evaluate
from civscore.rubric.model import Indicator, Rubric
from civscore.rubric.records import Measure
from civscore.scoring.scored import Scored
from civscore.words import fmt_all, language, say

_TOL = 1e-9
_AGGREGATE_ZH = {
    "count": "计数",
    "sum": "求和",
    "mean": "平均",
    "share": "比例",
    "min": "最小值",
    "max": "最大值",
    "median": "中位数",
    "distinct": "不同值个数",
}


def measures_read(rubric: Rubric, ind: Indicator) -> list[Measure]:
    """The measures an indicator's value reads, in rubric order."""
    columns = ind.expression.columns
    return [m for m in rubric.measures if m.id in columns]


def unit_measures(result: Scored) -> pd.DataFrame | None:
    """The measures table (``result.measures``) with one row per unit of the result, in the order
    of its matrices (None when the rubric has no record tables)."""
    table = result.measures
    if table is None:
        return None
    labels = table.attrs.get("labels")
    index = pd.Index(labels if labels is not None else table.iloc[:, 0].astype(str).to_numpy(), dtype=object)
    return table.set_axis(index, axis=0).reindex(result.points.index)


def _say(zh: np.ndarray, en: np.ndarray) -> np.ndarray:
    """:func:`civscore.words.say` for whole columns of words."""
    return en if language() == "en" else zh


def _text(values: np.ndarray) -> np.ndarray:
    return fmt_all(values).astype(str)


def explain_notes(result: Scored, ind: Indicator) -> np.ndarray:
    """Per unit (matrix order): each measure the indicator reads, its value, n, standard error
    and records' file; '' when the indicator reads no measure."""
    n_units = len(result.points.index)
    out = np.full(n_units, "", dtype=object)
    table = unit_measures(result)
    measures = measures_read(result.rubric, ind)
    if table is None or not measures:
        return out
    sources = (result.measures.attrs.get("sources") if result.measures is not None else None) or {}
    for m in measures:
        n = table[f"{m.id}_n"].to_numpy(dtype=float)
        words = {
            "m": m.id,
            "v": _text(table[m.id].to_numpy(dtype=float)),
            "agg_zh": _AGGREGATE_ZH[m.aggregate],
            "agg": m.aggregate,
            "n": _text(n),
            "t": m.table,
            "file": sources.get(m.table, ""),
            "k": str(m.min_records),
            "se": _text(table[f"{m.id}_se"].to_numpy(dtype=float)) if m.has_error else "",
        }
        zh = "{m} = {v}（{agg_zh}，{n} 条记录" + ("，标准误 {se}" if m.has_error else "")
        en = "{m} = {v} ({agg} of {n} records" + (", standard error {se}" if m.has_error else "")
        short = n < m.min_records if m.min_records is not None else np.zeros(len(n), dtype=bool)
        tail_zh = "；记录表 {t}：{file}）" if words["file"] else "；记录表 {t}）"
        tail_en = "; record table {t}: {file})" if words["file"] else "; record table {t})"
        text = _say(
            np.where(
                short, _fill(zh + "，少于 min_records {k}，按缺失计" + tail_zh, words), _fill(zh + tail_zh, words)
            ),
            np.where(
                short, _fill(en + ", fewer than min_records {k}: missing" + tail_en, words), _fill(en + tail_en, words)
            ),
        )
        out = _join(out, text)
    return out


def record_steps(result: Scored, ind: Indicator, sel: np.ndarray, step: dict[str, np.ndarray]) -> np.ndarray:
    """For units ``sel`` and the indicator's next ``step`` (its ``op`` and ``target`` on the
    indicator's value), the same step said in records; '' where there is nothing to add.

    Only an indicator whose value is an affine function of one measure (``满意率``,
    ``满意率 * 100``, ``10 - 问题点位数``...) is translated: the target of the value is turned
    into a target of the measure, then into records by the measure's aggregate.
    """
    out = np.full(len(sel), "", dtype=object)
    table = unit_measures(result)
    measures = measures_read(result.rubric, ind)
    if table is None or not measures:
        return out
    rows = table.iloc[sel]
    for m in measures:
        if m.min_records is not None:
            n = rows[f"{m.id}_n"].to_numpy(dtype=float)
            words = {"m": m.id, "n": _text(n), "k": str(m.min_records), "more": _text(m.min_records - n)}
            text = _say(
                _fill("{m} 只有 {n} 条记录，少于 min_records {k}，按缺失计：至少再收集 {more} 条", words),
                _fill(
                    "{m} rests on {n} records, fewer than min_records {k}, so it is missing: "
                    "collect at least {more} more",
                    words,
                ),
            )
            out = _join(out, np.where(n < m.min_records, text, ""))
    if len(measures) != 1 or set(ind.expression.columns) != {measures[0].id}:
        return out
    m = measures[0]
    line = _affine(ind, m.id)
    if line is None:
        return out
    f0, slope = line
    op = step["op"].astype(str)
    target = pd.to_numeric(pd.Series(step["target"], dtype=object), errors="coerce").to_numpy(dtype=float)
    numeric = np.isin(op, [">=", ">", "<=", "<"]) & np.isfinite(target)
    if not numeric.any():
        return out
    # the measure's target: value = f0 + slope * measure; a negative slope turns the comparison round
    m_target = (target - f0) / slope
    flip = {">=": "<=", ">": "<", "<=": ">=", "<": ">"}
    m_op = np.array([flip.get(o, o) for o in op], dtype=object) if slope < 0 else op.astype(object)
    current = rows[m.id].to_numpy(dtype=float)
    n = rows[f"{m.id}_n"].to_numpy(dtype=float)
    ok = numeric & np.isfinite(current)
    up = np.isin(m_op, [">=", ">"])
    strict = np.isin(m_op, [">", "<"])
    words = {"m": m.id, "t": m.table, "of": m.of or "", "n": _text(n), "now": _text(current)}
    if m.aggregate == "share" and m.weight is None:
        # the same n records, k more (or fewer) of them satisfying `of`
        hits = np.round(current * n)
        need = np.where(up, m_target * n - hits, hits - m_target * n)
        k = np.where(strict, np.floor(need + _TOL) + 1, np.ceil(need - _TOL))
        reachable = ok & (k > 0) & np.where(up, hits + k <= n, hits - k >= 0)
        words |= {"k": _text(k), "hits": _text(hits)}
        more = _say(
            _fill("即 {m} 现为 {hits}/{n}（记录表 {t}）：同样 {n} 条记录中还需 {k} 条满足 {of}", words),
            _fill(
                "that is, {m} is now {hits} of {n} (record table {t}): "
                "{k} more of the same {n} records must satisfy {of}",
                words,
            ),
        )
        fewer = _say(
            _fill("即 {m} 现为 {hits}/{n}（记录表 {t}）：同样 {n} 条记录中满足 {of} 的须少 {k} 条", words),
            _fill(
                "that is, {m} is now {hits} of {n} (record table {t}): "
                "{k} fewer of the same {n} records may satisfy {of}",
                words,
            ),
        )
        return _join(out, np.where(reachable, np.where(up, more, fewer), ""))
    if m.aggregate == "count":
        need = np.where(up, m_target - current, current - m_target)
        k = np.where(strict, np.floor(need + _TOL) + 1, np.ceil(need - _TOL))
        words["k"] = _text(k)
        more = _say(
            _fill("即记录表 {t} 中计入 {m} 的记录须再增加 {k} 条（现 {now} 条）", words),
            _fill("that is, {k} more records of record table {t} counted in {m} (now {now})", words),
        )
        fewer = _say(
            _fill("即记录表 {t} 中计入 {m} 的记录须减少 {k} 条（现 {now} 条）", words),
            _fill("that is, {k} fewer records of record table {t} counted in {m} (now {now})", words),
        )
        return _join(out, np.where(ok & (k > 0), np.where(up, more, fewer), ""))
    if m.aggregate == "sum":
        d = np.where(up, m_target - current, current - m_target)
        words["d"] = _text(d)
        more = _say(
            _fill("即 {m}（记录表 {t} 各记录 {of} 之和）须增加 {d}（现 {now}）", words),
            _fill("that is, {m} (the sum of {of} over record table {t}) must rise by {d} (now {now})", words),
        )
        fewer = _say(
            _fill("即 {m}（记录表 {t} 各记录 {of} 之和）须减少 {d}（现 {now}）", words),
            _fill("that is, {m} (the sum of {of} over record table {t}) must fall by {d} (now {now})", words),
        )
        return _join(out, np.where(ok & (d > _TOL), np.where(up, more, fewer), ""))
    # mean, weighted share, min, max, median, distinct: the measure's own target
    signs = {">=": "≥", ">": ">", "<=": "≤", "<": "<"}
    words |= {"op": np.array([signs.get(o, o) for o in m_op], dtype=object), "target": _text(m_target)}
    text = _say(
        _fill("即 {m} 须 {op} {target}（现 {now}，{n} 条记录，记录表 {t}）", words),
        _fill("that is, {m} must be {op} {target} (now {now}, {n} records of record table {t})", words),
    )
    return _join(out, np.where(ok, text, ""))


def _fill(template: str, words: dict) -> np.ndarray:
    """``template`` with each ``{name}`` replaced by ``words[name]`` (text, or text per unit)."""
    parts = re.split(r"\{(\w+)\}", template)
    out = np.asarray(parts[0]).astype(str)
    for k in range(1, len(parts), 2):
        out = np.char.add(np.char.add(out, np.asarray(words[parts[k]]).astype(str)), parts[k + 1])
    return out


def _affine(ind: Indicator, column: str) -> tuple[float, float] | None:
    """(value at 0, slope) when the indicator's value is an affine function of ``column``; else None."""
    probe = np.array([0.0, 1.0, 2.0, 10.0])
    try:
        v = np.asarray(evaluate(ind.expression, {column: probe}, len(probe)), dtype=float)
    except Exception:  # a text comparison or anything else that is not arithmetic on the measure
        return None
    if not np.all(np.isfinite(v)):
        return None
    slope = v[1] - v[0]
    scale = max(1.0, abs(slope))
    if abs(slope) < _TOL or np.any(np.abs(v - (v[0] + slope * probe)) > 1e-9 * scale * 10):
        return None
    return float(v[0]), float(slope)


def _join(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    a, b = np.asarray(a).astype(str), np.asarray(b).astype(str)
    sep = say("；", "; ")
    return np.where(a == "", b, np.where(b == "", a, np.char.add(np.char.add(a, sep), b))).astype(object)
