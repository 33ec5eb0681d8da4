"""result.gaps(): each stated next step, applied to the data and re-scored, earns the stated gain."""

from __future__ import annotations

import numpy as np
import openpyxl
import pandas as pd
import pytest
from conftest import ROOT, frame, make_rubric
from test_explain import RANDOM_SEEDS, random_case

import civscore
from civscore.analysis.common import UnknownUnitError
from civscore.cli import main
from civscore.rubric.evaluate import evaluate
from civscore.tables.gaps import gaps_book, print_table, write_gaps

TOL = 1e-9


@pytest.fixture(scope="module")
def sample():
    rubric = civscore.load_rubric(ROOT / "rubrics" / "civilized-community-2025.yaml")
    data = civscore.read_data(ROOT / "data" / "communities_2025.csv", rubric)
    return rubric, data, civscore.score(data, rubric)


# --- applying a step to the data --------------------------------------------------------------


def _numbers(df: pd.DataFrame, col: str) -> np.ndarray:
    return pd.to_numeric(df[col], errors="coerce").to_numpy(dtype=float)


def _meets(f: np.ndarray, op: str, t: np.ndarray) -> np.ndarray:
    return {">=": f >= t, "<=": f <= t, "<": f < t, ">": f > t}[op]


def _solve(df, rubric, ind, rows, ops, targets) -> tuple[str, np.ndarray]:
    """A column of the indicator's expression and the values that make it reach the targets.

    Prefers a column no other indicator or veto reads; the expression must be affine in it.
    """
    expr = ind.expression
    n = len(df)
    nums = {c: _numbers(df, c) for c in expr.columns}
    others = {c for i in rubric.iter_indicators() if i.id != ind.id for c in i.expression.columns}
    others |= {c for v in rubric.vetoes for c in v.expression.columns}
    t = np.array([x - 1 if op == "<" else x + 1 if op == ">" else x for op, x in zip(ops, targets)], dtype=float)
    for col in sorted(expr.columns, key=lambda c: c in others):

        def f(x, col=col):
            vals = dict(nums)
            vals[col] = np.full(n, np.nan)
            vals[col][rows] = x
            return evaluate(expr, vals, n)[rows]

        f0, f1, f2 = f(np.zeros(len(rows))), f(np.ones(len(rows))), f(np.full(len(rows), 2.0))
        slope = f1 - f0
        if not (np.all(np.isfinite(slope)) and np.all(slope != 0) and np.allclose(f2 - f1, slope)):
            continue
        x = (t - f0) / slope
        for _ in range(60):  # floating point: step by ulps until the target is really met
            bad = ~np.array(
                [
                    _meets(np.array([fx]), op if op in (">=", "<=", "<", ">") else ">=", np.array([tx]))[0]
                    for fx, op, tx in zip(f(x), ops, t)
                ]
            )
            if not bad.any():
                return col, x
            up = np.array([(op in (">=", ">")) == (s > 0) for op, s in zip(ops, slope)])
            x = np.where(bad, np.nextafter(x, np.where(up, np.inf, -np.inf)), x)
        raise AssertionError(f"could not reach the target of {ind.id}")
    raise AssertionError(f"no column of {ind.value!r} can be solved for")


def apply_steps(data: pd.DataFrame, rubric, ind, steps: pd.DataFrame) -> pd.DataFrame:
    """``data`` with each step's unit set to its target (the value of the indicator's expression)."""
    df = data.copy()
    idc = rubric.unit.id_column
    position = pd.Series(np.arange(len(df)), index=df[idc].astype(str).to_numpy())
    rows = position.loc[steps[idc].astype(str)].to_numpy()
    ops, targets = steps["target_op"].tolist(), steps["target"].tolist()
    if ind.method == "boolean":
        col, values = ind.expression.bare_column, ["是"] * len(rows)
    elif ind.method == "categorical":
        col, values = ind.expression.bare_column, targets
    elif ind.expression.is_bare_column:
        col = ind.expression.bare_column
        values = [x - 1 if op == "<" else x + 1 if op == ">" else x for op, x in zip(ops, targets)]
    else:
        col, values = _solve(df, rubric, ind, rows, ops, targets)
    assert col is not None, ind.id
    df[col] = df[col].astype(object)
    for r, v in zip(rows, values):
        df.iat[r, df.columns.get_loc(col)] = repr(float(v)) if isinstance(v, (float, np.floating)) else v
    return df


def check_steps(rubric, data, result, table) -> dict[str, int]:
    """Apply every indicator step (batched per indicator: units score independently) and re-score.

    Checks that each step earns exactly its stated gain in the indicator, and — where the edit
    moves nothing else — exactly its stated total change; where it does move something else,
    the note must warn about the shared column.
    """
    idc = rubric.unit.id_column
    counts = dict(steps=0, totals=0, side_effects=0)
    inds = {i.id: i for i in rubric.iter_indicators()}
    steps = table[table["kind"].isin(["base", "bonus"]) & (table["target_op"] != "")]
    for iid, part in steps.groupby("item", sort=False):
        ind = inds[iid]
        new = civscore.score(apply_steps(data, rubric, ind, part), rubric)
        units = part[idc].to_numpy()
        earned = new.points.loc[units, iid].to_numpy() - result.points.loc[units, iid].to_numpy()
        np.testing.assert_allclose(earned, part["gain"].to_numpy(dtype=float), atol=TOL, err_msg=iid)
        # the value reached is the stated target
        reached = new.values.loc[units, iid]
        if ind.method not in ("boolean", "categorical"):
            assert all(
                _meets(np.array([v]), op, np.array([t]))[0] or (op == "<=" and abs(v - t) < 1e-9)
                for v, op, t in zip(reached.to_numpy(dtype=float), part["target_op"], part["target"])
            )
        others = [c for c in result.points.columns if c != iid]
        moved = (new.points.loc[units, others] - result.points.loc[units, others]).abs().max(axis=1) > TOL
        moved |= (new.vetoes.loc[units] != result.vetoes.loc[units]).any(axis=1)
        old_total = result.table.set_index(idc)["total"]
        new_total = new.table.set_index(idc)["total"]
        change = (new_total.loc[units] - old_total.loc[units]).to_numpy()
        clean = ~moved.to_numpy()
        np.testing.assert_allclose(
            change[clean], part["total_change"].to_numpy(dtype=float)[clean], atol=1e-9, err_msg=iid
        )
        assert part.loc[~clean, "note"].str.contains("注意").all(), iid
        counts["steps"] += len(part)
        counts["totals"] += int(clean.sum())
        counts["side_effects"] += int((~clean).sum())
    return counts


# --- the stated gains are earned --------------------------------------------------------------


def test_sample_steps_earn_their_gain(sample):
    rubric, data, result = sample
    table = result.gaps()
    counts = check_steps(rubric, data, result, table)
    assert counts["steps"] > 1000
    # most steps touch a column no other indicator reads; those reconcile with the total exactly
    assert counts["totals"] >= 0.8 * counts["steps"]


@pytest.mark.parametrize("seed", RANDOM_SEEDS[::3])
def test_random_steps_earn_their_gain(seed):
    rubric, data = random_case(seed)
    result = civscore.score(data, rubric)
    check_steps(rubric, data, result, result.gaps())


def test_sample_vetoes_first_and_lifting_them_earns_the_stated_change(sample):
    rubric, data, result = sample
    table = result.gaps()
    idc = rubric.unit.id_column
    for uid, veto in [
        ("SQ023", "major_safety_accident"),
        ("SQ041", "serious_crime"),
        ("SQ016", "negative_opinion"),
        ("SQ050", "negative_opinion"),
        ("SQ009", "minors_gate"),
    ]:
        rows = table[table[idc] == uid]
        assert rows.iloc[0]["item"] == veto and rows.iloc[0]["priority"] == 1
    # lift the deduction: +5 on the total, as stated
    edited = data.copy()
    edited["负面舆情查实数"] = edited["负面舆情查实数"].astype(object)
    edited.loc[edited[idc] == "SQ016", "负面舆情查实数"] = "0"
    new = civscore.score(edited, rubric)
    row = table[(table[idc] == "SQ016") & (table["item"] == "negative_opinion")].iloc[0]
    before = result.table.set_index(idc).loc["SQ016"]
    after = new.table.set_index(idc).loc["SQ016"]
    assert after["total"] - before["total"] == pytest.approx(row["total_change"]) == pytest.approx(5)
    assert after["rank"] == row["rank_after"] and after["tier"] == row["tier_after"] == "标兵"
    # lift the fail: disqualification gone, rank as stated
    edited = data.copy()
    edited["重大安全责任事故数"] = edited["重大安全责任事故数"].astype(object)
    edited.loc[edited[idc] == "SQ023", "重大安全责任事故数"] = "0"
    new = civscore.score(edited, rubric)
    row = table[(table[idc] == "SQ023") & (table["item"] == "major_safety_accident")].iloc[0]
    after = new.table.set_index(idc).loc["SQ023"]
    assert not after["disqualified"] and after["rank"] == row["rank_after"] and row["total_change"] == 0
    # the gate: the condition names the value to reach and the current value
    gate = table[(table[idc] == "SQ009") & (table["item"] == "minors_gate")].iloc[0]
    assert "未成年人思想道德建设测评得分 须 ≥ 85（当前 83.5）" in gate["next_step"]
    assert "minors_moral_score" in gate["note"]


def test_single_step_rank_and_tier_after(sample):
    """rank_after / tier_after assume only this unit takes only this step: check some exactly."""
    rubric, data, result = sample
    table = result.gaps()
    idc = rubric.unit.id_column
    inds = {i.id: i for i in rubric.iter_indicators()}
    picks = table[(table["kind"] == "base") & (table["target_op"] != "") & ~table["note"].str.contains("注意")]
    picks = picks.sort_values("total_change", ascending=False).groupby(idc).head(1).head(6)
    for _, row in picks.iterrows():
        new = civscore.score(apply_steps(data, rubric, inds[row["item"]], row.to_frame().T), rubric)
        after = new.table.set_index(idc).loc[row[idc]]
        assert after["rank"] == row["rank_after"] and after["tier"] == row["tier_after"]
        assert after["total"] == pytest.approx(row["total_after"])


# --- what the list says -----------------------------------------------------------------------


def test_sample_step_texts(sample):
    _, _, result = sample
    table = result.gaps().set_index(["社区代码", "item"])
    # bands: the next threshold; the sample's SQ006 sorts at 74%
    assert table.loc[("SQ006", "sorting_participation"), "next_step"] == "垃圾分类参与率 74 → ≥ 80：+1"
    # linear: the value for full points; lower is better for the crime rate
    assert table.loc[("SQ006", "crime_rate"), "next_step"].startswith(
        "刑事案件数 / 常住人口(人) * 10000 = 24.1299 → ≤ 5（满分）"
    )
    # deduction: the items to clear
    assert table.loc[("SQ006", "inspection_problems"), "next_step"] == "环境问题点位数 4 → 0（整改清零 4 项）：+2"
    # count: how many more
    assert table.loc[("SQ006", "arts_teams"), "next_step"] == "文艺团队数 0 → ≥ 4（再增加 4）：+2"
    # boolean: what is missing; categorical: the next better label
    assert table.loc[("SQ006", "volunteer_brand"), "next_step"].startswith("缺：打造特色志愿服务品牌")
    assert table.loc[("SQ006", "party_org_grade"), "next_step"] == "党组织评定等次 B → A：+1"
    # a ratio: the value the expression must reach, and a warning that its columns are shared
    ratio = table.loc[("SQ006", "volunteer_ratio")]
    assert ratio["next_step"] == "志愿者注册人数 / 常住人口(人) = 0.1091 → ≥ 0.12：+1"
    assert "志愿者注册人数 也用于 volunteer_hours" in ratio["note"]
    # excluded indicators are not gaps; rescaling is stated
    assert ("SQ006", "elevator_retrofit") not in table.index
    assert "折算" in table.loc[("SQ006", "crime_rate"), "note"]
    # imputed: the mean is the starting point
    assert "平均" in table.loc[("SQ011", "fitness_facilities"), "note"]


def test_order_caps_and_bonus(sample):
    _, _, result = sample
    table = result.gaps()
    idc = "社区代码"
    for _, rows in table.groupby(idc, sort=False):
        assert list(rows["priority"]) == list(range(1, len(rows) + 1))
        base = rows[rows["kind"] == "base"]
        assert list(base["lost"]) == sorted(base["lost"], reverse=True)
        kinds = [k for k in rows["kind"] if not k.startswith("veto")]
        assert kinds == sorted(kinds, key=lambda k: k != "base")
    # units in ranking order
    order = result.table[idc].tolist()
    seen = list(dict.fromkeys(table[idc]))
    assert seen == [u for u in order if u in set(seen)]
    # SQ009 is capped at 79: no indicator step moves its total, and the note says why
    sq009 = table[(table[idc] == "SQ009") & (table["kind"] == "base")]
    assert (sq009["total_change"] == 0).all() and sq009["note"].str.contains("封顶").all()
    # a unit at the bonus cap gets no bonus items; one below it gets only what still counts
    bonus = result.table.set_index(idc)["bonus"]
    at_cap = bonus[bonus >= 10].index
    assert not table[table[idc].isin(at_cap) & (table["kind"] == "bonus")].shape[0]
    below = table[(table["kind"] == "bonus")]
    assert (below["total_change"] > 0).all() and (below["total_change"] <= below["gain"] + TOL).all()


def test_bands_without_a_reachable_better_band():
    rubric = make_rubric(
        """\
        total_points: 4
        dimensions:
          - id: d
            name: 维度
            indicators:
              - {id: b, name: 分档, value: x, method: bands, points: 4, otherwise: 1,
                 bands: [{at_least: 90, points: 3}, {at_least: 50, points: 0}]}
        """
    )
    result = civscore.score(frame(x=[95.0, 60.0, None, 10.0]), rubric)
    table = result.gaps().set_index("uid")
    assert table.loc["u1", "target_op"] == "" and table.loc["u1", "gain"] == 0
    assert table.loc["u1", "next_step"] == "已达可达的最高档"
    assert table.loc["u2", "next_step"] == "x 60 → ≥ 90：+3"
    assert table.loc["u3", "target"] == 90.0  # missing: the first band that pays more
    assert table.loc["u4", "next_step"] == "x 10 → ≥ 90：+2"  # the 50 band pays less than otherwise


def test_unknown_unit(sample):
    _, _, result = sample
    with pytest.raises(UnknownUnitError, match="SQ060"):
        result.gaps("SQ6O")
    one = result.gaps("SQ009")
    assert set(one["社区代码"]) == {"SQ009"}


# --- the hand-out -----------------------------------------------------------------------------


def handout_header(ws) -> int:
    """Row number (1-based) of a hand-out sheet's header row."""
    return next(r for r in range(1, 12) if ws.cell(r, 1).value == "社区名称")


def test_workbook_one_sheet_per_street(sample, tmp_path):
    _, _, result = sample
    table = result.gaps()
    path, sheets = write_gaps(result, table, tmp_path / "gaps.xlsx")
    assert sheets == ["城关街道", "东城街道", "西城街道", "南湖街道", "北关街道"]
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == sheets + ["说明"]
    ws = book["西城街道"]
    top = handout_header(ws)
    assert "整改清单" in ws["A1"].value and "制表单位：" in " ".join(str(ws.cell(r, 1).value) for r in range(2, top))
    header = [c.value for c in ws[top]]
    assert {"下一步整改", "总分变化", "仅此项整改后", "当前情况"} <= set(header)
    names = {r[0] for r in ws.iter_rows(min_row=top + 1, values_only=True)}
    in_street = result.table[result.table["街道"] == "西城街道"]
    expected = set(in_street.loc[in_street["社区代码"].isin(table["社区代码"]), "社区名称"])
    assert names == expected
    assert ws.print_title_rows == f"${top}:${top}" and ws.page_setup.orientation == "landscape"
    assert ws.sheet_properties.pageSetUpPr.fitToPage and "第 &P 页 共 &N 页" in ws.oddFooter.center.text
    # wrapped text never overprints the next row: every row is given a height
    assert all(ws.row_dimensions[r].height for r in range(top + 1, ws.max_row + 1))
    # a computed quantity is named as the rubric names the indicator, not as a formula
    steps = [r[header.index("下一步整改")] for r in ws.iter_rows(min_row=top + 1, values_only=True)]
    assert not any(" * " in s or " / " in s for s in steps if s)


def test_each_sheet_is_the_printed_list_of_its_rows(sample):
    """The sheets take their rows from columns built once for the whole list: the same as
    printing each street's rows alone, also when a unit's rows are not next to each other."""
    _, _, result = sample
    table = result.gaps()
    shuffled = table.sample(frac=1, random_state=3).reset_index(drop=True)
    for order in (table, shuffled):
        book = gaps_book(result, order)
        for sheet in book.sheets[:-1]:
            rows = order[order["街道"] == sheet.name].reset_index(drop=True)
            pd.testing.assert_frame_equal(sheet.table, print_table(result, rows))
            ids = rows["社区代码"].to_numpy()
            first = np.r_[True, ids[1:] != ids[:-1]]
            assert (sheet.table["当前情况"].to_numpy() != "").tolist() == first.tolist()
            assert sheet.band.tolist() == (np.cumsum(first) % 2 == 0).tolist()
            assert sheet.flagged.tolist() == rows["kind"].str.startswith("veto").tolist()
    printed = print_table(result, table)
    unit = table.iloc[0]
    assert printed.loc[0, "当前情况"] == f"第 {unit['rank']} 名 {unit['total']:g} 分 {unit['tier']}"
    assert printed["类别"].iloc[0] == "基础指标" and printed["序号"].tolist() == table["priority"].tolist()


def test_workbook_for_one_unit_has_one_sheet(sample, tmp_path):
    _, _, result = sample
    _, sheets = write_gaps(result, result.gaps("SQ012"), tmp_path / "one.xlsx")
    street = result.table.set_index("社区代码").loc["SQ012", "街道"]
    assert sheets == [street]


def test_workbook_text_is_formula_safe(tmp_path):
    rubric = make_rubric(
        """\
        total_points: 2
        dimensions:
          - id: d
            name: "=HYPERLINK(1)"
            indicators:
              - {id: a, name: "+cmd", value: x, method: boolean, points: 2}
        """,
        header='id: t\nname: T\nversion: "1"\nunit: {id_column: uid, name_column: 名称, group_columns: [街道]}\n',
    )
    data = frame(x=["否", "否"], 名称=["=1+1", "@SUM(A1)"], 街道=["-东", "-东"])
    result = civscore.score(data, rubric)
    path, sheets = write_gaps(result, result.gaps(), tmp_path / "g.xlsx")
    book = openpyxl.load_workbook(path)
    cells = [c.value for row in book[sheets[0]].iter_rows() for c in row if isinstance(c.value, str)]
    assert not any(v.startswith(("=", "+", "@", "-")) for v in cells)
    assert "'=1+1" in cells and "'+cmd" in cells


def test_cli_gaps(tmp_path, capsys):
    out = tmp_path / "gaps.xlsx"
    code = main(
        [
            "gaps",
            str(ROOT / "rubrics/civilized-community-2025.yaml"),
            str(ROOT / "data/communities_2025.csv"),
            "-o",
            str(out),
        ]
    )
    assert code == 0 and out.exists()
    assert "5 个工作表" in capsys.readouterr().out
    csv = tmp_path / "one.csv"
    code = main(
        [
            "gaps",
            str(ROOT / "rubrics/civilized-community-2025.yaml"),
            str(ROOT / "data/communities_2025.csv"),
            "-o",
            str(csv),
            "--unit",
            "SQ023",
        ]
    )
    assert code == 0 and set(pd.read_csv(csv, encoding="utf-8-sig")["社区代码"]) == {"SQ023"}
    bad = tmp_path / "bad.xlsx"
    code = main(
        [
            "gaps",
            str(ROOT / "rubrics/civilized-community-2025.yaml"),
            str(ROOT / "data/communities_2025_broken.csv"),
            "-o",
            str(bad),
        ]
    )
    assert code == 1 and not bad.exists()
    code = main(
        [
            "gaps",
            str(ROOT / "rubrics/civilized-community-2025.yaml"),
            str(ROOT / "data/communities_2025.csv"),
            "-o",
            str(bad),
            "--unit",
            "SQ6O",
        ]
    )
    err = capsys.readouterr().err
    assert code == 1 and "相近的有" in err and "Traceback" not in err and not bad.exists()
