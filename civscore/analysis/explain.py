"""Why a unit scored what it did: a breakdown read off the result's matrices, never re-scored.

:func:`explain_all` builds one long table for every unit at once (a block of rows per indicator,
vectorised over units); :func:`explain` is one unit's slice of it. Each row carries a
``contribution`` to the total, and for every unit the contributions add up to ``total`` in the
result table: indicator points, then the adjustments of rubric-contract section 5 as rows of
their own (rescaling for excluded indicators, the bonus cap, veto deductions, the floor at 0,
the binding cap).
"""

from __future__ import annotations

from collections.abc import Hashable

import numpy as np
import pandas as pd

from civscore.analysis.common import EPS, resolve_unit, value_column
from civscore.analysis.measures import explain_notes as measure_notes
from civscore.methods import method_of
from civscore.methods.base import earned_of
from civscore.rubric.introspect import indicator_table, veto_effect_text
from civscore.rubric.model import CapEffect, DeductEffect, Indicator, Rubric
from civscore.scoring.scored import Scored
from civscore.scoring.totals import dimension_matrix, veto_effects
from civscore.words import fmt, fmt_all, fmt_points, quantity_label, say

EXPLAIN_COLUMNS = [
    "kind",
    "item",
    "name",
    "dimension_id",
    "dimension",
    "method",
    "value",
    "rule",
    "earned",
    "available",
    "lost",
    "missing",
    "excluded",
    "imputed",
    "contribution",
    "note",
]
_fmt_all = fmt_all


def rule_text(ind: Indicator, values: pd.Series, earned: np.ndarray) -> np.ndarray:
    """The rule that produced each unit's points for a present value, e.g. '≥ 80 → 3 of 4'."""
    return method_of(ind).rule_text(ind, values, earned)


def _missing_rule(ind: Indicator, policy: str, kind: str, earned: np.ndarray) -> np.ndarray:
    if policy == "exclude" and kind == "base":
        text = say(
            "缺失 → 不适用（缺失：不计入，基础分按比例折算）",
            "missing → not applicable (missing: exclude; base rescaled)",
        )
        return np.full(len(earned), text, dtype=object)
    if policy == "mean":
        why = say("缺失：取其他单位的平均得分", "missing: mean of the other units")
    elif policy == "exclude":
        why = say("特色指标；缺失：不计入", "bonus; missing: exclude")
    else:
        why = (
            say(f"缺失：按 {policy}", f"missing: {policy}")
            if policy != "zero"
            else say("缺失：按 0 分", "missing: zero")
        )
    head = say("缺失 → ", "missing → ")
    tail = say(f"（{why}）", f" ({why})")
    return np.char.add(np.char.add(head, earned_of(earned, ind.points)), tail).astype(object)


def explain_all(result: Scored) -> pd.DataFrame:
    """The breakdown of every unit as one long table (units in result-table order).

    Columns: the id column, then ``EXPLAIN_COLUMNS``. Per unit, ``contribution`` sums to the
    unit's ``total``; ``earned`` of its base rows sums per ``dimension_id`` to the dimension
    columns of the result table.
    """
    rubric = result.rubric
    info = indicator_table(rubric)
    ids = result.points.index
    n = len(ids)
    blocks = []
    order = 0
    # each matrix to NumPy once; a column is then a cheap slice
    ind_ids = list(result.points.columns)
    mats = {
        name: (getattr(result, name).to_numpy(), {c: k for k, c in enumerate(ind_ids)})
        for name in ("points", "applicable", "missing", "imputed")
    }
    for j, ind in enumerate(rubric.iter_indicators()):
        row = info.iloc[j]  # the table lists indicators in this order
        blocks.append(_indicator_block(result, ind, row, order, mats))
        order += 1
        if ind.id == _last_base_id(rubric):
            blocks.extend(_weight_blocks(result, order) if rubric.weighted else [_rescale_block(result, order)])
            order += 1
    if not rubric.base_indicators():
        blocks.append(_rescale_block(result, order))
        order += 1
    blocks.append(_bonus_cap_block(result, order))
    order += 1
    blocks.extend(_veto_blocks(result, order))
    # blocks are plain arrays; one DataFrame at the end keeps this fast for one unit or many
    cols = {c: np.concatenate([b[c] for b in blocks]) for c in blocks[0]}
    # units in result-table order, rows of a unit in rubric order
    position = pd.Series(np.arange(n), index=pd.Index(result.table[result.id_column].to_numpy()))
    pos = position.reindex(cols[result.id_column]).to_numpy()
    row_order = np.lexsort((cols.pop("_order"), pos))
    typed: dict[str, type | str] = {
        "earned": float,
        "available": float,
        "lost": float,
        "contribution": float,
        "missing": "boolean",
        "excluded": "boolean",
        "imputed": "boolean",
    }
    # text stays object: converting hundreds of thousands of cells to Arrow strings costs more
    # than building the whole table
    return pd.DataFrame({c: pd.Series(v[row_order], dtype=typed.get(c, object)) for c, v in cols.items()})


def explain(result: Scored, unit_id: Hashable) -> pd.DataFrame:
    """One unit's breakdown: a row per indicator, then the adjustments and vetoes that applied.

    ``contribution`` adds up to the unit's ``total``; see :func:`explain_all` for the columns.
    Raises :class:`UnknownUnitError` (with close matches) for an id not in the result.
    """
    uid = resolve_unit(result, unit_id)
    one = result.restrict([uid])
    table = explain_all(one).drop(columns=[result.id_column]).reset_index(drop=True)
    table.attrs["unit"] = uid
    return table


def _last_base_id(rubric: Rubric) -> str | None:
    base = rubric.base_indicators()
    return base[-1][1].id if base else None


class _Block(dict):
    """A block of rows as arrays (one per column); ``block[mask]`` keeps the rows of ``mask``."""

    def __getitem__(self, key):
        if isinstance(key, np.ndarray):
            return _Block({c: v[key] for c, v in self.items()})
        return super().__getitem__(key)


def _frame(result: Scored, order: float, **cols) -> _Block:
    n = len(result.points.index)
    out = _Block({result.id_column: result.points.index.to_numpy(dtype=object)})
    for c in EXPLAIN_COLUMNS:
        # adjustment and veto rows have no dimension or method: blank text, not None
        val = cols.get(c, "" if c in ("dimension_id", "dimension", "method", "note") else None)
        out[c] = val.astype(object) if isinstance(val, np.ndarray) else np.full(n, val, dtype=object)
    out["_order"] = np.full(n, order, dtype=float)
    return out


def _indicator_block(result: Scored, ind: Indicator, info: pd.Series, order: int, mats: dict) -> _Block:
    j = ind.id

    def col(name: str, dtype: type) -> np.ndarray:
        matrix, where = mats[name]
        return matrix[:, where[j]].astype(dtype)

    earned, applicable = col("points", float), col("applicable", bool)
    missing, imputed = col("missing", bool), col("imputed", bool)
    gated = result.gated[j].to_numpy(dtype=bool)
    not_applicable = result.not_applicable[j].to_numpy(dtype=bool)
    kind = info["kind"]
    policy = info["policy"]
    rule = rule_text(ind, result.values[j], earned)
    rule = np.where(missing, _missing_rule(ind, policy, kind, earned), rule)
    if ind.only_if is not None:  # a closed gate: 0 points whatever the value (section 9)
        gate = quantity_label(ind.only_if)
        rule = np.where(
            gated,
            say(
                f"未满足前提：{gate} → 0/{fmt_points(ind.points)} 分",
                f"gate not met: {gate} → 0 of {fmt_points(ind.points)}",
            ),
            rule,
        )
    if kind == "bonus":
        na_rule = say("不适用（特色指标不得分）", "不适用 (a bonus item: earns 0)")
    else:
        na_rule = say("不适用（不计入该单位的基础分）", "不适用 (left out of this unit's base)")
    rule = np.where(not_applicable, na_rule, rule)
    available = np.where(applicable, ind.points, 0.0)
    note = np.where(imputed, say("补入：已报送单位的平均得分", "imputed: mean of the units that reported it"), "")
    note = np.where(
        ~applicable,
        say("不计入：此项不计入该单位的基础分（合理缺项）", "excluded: left out of this unit's base (合理缺项)"),
        note,
    )
    note = np.where(
        not_applicable,
        say(
            "数据为“不适用”：此项不计入该单位的应得分",
            "the data reads 不适用: left out of this unit's applicable points",
        ),
        note,
    )
    if ind.only_if is not None:
        note = np.where(
            gated,
            say(
                f"前提“{quantity_label(ind.only_if)}”未满足：此项得 0 分，分值仍计入应得分",
                f"the gate “{quantity_label(ind.only_if)}” is not met: 0 points, "
                "still counted in the applicable points",
            ),
            note,
        )
    if ind.expression.uses_previous:
        note = _join_notes(note, _both_years(result, ind))
    if result.measures is not None:  # a value read off records: the measure, its n, error and file
        note = _join_notes(note, measure_notes(result, ind))
    value = value_column(result, ind)
    value = np.where(not_applicable, "不适用", value).astype(object)
    return _frame(
        result,
        order,
        kind=kind,
        item=j,
        name=ind.name,
        dimension_id=info["dimension_id"],
        dimension=info["dimension"],
        method=ind.method,
        value=value,
        rule=rule,
        earned=earned,
        available=available,
        lost=available - earned,
        missing=missing,
        excluded=~applicable,
        imputed=imputed,
        contribution=earned,
        note=note.astype(object),
    )


def _both_years(result: Scored, ind: Indicator) -> np.ndarray:
    """This period's and the previous period's values of the columns ``previous()`` reads."""
    n = len(result.points.index)
    parts = []
    for col in ind.expression.previous_columns:
        before = result.previous[col] if result.previous is not None and col in result.previous else None
        now = result.current[col] if result.current is not None and col in result.current else None
        now_text = fmt_all(now.to_numpy()) if now is not None else np.full(n, "—", dtype=object)
        before_text = fmt_all(before.to_numpy()) if before is not None else np.full(n, "缺失", dtype=object)
        head = say(f"{col}：本期 ", f"{col}: this period ")
        mid = say("，上期 ", ", previous period ")
        parts.append(np.char.add(np.char.add(np.char.add(head, now_text.astype(str)), mid), before_text.astype(str)))
    out = np.full(n, "", dtype=object)
    for p in parts:
        out = _join_notes(out, p)
    return out


def _join_notes(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    a, b = a.astype(str), np.asarray(b).astype(str)
    return np.where(a == "", b, np.where(b == "", a, np.char.add(np.char.add(a, "；"), b))).astype(object)


def _weight_blocks(result: Scored, order: int) -> list[_Block]:
    """A weighted rubric (section 9): one row per top-level dimension, with its weight and its
    rescaled score, whose contribution turns the dimension's points into its share of the base."""
    rubric = result.rubric
    T = rubric.total_points
    base = rubric.base_indicators()
    base_ids = [ind.id for _, ind in base]
    points = np.array([ind.points for _, ind in base], dtype=float)
    M = dimension_matrix(rubric)
    E_d = result.points[base_ids].to_numpy(dtype=float) @ M
    A_d = result.applicable[base_ids].to_numpy(dtype=float) @ (points[:, None] * M)
    W = np.array([d.weight or 0.0 for d in rubric.dimensions])
    present = A_d > 0
    den = (np.where(present, W, 0.0)).sum(axis=1)
    blocks = []
    for d, dim in enumerate(rubric.dimensions):
        score = _table_column(result, dim.id).astype(float)
        counted = np.where(den > 0, T * score / np.where(den > 0, den, 1.0), 0.0)
        w = fmt(W[d])
        rule = np.where(
            present[:, d],
            np.char.add(
                np.char.add(
                    np.char.add(
                        np.char.add(
                            say(f"权重 {w} × 得分 ", f"weight {w} × earned "), fmt_all(E_d[:, d], 2).astype(str)
                        ),
                        " / ",
                    ),
                    fmt_all(A_d[:, d], 2).astype(str),
                ),
                np.char.add(say(" = 维度得分 ", " = dimension score "), fmt_all(score, 2).astype(str)),
            ),
            say(f"权重 {w}：本维度没有适用的指标，不计入", f"weight {w}: nothing in this dimension applies; left out"),
        )
        note = np.where(
            present[:, d] & (np.abs(counted - score) > EPS),
            np.char.add(say("计入总分 ", "counted in the total as "), fmt_all(counted, 2).astype(str)),
            "",
        )
        frame = _frame(
            result,
            order + d / (len(rubric.dimensions) + 1),
            kind="adjustment",
            item=f"weight:{dim.id}",
            name=say(f"{dim.name}（权重 {w}）", f"{dim.name} (weight {w})"),
            dimension_id=dim.id,
            dimension=dim.name,
            rule=rule.astype(object),
            earned=score,
            available=np.where(present[:, d], W[d], 0.0),
            contribution=counted - E_d[:, d],
            note=note.astype(object),
        )
        blocks.append(frame)
    return blocks


def _base_sums(result: Scored) -> tuple[np.ndarray, np.ndarray]:
    """E (earned base points) and A (applicable base points) per unit, as the engine sums them."""
    base_ids = [ind.id for _, ind in result.rubric.base_indicators()]
    weights = np.array([ind.points for _, ind in result.rubric.base_indicators()], dtype=float)
    E = result.points[base_ids].to_numpy(dtype=float).sum(axis=-1)
    A = result.applicable[base_ids].to_numpy(dtype=bool) @ weights
    return E, A


def _table_column(result: Scored, col: str) -> np.ndarray:
    return result.table.set_index(result.id_column)[col].reindex(result.points.index).to_numpy()


def _rescale_block(result: Scored, order: int) -> _Block:
    T = result.rubric.total_points
    E, A = _base_sums(result)
    base = _table_column(result, "base").astype(float)
    adj = base - E
    show = A < T - EPS
    rule = np.array(
        [
            say(
                f"基础分 × {fmt(T)} / {fmt(a)}（合理缺项按比例折算）",
                f"base × {fmt(T)} / {fmt(a)} (合理缺项按比例折算)",
            )
            if a > 0
            else say("没有适用的指标：基础分为 0", "no applicable indicator: base 0")
            for a in A
        ],
        dtype=object,
    )
    frame = _frame(
        result,
        order,
        kind="adjustment",
        item="rescale",
        name="合理缺项按比例折算",
        rule=rule,
        contribution=adj,
        note=np.full(len(A), "", dtype=object),
    )
    return frame[show]


def _bonus_cap_block(result: Scored, order: int) -> _Block:
    bonus_ids = [ind.id for ind in result.rubric.bonus_indicators()]
    raw = result.points[bonus_ids].to_numpy(dtype=float).sum(axis=-1) if bonus_ids else np.zeros(len(result.points))
    bonus = _table_column(result, "bonus").astype(float)
    adj = bonus - raw
    cap = fmt(result.rubric.bonus_cap)
    frame = _frame(
        result,
        order,
        kind="adjustment",
        item="bonus_cap",
        name="特色加分封顶",
        rule=say(f"特色加分封顶 {cap}", f"bonus capped at {cap}"),
        contribution=adj,
        note=np.char.add(
            np.char.add(say("特色指标得分 ", "bonus earned "), _fmt_all(raw, 2).astype(str)),
            say(f"，计入 {cap}", f", counted {cap}"),
        ).astype(object),
    )
    return frame[adj < -EPS]


def _veto_blocks(result: Scored, order: int) -> list[_Block]:
    """Rows for the vetoes that fired, with the points each took off the total."""
    rubric = result.rubric
    if not rubric.vetoes:
        return []
    hits = result.vetoes.to_numpy(dtype=bool)
    n = hits.shape[0]
    t0 = _table_column(result, "base").astype(float) + _table_column(result, "bonus").astype(float)
    deduct, cap, _ = veto_effects(hits, rubric)
    t1 = np.maximum(t0 - deduct, 0.0)
    t2 = np.minimum(t1, cap)
    # the binding cap is credited to the first veto (in rubric order) carrying the lowest cap
    cap_owner = np.full(n, -1)
    for j in reversed(range(len(rubric.vetoes))):
        veto = rubric.vetoes[j]
        if isinstance(veto.effect, CapEffect):
            cap_owner = np.where(hits[:, j] & (veto.effect.cap == cap), j, cap_owner)
    blocks = []
    for j, veto in enumerate(rubric.vetoes):
        hit = hits[:, j]
        if isinstance(veto.effect, DeductEffect):
            contribution = np.full(n, -veto.effect.deduct)
            note = np.full(n, "", dtype=object)
        elif isinstance(veto.effect, CapEffect):
            owner = cap_owner == j
            contribution = np.where(owner, t2 - t1, 0.0)
            binding = owner & (t2 < t1 - EPS)
            note = np.where(
                binding,
                np.char.add(
                    np.char.add(say("总分封顶：", "total capped: "), _fmt_all(t1, 2).astype(str)),
                    f" → {fmt(veto.effect.cap)}",
                ),
                np.where(
                    owner,
                    say("总分已不高于封顶分", "total already at or below the cap"),
                    say("另有更低的封顶分", "a lower cap applies"),
                ),
            ).astype(object)
        else:
            contribution = np.zeros(n)
            tier = rubric.effective_veto_tier or say("（无）", "(none)")
            note = np.full(
                n,
                say(
                    f"一票否决：等级为 {tier}，排在所有未被否决的单位之后",
                    f"disqualified: tier {tier}, ranked after every unit that is not vetoed",
                ),
                dtype=object,
            )
        frame = _frame(
            result,
            order + j,
            kind="veto",
            item=veto.id,
            name=veto.name,
            rule=say(
                f"当 {quantity_label(veto.when)} → {veto_effect_text(veto, rubric)}",
                f"when {quantity_label(veto.when)} → {veto_effect_text(veto, rubric)}",
            ),
            contribution=contribution,
            note=note,
        )
        blocks.append(frame[hit])
    floor = (t0 - deduct) < 0
    frame = _frame(
        result,
        order + len(rubric.vetoes),
        kind="adjustment",
        item="floor",
        name="扣分后总分不低于0",
        rule=say("扣分后总分不低于 0", "total floored at 0 after deductions"),
        contribution=t1 - (t0 - deduct),
        note=np.full(n, "", dtype=object),
    )
    floor_rows = frame[floor]
    # the floor applies before the cap: order the floor row ahead of the cap's rows
    floor_rows["_order"] = np.full(int(floor.sum()), order - 0.5)
    blocks.append(floor_rows)
    return blocks
