"""The rectification list (整改清单): for every unit, what it lost and the concrete next step.

Built on the result's matrices, one indicator at a time and vectorised over units: the next step
is read off the indicator's rule (the next band threshold, the value for full points under
linear, the items to clear under deduction, the items still needed under count, the missing
yes under boolean, the next better label under categorical). Its gain is stated twice: in the
indicator's own points, and as the change of the unit's total when only that indicator's points
change — recomputed with the engine's own :func:`~civscore.engine.aggregate` on the edited points
matrix, so rescaling for excluded indicators, the bonus cap, veto caps and deductions are all
honoured. Where a cap swallows the gain, or the step's columns feed other indicators or vetoes,
the ``note`` says so.
"""

from __future__ import annotations

from collections.abc import Hashable

import numpy as np
import pandas as pd

from civscore.analysis.common import EPS, resolve_unit, value_column
from civscore.analysis.measures import record_steps
from civscore.methods import method_of, points_for
from civscore.methods.base import value_text
from civscore.rubric.introspect import indicator_table, shared_columns
from civscore.rubric.model import CapEffect, DeductEffect, Indicator, Veto
from civscore.scoring.ranks import TIE_DECIMALS
from civscore.scoring.scored import Scored
from civscore.scoring.tiers import assign_tiers
from civscore.scoring.totals import aggregate, dimension_matrix, veto_effects
from civscore.words import fmt, fmt_all, quantity_label, say

KIND_ORDER = {"veto:fail": 0, "veto:cap": 1, "veto:deduct": 2, "base": 3, "bonus": 4}
KIND_LABELS = {
    "veto:fail": "一票否决",
    "veto:cap": "门槛封顶",
    "veto:deduct": "负面清单扣分",
    "base": "基础指标",
    "bonus": "特色指标",
}
GAP_COLUMNS = [
    "rank",
    "total",
    "tier",
    "priority",
    "kind",
    "item",
    "item_name",
    "dimension",
    "quantity",
    "value",
    "earned",
    "available",
    "lost",
    "next_step",
    "target_op",
    "target",
    "gain",
    "total_change",
    "total_after",
    "rank_after",
    "tier_after",
    "note",
]


def next_step(ind: Indicator, values: pd.Series, earned: np.ndarray) -> dict[str, np.ndarray]:
    """The smallest change of the indicator's value that earns more than ``earned``.

    Returns arrays over units: ``op`` ('>=', '<=', '==', '<', '>' or '' when no step earns more),
    ``target`` (number, label, or True), ``after`` (the indicator's points after the step) and
    ``text`` (the step in words, without the gain). A missing value is treated as the worst
    value, so its step is the first one that earns anything more. The indicator's method
    (:mod:`civscore.methods`) words it.
    """
    return method_of(ind).next_step(ind, values, earned)


class _Totals:
    """The pieces of :func:`aggregate` for a result, so a step can be re-aggregated for all units."""

    def __init__(self, result: Scored):
        rubric = result.rubric
        base = [ind.id for _, ind in rubric.base_indicators()]
        bonus = [ind.id for ind in rubric.bonus_indicators()]
        self.rubric = rubric
        self.k = len(base)
        self.columns = base + bonus
        self.earned = result.points[self.columns].to_numpy(dtype=float)
        self.applicable = result.applicable[base].to_numpy(dtype=bool)
        self.weights = np.array([ind.points for _, ind in rubric.base_indicators()], dtype=float)
        self.vetoes = result.vetoes[[v.id for v in rubric.vetoes]].to_numpy(dtype=bool)
        now = self.run(self.earned, self.vetoes)
        self.total = now["total"]
        self.bonus = now["bonus"]
        self.disqualified = now["disqualified"]
        self.coverage = now["coverage"]
        key = np.round(self.total, TIE_DECIMALS)
        self.qualified_keys = np.sort(key[~self.disqualified])
        self.disqualified_keys = np.sort(key[self.disqualified])

    def run(self, earned: np.ndarray, vetoes: np.ndarray) -> dict[str, np.ndarray]:
        return aggregate(earned[:, : self.k], self.applicable, self.weights, earned[:, self.k :], self.rubric, vetoes)

    def rank_if(self, total: np.ndarray, disqualified: np.ndarray, idx: np.ndarray) -> np.ndarray:
        """The rank of each unit ``idx`` if it alone had ``total`` (others unchanged; totals never go down)."""
        key = np.round(total, TIE_DECIMALS)
        above_q = len(self.qualified_keys) - np.searchsorted(self.qualified_keys, key, side="right")
        above_d = len(self.disqualified_keys) - np.searchsorted(self.disqualified_keys, key, side="right")
        # a unit that stays disqualified ranks after every qualified one, itself excluded
        n_q = len(self.qualified_keys) - (~self.disqualified[idx] & disqualified)
        return np.where(disqualified, n_q + 1 + above_d, 1 + above_q).astype(np.int64)


def gaps(result: Scored, unit_id: Hashable | None = None) -> pd.DataFrame:
    """The rectification list: per unit, vetoes first, then lost points, largest loss first.

    One row per (unit, item) where the unit lost points (bonus indicators only where they would
    still raise the total, i.e. below the bonus cap). Units appear in result-table order. See
    ``GAP_COLUMNS``; ``gain`` is in the indicator's points, ``total_change`` is the change of the
    unit's total if that step alone were taken (after rescaling, the bonus cap and veto caps), and
    ``target_op``/``target`` give the step in machine form (the value the indicator's expression
    must reach). With ``unit_id``, only that unit (unknown ids raise with close matches).
    """
    rubric = result.rubric
    totals = _Totals(result)
    info = indicator_table(rubric)
    shared = shared_columns(rubric)
    blocks = [_veto_rows(result, totals, j, veto) for j, veto in enumerate(rubric.vetoes)]
    for j, ind in enumerate(rubric.iter_indicators()):
        blocks.append(_indicator_rows(result, totals, j, ind, info.iloc[j], shared[ind.id]))
    # blocks are plain arrays; one DataFrame at the end (building one per block is slow)
    columns = ["_unit", *GAP_COLUMNS[4:], "_order"]
    cols = {c: np.concatenate([b[c] for b in blocks]) if blocks else np.zeros(0, dtype=object) for c in columns}
    out = _attach_units(result, cols)
    if unit_id is not None:
        uid = resolve_unit(result, unit_id)
        out = out[out[result.id_column] == uid].reset_index(drop=True)
    return out


def _indicator_rows(result: Scored, totals: _Totals, j: int, ind: Indicator, info: pd.Series, shared: str) -> dict:
    c_all = totals.earned[:, j]
    applicable = result.applicable[ind.id].to_numpy(dtype=bool)
    lost_all = np.where(applicable, ind.points, 0.0) - c_all
    # only units that lost points on this indicator get a step (text is built for them only)
    sel = np.flatnonzero(applicable & (lost_all > EPS))
    c = c_all[sel]
    step = next_step(ind, result.values[ind.id].iloc[sel], c)
    if ind.only_if is not None:
        _gate_steps(result, ind, sel, step)
    has = step["op"] != ""
    after = np.where(has, step["after"], c)
    earned = totals.earned.copy()
    earned[sel, j] = after
    new = {k: v[sel] for k, v in totals.run(earned, totals.vetoes).items() if k in ("total", "bonus", "disqualified")}
    change = new["total"] - totals.total[sel]
    kind = info["kind"]
    if kind == "bonus":  # a bonus item is only worth listing while it still raises the total
        keep = change > EPS
        sel, c, has, after, change = sel[keep], c[keep], has[keep], after[keep], change[keep]
        step = {k: v[keep] for k, v in step.items()}
        new = {k: v[keep] for k, v in new.items()}
    gain = np.where(has, after - c, 0.0)
    text = np.where(
        has,
        np.char.add(np.char.add(step["text"].astype(str), "：+"), fmt_all(gain, 2).astype(str)),
        step["text"].astype(str),
    )
    if result.measures is not None:  # the step said in records: more 满意 answers, fewer 问题点位...
        text = _join([text, record_steps(result, ind, sel, step)], len(sel))
    note = _notes(result, totals, ind, kind, sel, c, gain, change, new, shared)
    rows = dict(
        kind=kind,
        item=ind.id,
        item_name=ind.name,
        dimension=info["dimension"],
        quantity=info["quantity"],
        value=value_column(result, ind)[sel],
        earned=c,
        available=np.full(len(sel), ind.points),
        lost=lost_all[sel],
        next_step=text.astype(object),
        target_op=step["op"],
        target=step["target"],
        gain=gain,
        total_change=change,
        total_after=new["total"],
        rank_after=totals.rank_if(new["total"], new["disqualified"], sel),
        tier_after=assign_tiers(new["total"], new["disqualified"], result.rubric),
        note=note,
        _order=KIND_ORDER[kind] * 10_000 + j,
    )
    return _block(result, rows, sel)


def _gate_steps(result: Scored, ind: Indicator, sel: np.ndarray, step: dict[str, np.ndarray]) -> None:
    """Where the gate is closed the next step is to meet it (section 9), never to raise the gated
    value: the gain is what the value already earns under the rule once the gate holds."""
    closed = result.gated[ind.id].to_numpy(dtype=bool)[sel]
    if not closed.any():
        return
    values = result.values[ind.id].iloc[sel]
    v = values.to_numpy(dtype=object) if method_of(ind).reads == "text" else values.to_numpy(dtype=float)
    open_points = np.nan_to_num(points_for(ind, v), nan=0.0)
    gate = quantity_label(str(ind.only_if))
    step["op"] = np.where(closed, "only_if", step["op"]).astype(object)
    step["target"] = np.where(closed, gate, step["target"]).astype(object)
    step["after"] = np.where(closed, open_points, step["after"])
    text = say(
        f"先满足前提：{gate}（未满足时此项不得分）", f"first meet the gate: {gate} (until then this item earns 0)"
    )
    step["text"] = np.where(closed, text, step["text"]).astype(object)


def _notes(
    result: Scored,
    totals: _Totals,
    ind: Indicator,
    kind: str,
    sel: np.ndarray,
    c: np.ndarray,
    gain: np.ndarray,
    change: np.ndarray,
    new: dict,
    shared: str,
) -> np.ndarray:
    """Plain words on why the total moves less than the indicator (or more), for units ``sel``."""
    rubric = result.rubric
    n = len(sel)
    parts: list[np.ndarray] = []
    missing = result.missing[ind.id].to_numpy(dtype=bool)[sel]
    imputed = result.imputed[ind.id].to_numpy(dtype=bool)[sel]
    pts = fmt_all(c, 2).astype(str)
    parts.append(
        np.where(
            imputed,
            np.char.add(np.char.add("数据缺失，按其他单位平均 ", pts), " 分计"),
            np.where(missing, "数据缺失，按 0 分计：请补报", ""),
        )
    )
    coverage = totals.coverage[sel]
    if kind == "base" and rubric.weighted:
        # a point of this indicator counts W_d / A_d * T / (sum of the weights that apply)
        scale = _weighted_scale(result, ind)[sel]
        expected = gain * scale
        head = say("维度加权：此项每 1 分计入总分 ", "dimension weight: each point here counts ")
        parts.append(
            np.where((np.abs(scale - 1) > EPS) & (gain > EPS), np.char.add(head, fmt_all(scale, 3).astype(str)), "")
        )
    elif kind == "base":
        scale = 1.0 / np.where(coverage > 0, coverage, 1.0)
        expected = gain * scale
        rescaled = (coverage < 1 - EPS) & (gain > EPS)
        text = np.char.add(np.char.add("有合理缺项，基础分按 ×", fmt_all(scale, 3).astype(str)), " 折算")
        parts.append(np.where(rescaled, text, ""))
    else:
        expected = gain
        capped = new["bonus"] < totals.bonus[sel] + gain - EPS
        parts.append(np.where(capped, f"特色加分上限 {fmt(rubric.bonus_cap)}，只计入一部分", ""))
    cap_hit = _cap_of(result)[sel]
    swallowed = (change < expected - 1e-6) & np.isfinite(cap_hit) & (new["total"] >= cap_hit - EPS)
    text = np.char.add(np.char.add("总分封顶 ", fmt_all(cap_hit).astype(str)), "（门槛否决项），提分被封顶抵消")
    parts.append(np.where(swallowed, text, ""))
    parts.append(
        np.where(
            new["disqualified"] & (gain > EPS),
            f"已被一票否决：得分提高，等级仍为{rubric.effective_veto_tier or '否决'}",
            "",
        )
    )
    method_note = method_of(ind).step_note(ind, result.values[ind.id].iloc[sel])
    if method_note is not None:
        parts.append(method_note)
    if shared:
        parts.append(np.full(n, f"注意：{shared}", dtype=object))
    return _join(parts, n)


def _weighted_scale(result: Scored, ind: Indicator) -> np.ndarray:
    """Per unit, how much one point of base indicator ``ind`` adds to a weighted rubric's base."""
    rubric = result.rubric
    base = rubric.base_indicators()
    ids = [i.id for _, i in base]
    points = np.array([i.points for _, i in base], dtype=float)
    M = dimension_matrix(rubric)
    A_d = result.applicable[ids].to_numpy(dtype=float) @ (points[:, None] * M)
    W = np.array([d.weight or 0.0 for d in rubric.dimensions])
    den = np.where(A_d > 0, W, 0.0).sum(axis=1)
    d = int(np.argmax(M[ids.index(ind.id)]))
    with np.errstate(invalid="ignore", divide="ignore"):
        scale = rubric.total_points * W[d] / (A_d[:, d] * den)
    return np.where((A_d[:, d] > 0) & (den > 0), scale, 0.0)


def _cap_of(result: Scored) -> np.ndarray:
    return veto_effects(result.vetoes.to_numpy(dtype=bool), result.rubric)[1]


def _join(parts: list[np.ndarray], n: int) -> np.ndarray:
    out = np.full(n, "", dtype=object)
    for p in parts:
        p = p.astype(str)
        out = np.where(p == "", out, np.where(out == "", p, np.char.add(np.char.add(out.astype(str), "；"), p)))
    return out.astype(object)


def veto_condition_text(veto: Veto, result: Scored) -> np.ndarray:
    """What must hold for the veto to lift, per unit, e.g. '须 ≥ 85（当前 83.5）'.

    For a plain comparison of a column with a number the condition is turned round; the current
    value is shown when some indicator reads that column bare. Otherwise: the condition must no
    longer hold.
    """
    n = len(result.points)
    root = veto.expression.root
    flip = {">": "≤", ">=": "<", "<": "≥", "<=": ">", "==": "≠", "!=": "="}
    mirror = {">": "<", ">=": "<=", "<": ">", "<=": ">=", "==": "==", "!=": "!="}
    if root.op in flip and len(root.args) == 2:
        a, b = root.args
        col, num, op = (a, b, root.op) if a.op == "col" and b.op == "num" else (b, a, mirror[root.op])
        if col.op == "col" and num.op == "num":
            text = f"{col.name} 须 {flip[op]} {fmt(num.const)}"
            bare = [ind for ind in result.rubric.iter_indicators() if ind.expression.bare_column == col.name]
            if bare and method_of(bare[0]).reads == "number":
                now = value_text(result.values[bare[0].id]).astype(str)
                return np.char.add(np.char.add(f"{text}（当前 ", now), "）").astype(object)
            return np.full(n, text, dtype=object)
    return np.full(n, f"条件“{quantity_label(veto.when)}”不再成立", dtype=object)


def _veto_rows(result: Scored, totals: _Totals, j: int, veto: Veto) -> dict[str, np.ndarray]:
    rubric = result.rubric
    sel = np.flatnonzero(totals.vetoes[:, j])
    cleared = totals.vetoes.copy()
    cleared[:, j] = False
    new = {k: v[sel] for k, v in totals.run(totals.earned, cleared).items() if k in ("total", "disqualified")}
    change = new["total"] - totals.total[sel]
    kind = f"veto:{veto.kind}"
    when = quantity_label(veto.when)
    if isinstance(veto.effect, CapEffect):
        head = f"门槛未达：{veto.name}（{when}），总分最高计 {fmt(veto.effect.cap)}"
    elif isinstance(veto.effect, DeductEffect):
        head = f"负面清单：{veto.name}（{when}），总分扣 {fmt(veto.effect.deduct)}"
    else:
        head = f"一票否决：{veto.name}（{when}），等级为{rubric.effective_veto_tier or '否决'}、排在所有未否决单位之后"
    cond = veto_condition_text(veto, result)[sel].astype(str)
    text = np.char.add(f"{head}。解除：", cond)
    n = len(sel)
    parts = [np.where(new["disqualified"], "另有一票否决项，解除此项后仍被否决", "")]
    if veto.kind == "fail":
        parts.append(np.where(new["disqualified"], "", "否决项通常按年度认定：本年度无法整改，须防止再次发生"))
    readers = [i.id for i in rubric.iter_indicators() if set(i.expression.columns) & set(veto.expression.columns)]
    if readers:  # lifting the veto by changing these columns also moves those indicators
        parts.append(np.full(n, f"注意：条件所用的列也用于指标 {'、'.join(readers)}", dtype=object))
    note = _join(parts, n)
    rows = dict(
        kind=kind,
        item=veto.id,
        item_name=veto.name,
        dimension="否决与门槛",
        quantity=when,
        value=None,
        earned=np.nan,
        available=np.nan,
        lost=np.nan,
        next_step=text.astype(object),
        target_op="not",
        target=when,
        gain=np.nan,
        total_change=change,
        total_after=new["total"],
        rank_after=totals.rank_if(new["total"], new["disqualified"], sel),
        tier_after=assign_tiers(new["total"], new["disqualified"], rubric),
        note=note.astype(object),
        _order=KIND_ORDER[kind] * 10_000 + j,
    )
    return _block(result, rows, sel)


def _block(result: Scored, rows: dict, sel: np.ndarray) -> dict[str, np.ndarray]:
    """Rows for units ``sel`` as one object array per column (scalars repeated)."""
    n = len(sel)
    cols = {"_unit": result.points.index.to_numpy(dtype=object)[sel]}
    for key, val in rows.items():
        cols[key] = val.astype(object) if isinstance(val, np.ndarray) else np.full(n, val, dtype=object)
    return cols


def _attach_units(result: Scored, cols: dict[str, np.ndarray]) -> pd.DataFrame:
    """Add the unit columns, sort units in result-table order and number each unit's items."""
    unit = result.rubric.unit
    table = result.table
    head = [unit.id_column] + ([unit.name_column] if unit.name_column else []) + list(unit.group_columns)
    ranks = ["rank"] + [f"rank_in_{g}" for g in unit.group_columns]
    # position of each row's unit in the result table; then one lexsort does all the ordering
    position = pd.Series(np.arange(len(table)), index=pd.Index(table[unit.id_column].to_numpy(dtype=object)))
    pos = position.reindex(cols["_unit"]).to_numpy()
    lost = np.asarray(cols["lost"], dtype=float)
    order = np.lexsort(
        (
            cols["_order"].astype(float),
            np.where(np.isnan(lost), -np.inf, -lost),
            cols["_order"].astype(float) // 10_000,
            pos,
        )
    )
    pos = pos[order]
    starts = np.r_[True, pos[1:] != pos[:-1]] if len(pos) else np.zeros(0, bool)
    run_start = np.maximum.accumulate(np.where(starts, np.arange(len(pos)), 0)) if len(pos) else pos
    out = {c: table[c].to_numpy(dtype=object)[pos] for c in head + ["tier"]}
    for c in ranks:
        out[c] = table[c].to_numpy(dtype=np.int64)[pos]
    out["total"] = table["total"].to_numpy(dtype=float)[pos]
    out["priority"] = np.arange(len(pos)) - run_start + 1
    numeric = ("earned", "available", "lost", "gain", "total_change", "total_after")
    for c in GAP_COLUMNS[4:]:
        out[c] = cols[c][order].astype(float) if c in numeric else cols[c][order]
    out["rank_after"] = out["rank_after"].astype(np.int64)
    first = head + ranks + ["total", "tier", "priority"]
    # text stays object: converting many cells to Arrow strings costs more than building the list
    return pd.DataFrame(
        {
            c: pd.Series(
                out[c], dtype=None if c in numeric or c in ranks or c in ("total", "priority", "rank_after") else object
            )
            for c in first + GAP_COLUMNS[4:]
        }
    )
