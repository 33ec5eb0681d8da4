"""Compare two results: a new rubric version on the same data, or the same rubric a year later.

Everything is read off the two results' matrices. For an indicator present in both rubrics with
the same value expression, a unit's change of points splits exactly into

- the rule changed: points under the new rule of the *old* values, minus the old points;
- the data changed: the new points, minus points under the new rule of the old values.

"Points under the new rule of the old values" is the new indicator's method applied to the old
side's values matrix (with the new missing-value policy over the old side's units): one
vectorised call per indicator, no re-scoring. With the same rubric the rule part is exactly 0;
with the same data the data part is. Indicators added or removed count as rule changes. An
indicator whose value expression changed cannot be split without the raw data: its change is
reported whole, with ``split`` False.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from civscore.analysis.common import EPS, resolve_unit
from civscore.errors import CivscoreError
from civscore.methods import all_keys, method_of, points_for
from civscore.rubric.introspect import dimension_names, indicator_table
from civscore.rubric.model import Indicator, Rubric
from civscore.scoring.missing import apply_missing
from civscore.scoring.scored import Scored
from civscore.words import fmt, fmt_all, say


class CompareError(CivscoreError):
    """Two results that cannot be compared (different id columns, no unit in common)."""


@dataclass
class Comparison:
    """The outcome of :func:`compare`.

    - ``kind``: 'rubric' (same data, rubric changed), 'data' (same rubric, data changed) or
      'both'
    - ``units``: one row per unit of either side (``status`` says which), with ranks, totals,
      tiers, the change, its split into rule and data, the top ``drivers`` (largest changes) and
      ``rank_drivers`` (changes furthest from the mean change of all units: what moved the rank)
    - ``contributions``: long table, one row per (common unit, indicator) whose points changed or
      whose change differs from the mean change (``vs_mean``)
    - ``dimensions``: the district mean per top-level dimension on each side
    - ``only_a`` / ``only_b``: ids present on one side only
    """

    a: Scored
    b: Scored
    labels: tuple[str, str]
    kind: str
    units: pd.DataFrame
    contributions: pd.DataFrame
    dimensions: pd.DataFrame
    only_a: list = field(default_factory=list)
    only_b: list = field(default_factory=list)

    @property
    def id_column(self) -> str:
        return self.a.id_column

    def risers(self, n: int = 5) -> pd.DataFrame:
        """The ``n`` units that climbed most (rank, then total change), present on both sides."""
        both = self.units[self.units["status"] == "both"]
        return both.sort_values(["rank_change", "total_change"], ascending=False, kind="stable").head(n)

    def fallers(self, n: int = 5) -> pd.DataFrame:
        """The ``n`` units that dropped most (rank, then total change), present on both sides."""
        both = self.units[self.units["status"] == "both"]
        return both.sort_values(["rank_change", "total_change"], ascending=True, kind="stable").head(n)

    def drivers(self, unit_id: Hashable) -> pd.DataFrame:
        """One unit's indicator changes, largest first (raises with close matches if unknown)."""
        uid = resolve_unit(self.b if unit_id in self.b.points.index else self.a, unit_id)
        part = self.contributions[self.contributions[self.id_column] == uid]
        return part.drop(columns=[self.id_column]).reset_index(drop=True)

    def _repr_html_(self) -> str:
        return self.units._repr_html_()  # type: ignore[operator]  # pandas-stubs lack DataFrame._repr_html_


def rubric_changes(old: Rubric, new: Rubric) -> pd.DataFrame:
    """What changed between two rubric versions, one row per indicator or veto that changed.

    ``change`` is one of: added, removed, points, rule (method or its parameters), value
    (expression), missing (policy), moved (to another dimension), renamed (a dimension), weight
    (a top-level dimension's weight), gate (an indicator's ``only_if``), range (its ``range``),
    plus rows for the bonus cap, vetoes and tiers.
    """
    a, b = indicator_table(old), indicator_table(new)
    ia = {i.id: i for i in old.iter_indicators()}
    ib = {i.id: i for i in new.iter_indicators()}
    rows = []
    for iid in list(a.index) + [i for i in b.index if i not in a.index]:
        name = (b if iid in b.index else a).loc[iid, "name"]
        if iid not in b.index:
            rows.append(dict(item=iid, name=name, change="removed", before=_rule_summary(ia[iid]), after=""))
            continue
        if iid not in a.index:
            rows.append(dict(item=iid, name=name, change="added", before="", after=_rule_summary(ib[iid])))
            continue
        x, y = ia[iid], ib[iid]
        if x.points != y.points:
            rows.append(dict(item=iid, name=name, change="points", before=fmt(x.points), after=fmt(y.points)))
        if _rule(x, drop_points=True) != _rule(y, drop_points=True):
            rows.append(dict(item=iid, name=name, change="rule", before=_rule_summary(x), after=_rule_summary(y)))
        if x.value.strip() != y.value.strip():
            rows.append(dict(item=iid, name=name, change="value", before=x.value, after=y.value))
        if a.loc[iid, "policy"] != b.loc[iid, "policy"]:
            rows.append(
                dict(item=iid, name=name, change="missing", before=a.loc[iid, "policy"], after=b.loc[iid, "policy"])
            )
        if a.loc[iid, "path"] != b.loc[iid, "path"]:
            rows.append(
                dict(item=iid, name=name, change="moved", before=a.loc[iid, "dimension"], after=b.loc[iid, "dimension"])
            )
    names_a, names_b = dimension_names(old), dimension_names(new)
    for path in [p for p in names_b if p in names_a and names_a[p] != names_b[p]]:
        rows.append(
            dict(item="/".join(path), name=names_b[path], change="renamed", before=names_a[path], after=names_b[path])
        )
    if old.bonus_cap != new.bonus_cap:
        rows.append(
            dict(
                item="bonus.cap",
                name="特色加分上限",
                change="points",
                before=fmt(old.bonus_cap),
                after=fmt(new.bonus_cap),
            )
        )
    va = {v.id: v for v in old.vetoes}
    vb = {v.id: v for v in new.vetoes}
    for vid in list(va) + [v for v in vb if v not in va]:
        vx, vy = va.get(vid), vb.get(vid)
        if vx is None or vy is None:
            veto = vx or vy
            assert veto is not None  # vid comes from one side or the other
            rows.append(
                dict(
                    item=vid,
                    name=veto.name,
                    change="removed" if vy is None else "added",
                    before=veto.when if vy is None else "",
                    after=veto.when if vx is None else "",
                )
            )
        elif vx.model_dump(exclude={"description", "name"}) != vy.model_dump(exclude={"description", "name"}):
            rows.append(
                dict(
                    item=vid,
                    name=vy.name,
                    change="rule",
                    before=f"{vx.when} → {vx.effect}",
                    after=f"{vy.when} → {vy.effect}",
                )
            )
    rows.extend(_language_changes(old, new))
    tiers_a = "; ".join(f"{t.name} ≥ {fmt(t.min)}" for t in old.tiers)
    tiers_b = "; ".join(f"{t.name} ≥ {fmt(t.min)}" for t in new.tiers)
    if tiers_a != tiers_b:
        rows.append(dict(item="tiers", name="等级划分", change="rule", before=tiers_a, after=tiers_b))
    return pd.DataFrame(rows, columns=["item", "name", "change", "before", "after"])


def _language_changes(old: Rubric, new: Rubric) -> list[dict]:
    """Rule changes of contract section 9: dimension weights, gates (only_if) and ranges."""
    rows = []
    wa, wb = old.dimension_weights(), new.dimension_weights()
    names = {d.id: d.name for d in [*old.dimensions, *new.dimensions]}
    for dim_id in list(wa) + [d for d in wb if d not in wa]:
        before, after = wa.get(dim_id), wb.get(dim_id)
        if before != after:
            rows.append(
                dict(
                    item=dim_id,
                    name=names[dim_id],
                    change="weight",
                    before="" if before is None else fmt(before),
                    after="" if after is None else fmt(after),
                )
            )
    ia = {i.id: i for i in old.iter_indicators()}
    for ind in new.iter_indicators():
        was = ia.get(ind.id)
        if was is None:
            continue
        if (was.only_if or "").strip() != (ind.only_if or "").strip():
            rows.append(
                dict(item=ind.id, name=ind.name, change="gate", before=was.only_if or "", after=ind.only_if or "")
            )
        if was.range != ind.range:

            def span(r: list[float] | None) -> str:
                return "" if r is None else f"[{fmt(r[0])}, {fmt(r[1])}]"

            rows.append(dict(item=ind.id, name=ind.name, change="range", before=span(was.range), after=span(ind.range)))
    return rows


def _rule(ind: Indicator, drop_points: bool = False) -> dict:
    """The keys that make an indicator's rule: its method, points and every method's keys."""
    keys = {"method", *all_keys()} | (set() if drop_points else {"points"})
    return ind.model_dump(include=keys)


def _rule_summary(ind: Indicator) -> str:
    return f"{ind.method} {fmt(ind.points)} 分: {method_of(ind).summary(ind)}"


def compare(a: Scored, b: Scored, labels: Sequence[str] | None = None, top: int = 3) -> Comparison:
    """Compare result ``a`` (before) with ``b`` (after).

    Raises :class:`CompareError` when the id columns differ or no unit is on both sides. Units
    on one side only are kept in ``units`` (``status`` 'only_a' / 'only_b'), never dropped.
    ``labels`` name the two sides (default: the rubric versions when the rubric changed, else
    'a' and 'b'); ``top`` is the number of drivers listed per unit.
    """
    ida, idb = a.id_column, b.id_column
    if ida != idb:
        raise CompareError(
            say(
                f"无法比较：两边的编号列不同（{_side(a)} 中为 {ida!r}，{_side(b)} 中为 {idb!r}）",
                f"cannot compare: the id columns differ ({ida!r} in {_side(a)} vs {idb!r} in {_side(b)})",
            )
        )
    common = a.points.index.intersection(b.points.index, sort=False)
    if len(common) == 0:
        raise CompareError(
            say(
                f"无法比较：没有哪个 {ida} 同时出现在两边的结果中（{_side(a)} 有 {len(a.points)} 个单位，"
                f"如 {_examples(a)}；{_side(b)} 有 {len(b.points)} 个，如 {_examples(b)}）",
                f"cannot compare: no {ida} is in both results ({len(a.points)} units in {_side(a)}, "
                f"e.g. {_examples(a)}; {len(b.points)} in {_side(b)}, e.g. {_examples(b)})",
            )
        )
    rubric_same = _rubric_key(a.rubric) == _rubric_key(b.rubric)
    contrib = _contributions(a, b, common)
    # what moves a rank is a change that differs from everyone else's on the same indicator
    contrib["vs_mean"] = contrib["change"] - contrib.groupby("indicator", sort=False)["change"].transform("mean")
    data_same = bool((contrib["data_change"].abs().fillna(0) <= EPS).all()) and _same_values(a, b, common)
    kind = "data" if rubric_same else ("rubric" if data_same else "both")
    if labels is None:
        labels = (
            (a.rubric.version, b.rubric.version)
            if not rubric_same and a.rubric.version != b.rubric.version
            else ("a", "b")
        )
    labels = (str(labels[0]), str(labels[1]))
    units = _unit_table(a, b, contrib, top, kind)
    only_a = [u for u in a.points.index if u not in b.points.index]
    only_b = [u for u in b.points.index if u not in a.points.index]
    changed = contrib[
        (contrib["change"].abs() > EPS) | (contrib["rule_change"].abs() > EPS) | (contrib["vs_mean"].abs() > EPS)
    ]
    changed = (
        changed.assign(_abs=changed["change"].abs())
        .sort_values([ida, "_abs"], ascending=[True, False], kind="stable")
        .drop(columns="_abs")
        .reset_index(drop=True)
    )
    return Comparison(
        a=a,
        b=b,
        labels=labels,
        kind=kind,
        units=units,
        contributions=changed,
        dimensions=dimension_trend(a, b),
        only_a=only_a,
        only_b=only_b,
    )


def _side(r: Scored) -> str:
    return r.report.source or f"{r.rubric.id} {r.rubric.version}"


def _examples(r: Scored) -> str:
    return ", ".join(str(i) for i in r.points.index[:3])


def _rubric_key(rubric: Rubric) -> dict:
    """The parts of a rubric that change scores (names and descriptions do not)."""
    return rubric.model_dump(exclude={"id", "name", "version", "description"})


def _same_values(a: Scored, b: Scored, common: pd.Index) -> bool:
    shared = [c for c in a.values.columns if c in b.values.columns]
    if not shared:
        return False
    x = a.values.loc[common, shared].astype(object)
    y = b.values.loc[common, shared].astype(object)
    return bool(((x == y) | (x.isna() & y.isna())).all().all())


def _cross_points(a: Scored, ind_b: Indicator, policy: str, is_base: bool) -> np.ndarray:
    """Points the new rule gives the old side's values, with the new missing policy (all of a's
    units); the old side's 不适用 cells and closed gates stay as they were (the gate itself is
    the same on both sides, else the change is not split)."""
    values = a.values[ind_b.id]
    v = values.to_numpy(dtype=object) if method_of(ind_b).reads == "text" else values.to_numpy(dtype=float)
    raw = points_for(ind_b, v)[:, None]
    na = a.not_applicable[ind_b.id].to_numpy(dtype=bool)[:, None]
    raw[na] = np.nan
    raw[a.gated[ind_b.id].to_numpy(dtype=bool)[:, None]] = 0.0
    earned, _, _ = apply_missing(raw, [policy], n_base=1 if is_base else 0, not_applicable=na)
    return earned[:, 0]


def _measure_rules(rubric: Rubric) -> dict[str, dict]:
    """Per measure id, what makes its values: the aggregate, ``of``, ``where``, ``weight``,
    ``min_records`` and the unit column of its record table (not its names)."""
    return {
        m.id: {
            **m.model_dump(exclude={"id", "name", "description", "from_"}),
            "unit_column": rubric.records[m.table].unit_column,
        }
        for m in rubric.measures
    }


def _same_measures_read(ind: Indicator, before: dict[str, dict], after: dict[str, dict]) -> bool:
    """Whether every measure the indicator's value or gate reads is made the same way on both
    sides: the same expression over a measure whose ``of`` changed is a change of the rule, and
    its points cannot be split into the rule's and the data's share."""
    read = set(ind.expression.columns) | (set(ind.gate.columns) if ind.gate is not None else set())
    return all(before.get(c) == after.get(c) for c in read if c in before or c in after)


def _contributions(a: Scored, b: Scored, common: pd.Index) -> pd.DataFrame:
    """Per (common unit, indicator of either rubric): points before/after and the split."""
    ia, ib = indicator_table(a.rubric), indicator_table(b.rubric)
    inds_a = {i.id: i for i in a.rubric.iter_indicators()}
    inds_b = {i.id: i for i in b.rubric.iter_indicators()}
    order = list(ib.index) + [i for i in ia.index if i not in ib.index]
    measures_a, measures_b = _measure_rules(a.rubric), _measure_rules(b.rubric)
    rows = []
    for iid in order:
        in_a, in_b = iid in inds_a, iid in inds_b
        pa = a.points.loc[common, iid].to_numpy(dtype=float) if in_a else np.zeros(len(common))
        pb = b.points.loc[common, iid].to_numpy(dtype=float) if in_b else np.zeros(len(common))
        change = pb - pa
        split = True
        same_gate = in_a and in_b and (inds_a[iid].only_if or "").strip() == (inds_b[iid].only_if or "").strip()
        same_value = in_a and in_b and inds_a[iid].value.strip() == inds_b[iid].value.strip()
        if same_value and same_gate and _same_measures_read(inds_a[iid], measures_a, measures_b):
            cross = (
                pd.Series(
                    _cross_points(a, inds_b[iid], b.rubric.missing_policy(inds_b[iid]), ib.loc[iid, "kind"] == "base"),
                    index=a.points.index,
                )
                .loc[common]
                .to_numpy()
            )
            rule, data = cross - pa, pb - cross
        elif in_a and in_b:
            # the value expression, the gate or a measure they read changed: not separable
            # without the raw data
            rule, data, split = np.full(len(common), np.nan), np.full(len(common), np.nan), False
        else:  # added or removed indicator: a change of the rule
            rule, data = change, np.zeros(len(common))
        info = ib.loc[iid] if in_b else ia.loc[iid]
        rows.append(
            pd.DataFrame(
                {
                    a.id_column: common.to_numpy(),
                    "indicator": iid,
                    "name": info["name"],
                    "kind": info["kind"],
                    "dimension_id": info["dimension_id"],
                    "in_a": in_a,
                    "in_b": in_b,
                    "points_a": pa,
                    "points_b": pb,
                    "change": change,
                    "rule_change": rule,
                    "data_change": data,
                    "split": split,
                }
            )
        )
    return pd.concat(rows, ignore_index=True)


def _unit_table(a: Scored, b: Scored, contrib: pd.DataFrame, top: int, kind: str) -> pd.DataFrame:
    unit = b.rubric.unit
    idc = unit.id_column
    keep = [c for c in [idc, unit.name_column, *unit.group_columns] if c]
    ta = a.table.set_index(idc)
    tb = b.table.set_index(idc)
    ids = list(tb.index) + [i for i in ta.index if i not in tb.index]
    out = pd.DataFrame(index=pd.Index(ids, name=idc))
    for c in keep[1:]:
        left = tb[c] if c in tb.columns else pd.Series(index=tb.index, dtype=object)
        right = ta[c] if c in ta.columns else pd.Series(index=ta.index, dtype=object)
        out[c] = left.reindex(out.index).astype(object).where(left.reindex(out.index).notna(), right.reindex(out.index))
    in_a, in_b = out.index.isin(ta.index), out.index.isin(tb.index)
    out["status"] = np.where(in_a & in_b, "both", np.where(in_a, "only_a", "only_b"))
    out["rank_a"] = ta["rank"].reindex(out.index).astype("Int64")
    out["rank_b"] = tb["rank"].reindex(out.index).astype("Int64")
    out["rank_change"] = (out["rank_a"] - out["rank_b"]).astype("Int64")  # positive: moved up
    out["total_a"] = ta["total"].reindex(out.index).astype(float)
    out["total_b"] = tb["total"].reindex(out.index).astype(float)
    out["total_change"] = out["total_b"] - out["total_a"]
    out["tier_a"] = ta["tier"].reindex(out.index)
    out["tier_b"] = tb["tier"].reindex(out.index)
    out["vetoes_a"] = ta["vetoes"].reindex(out.index)
    out["vetoes_b"] = tb["vetoes"].reindex(out.index)
    sums = contrib.groupby(idc, sort=False)[["change", "rule_change", "data_change"]].sum(min_count=1)
    out["indicator_change"] = sums["change"].reindex(out.index)
    out["rule_change"] = sums["rule_change"].reindex(out.index)
    out["data_change"] = sums["data_change"].reindex(out.index)
    # the rest of the total's change: rescaling for excluded indicators, dimension weights
    # (a weighted rubric counts W_d * E_d / A_d, not the points), the bonus cap, vetoes
    adjustments = out["total_change"] - out["indicator_change"]
    out["adjustments"] = adjustments.where(adjustments.abs() > EPS, 0.0).where(adjustments.notna())
    out["drivers"] = _drivers(contrib, idc, top, kind).reindex(out.index).fillna("")
    out["rank_drivers"] = _rank_drivers(contrib, idc, top).reindex(out.index).fillna("")
    return out.reset_index()


def _rank_drivers(contrib: pd.DataFrame, idc: str, top: int) -> pd.Series:
    """The ``top`` indicators where a unit's change differs most from the mean change of all units.

    A change every unit shares (a new indicator everyone earns) moves totals but not ranks; these
    are the indicators that moved the unit past others, e.g. '开展居民议事协商 +0 (平均 +1.71)'.
    """
    moved = _largest(contrib, contrib["vs_mean"], 1e-6, idc, top)
    if moved.empty:
        return pd.Series(dtype=object)
    mean = moved["change"] - moved["vs_mean"]
    text = moved["name"] + " " + _signed(moved["change"]) + "（平均 " + _signed(mean) + "）"
    return _joined(text, moved[idc])


def _drivers(contrib: pd.DataFrame, idc: str, top: int, kind: str) -> pd.Series:
    """The ``top`` indicators that moved each unit most, as text ('name +1 (rule +1, data 0)')."""
    moved = _largest(contrib, contrib["change"], EPS, idc, top)
    if moved.empty:
        return pd.Series(dtype=object)
    text = moved["name"] + " " + _signed(moved["change"])
    if kind != "data":
        split = np.where(
            ~moved["split"],
            "（算式改变，未拆分）",
            np.where(
                moved["data_change"].abs() <= EPS,
                "（规则）",
                np.where(
                    moved["rule_change"].abs() <= EPS,
                    "（数据）",
                    "（规则 " + _signed(moved["rule_change"]) + "，数据 " + _signed(moved["data_change"]) + "）",
                ),
            ),
        )
        text = text + split
    return _joined(text, moved[idc])


def _largest(contrib: pd.DataFrame, by: pd.Series, floor: float, idc: str, top: int) -> pd.DataFrame:
    """Per unit, its ``top`` rows of largest ``|by|`` above ``floor``, largest first (ties in table
    order), units in the order of their ids."""
    size = by.abs().to_numpy()
    keep = np.flatnonzero(size > floor)
    units = pd.Categorical(contrib[idc].to_numpy()[keep])  # categories sorted: units in id order
    order = np.lexsort((-size[keep], units.codes))
    codes = units.codes[order]
    starts = np.r_[0, np.flatnonzero(codes[1:] != codes[:-1]) + 1] if len(codes) else np.zeros(0, dtype=np.int64)
    place = np.arange(len(codes)) - np.repeat(starts, np.diff(np.r_[starts, len(codes)]))
    used = dict.fromkeys([idc, "name", "change", "vs_mean", "split", "rule_change", "data_change"])
    # one take of the columns the texts need (Arrow-backed text is slow to take from many chunks)
    return contrib[[c for c in used if c in contrib.columns]].iloc[keep[order[place < top]]]


def _signed(values: pd.Series) -> np.ndarray:
    """Points with their sign, '+1.5' or '−0.25' (each distinct value formatted once)."""
    x = values.to_numpy(float)
    return np.where(x >= 0, "+", "−").astype(object) + fmt_all(np.abs(x), 2)


def _joined(text: pd.Series | np.ndarray, units: pd.Series) -> pd.Series:
    """The texts of each unit's rows (consecutive) joined with '；', indexed by unit."""
    ids = units.to_numpy()
    texts = pa.array(np.asarray(text, dtype=object).tolist(), type=pa.string())
    starts = np.r_[0, np.flatnonzero(ids[1:] != ids[:-1]) + 1] if len(ids) else np.zeros(0, dtype=np.int64)
    offsets = pa.array(np.r_[starts, len(ids)].astype(np.int32))
    joined = pc.binary_join(pa.ListArray.from_arrays(offsets, texts), "；")
    return pd.Series(joined.to_numpy(zero_copy_only=False), index=ids[starts])


def dimension_trend(a: Scored, b: Scored) -> pd.DataFrame:
    """Per top-level dimension: its full points and the mean points and attainment on each side.

    Attainment is the mean over units of (points earned) / (points of the applicable indicators),
    so that sides with different dimension weights compare fairly.
    """
    from civscore.analysis.attainment import dimension_attainment

    def side(r: Scored) -> pd.DataFrame:
        names = dimension_names(r.rubric)
        full = {d.id: sum(ind.points for _, ind in d.iter_indicators()) for d in r.rubric.dimensions}
        att = dimension_attainment(r)
        return pd.DataFrame(
            {
                "name": [names[(d.id,)] for d in r.rubric.dimensions],
                "full": [full[d.id] for d in r.rubric.dimensions],
                "mean": [r.table[d.id].mean() for d in r.rubric.dimensions],
                "attainment": [att[d.id].mean() for d in r.rubric.dimensions],
            },
            index=pd.Index([d.id for d in r.rubric.dimensions], name="dimension"),
        )

    sa, sb = side(a), side(b)
    ids = list(sb.index) + [i for i in sa.index if i not in sb.index]
    out = pd.DataFrame(index=pd.Index(ids, name="dimension"))
    out["name"] = sb["name"].reindex(ids).fillna(sa["name"].reindex(ids))
    for col in ("full", "mean", "attainment"):
        out[f"{col}_a"] = sa[col].reindex(ids)
        out[f"{col}_b"] = sb[col].reindex(ids)
    out["mean_change"] = out["mean_b"] - out["mean_a"]
    out["attainment_change"] = out["attainment_b"] - out["attainment_a"]
    return out.reset_index()
