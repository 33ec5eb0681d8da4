"""Plain sentences about a Monte Carlo of the ranking, in Chinese or English, for analysts to quote."""

from __future__ import annotations

from typing import Literal, Protocol, TypedDict

import numpy as np
import pandas as pd

from civscore.rubric.model import Rubric
from civscore.words import language


class UncertaintySettings(TypedDict):
    """The arguments a Monte Carlo ran with (``workers``: the threads actually used)."""

    runs: int
    weight_noise: float
    seed: int | None
    level: Literal["indicator", "dimension"]
    missing: list[str]
    aggregation: list[str]
    workers: int
    sampling: bool


class Summarised(Protocol):
    """What the sentences read of an :class:`~civscore.robustness.uncertainty.Uncertainty`."""

    @property
    def rank_stats(self) -> pd.DataFrame: ...
    @property
    def rubric(self) -> Rubric: ...
    @property
    def settings(self) -> UncertaintySettings: ...
    @property
    def first_place_share(self) -> pd.Series: ...


def _label(stats: pd.DataFrame, rubric: Rubric) -> pd.Series:
    """A unit's display name: its name column when the rubric has one, else its id."""
    col = rubric.unit.name_column or rubric.unit.id_column
    return stats[col].astype("string").fillna(stats[rubric.unit.id_column].astype("string"))


def _num(x: float) -> str:
    return f"{x:g}"


def _pct(x: float) -> str:
    return f"{100 * x:.0f}%"


# Names of the opt-in options in sentences
OPTION_WORDS = {
    "en": {
        "rubric": "as in the rubric",
        "zero": "zero",
        "mean": "mean",
        "exclude": "exclude",
        "arithmetic": "arithmetic",
        "geometric": "geometric",
    },
    "zh": {
        "rubric": "按体系规定",
        "zero": "计0分",
        "mean": "取平均分",
        "exclude": "合理缺项折算",
        "arithmetic": "算术加总",
        "geometric": "几何平均",
    },
}


def summary_sentences(
    u: Summarised, lang: str | None = None, unit_word: str | None = None, within: int = 2
) -> list[str]:
    """Sentences an analyst can quote, e.g. "72% of units stay within ±2 places of their median rank".

    ``lang`` is ``"zh"`` (default; ``unit_word`` 单位) or ``"en"`` (``unit_word`` units).
    "Within ±k places" means the unit's 5-95% interval lies inside median ± k: in at least 90%
    of runs its rank is no more than k places from its median rank. "Change tier" means the
    unit's tier differs from its nominal tier in more than a third of runs.
    """
    lang = lang or language()
    if lang not in OPTION_WORDS:
        raise ValueError(f"lang must be 'zh' or 'en', not {lang!r}")
    f = _facts(u, within)
    word = unit_word or ("单位" if lang == "zh" else "units")
    return _sentences_zh(f, word) if lang == "zh" else _sentences_en(f, word)


def _facts(u: Summarised, within: int) -> dict[str, object]:
    """The numbers the sentences quote, computed once for every language."""
    s = u.rank_stats
    label = _label(s, u.rubric)
    cfg = u.settings
    solid = (s["q05_rank"] >= s["median_rank"] - within) & (s["q95_rank"] <= s["median_rank"] + within)
    gap = (s["median_rank"] - s["nominal_rank"]).abs()
    # rank_stats has a RangeIndex: positions and labels agree
    far, wide = int(np.nanargmax(gap.to_numpy())), int(np.nanargmax(s["interval"].to_numpy()))
    share_first = u.first_place_share
    leaders = s.index[s["nominal_rank"] == 1]
    ids = s[u.rubric.unit.id_column]
    return dict(
        cfg=cfg,
        n=len(s),
        within=within,
        total_points=u.rubric.total_points,
        solid=int(solid.sum()),
        solid_share=float(solid.mean()),
        same_share=float((gap == 0).mean()),
        far=dict(
            gap=float(gap.iloc[far]),
            name=label.iloc[far],
            nominal=int(s["nominal_rank"].iloc[far]),
            median=int(s["median_rank"].iloc[far]),
        ),
        wide=dict(
            width=float(s["interval"].iloc[wide]),
            name=label.iloc[wide],
            lo=int(s["q05_rank"].iloc[wide]),
            hi=int(s["q95_rank"].iloc[wide]),
            nominal=int(s["nominal_rank"].iloc[wide]),
        ),
        leaders=[(label.iloc[i], float(share_first[ids.iloc[i]])) for i in leaders],
        tiers=bool(u.rubric.tiers),
        keep_tier=int((s["same_tier_share"] >= 0.95).sum()),
        shaky=label[s["same_tier_share"] < 2 / 3].tolist(),
    )


def _sentences_en(f: dict, word: str) -> list[str]:
    cfg, w = f["cfg"], OPTION_WORDS["en"]
    what = "each indicator's" if cfg["level"] == "indicator" else "each dimension's"
    choices = []
    if len(cfg["missing"]) > 1:
        choices.append("the missing-data policy (" + ", ".join(w[m] for m in cfg["missing"]) + ")")
    if len(cfg["aggregation"]) > 1:
        choices.append("the aggregation (" + ", ".join(w[a] for a in cfg["aggregation"]) + ")")
    lines = [
        f"{cfg['runs']:,} runs varied {what} points by ±{100 * cfg['weight_noise']:g}% "
        f"(rescaled to {_num(f['total_points'])} points)"
        + ("; each run also drew " + " and ".join(choices) if choices else "")
        + ".",
        f"{_pct(f['solid_share'])} of {word} ({f['solid']} of {f['n']}) stay within ±{f['within']} places "
        f"of their median rank in 90% of runs.",
    ]
    far = f["far"]
    sentence = f"The median rank equals the nominal rank for {_pct(f['same_share'])} of {word}"
    if far["gap"] > 0:
        places = f"{_num(far['gap'])} place" + ("" if far["gap"] == 1 else "s")
        sentence += f"; the largest gap is {places} ({far['name']}: nominal {far['nominal']}, median {far['median']})"
    lines.append(sentence + ".")
    wide = f["wide"]
    if wide["width"] > 0:
        lines.append(
            f"The widest 5–95% interval is {wide['name']}'s: places {wide['lo']}–{wide['hi']} "
            f"(nominal {wide['nominal']})."
        )
    if f["leaders"]:
        parts = ", ".join(f"{name} in {_pct(share)}" for name, share in f["leaders"])
        lines.append(f"Nominal first place: ranked first (ties included) {parts} of runs.")
    if f["tiers"]:
        sentence = f"{f['keep_tier']} of {f['n']} {word} keep their nominal tier in at least 95% of runs"
        shaky = f["shaky"]
        if shaky:
            more = f" and {len(shaky) - 5} more" if len(shaky) > 5 else ""
            sentence += f"; {len(shaky)} change tier in more than a third of runs ({', '.join(shaky[:5])}{more})"
        lines.append(sentence + ".")
    return lines


def _sentences_zh(f: dict, word: str) -> list[str]:
    cfg, w = f["cfg"], OPTION_WORDS["zh"]
    what = "各指标" if cfg["level"] == "indicator" else "各维度"
    choices = []
    if len(cfg["missing"]) > 1:
        choices.append("缺失值处理方式（" + "、".join(w[m] for m in cfg["missing"]) + "）")
    if len(cfg["aggregation"]) > 1:
        choices.append("汇总方式（" + "、".join(w[a] for a in cfg["aggregation"]) + "）")
    lines = [
        f"共模拟 {cfg['runs']:,} 次：每次将{what}分值在 ±{100 * cfg['weight_noise']:g}% 范围内随机浮动，"
        f"再按比例折算回总分 {_num(f['total_points'])} 分"
        + ("；每次还随机选定" + "和".join(choices) if choices else "")
        + "。",
        f"{_pct(f['solid_share'])}的{word}（{f['n']} 个中的 {f['solid']} 个）在 90% 的模拟中，"
        f"名次与其中位名次相差不超过 {f['within']} 位。",
    ]
    far = f["far"]
    sentence = f"中位名次与实际名次相同的{word}占 {_pct(f['same_share'])}"
    if far["gap"] > 0:
        sentence += f"；相差最多的是{far['name']}（实际第 {far['nominal']} 名，中位第 {far['median']} 名）"
    lines.append(sentence + "。")
    wide = f["wide"]
    if wide["width"] > 0:
        lines.append(
            f"名次区间（5%–95%）最宽的是{wide['name']}：第 {wide['lo']}–{wide['hi']} 名"
            f"（实际第 {wide['nominal']} 名）。"
        )
    if f["leaders"]:
        names = "、".join(name for name, _ in f["leaders"])
        shares = "、".join(_pct(share) for _, share in f["leaders"])
        if len(f["leaders"]) == 1:
            lines.append(f"实际第一的{names}在 {shares} 的模拟中排第一（含并列）。")
        else:
            lines.append(f"实际并列第一的{names}分别在 {shares} 的模拟中排第一（含并列）。")
    if f["tiers"]:
        sentence = f"{f['n']} 个{word}中有 {f['keep_tier']} 个在至少 95% 的模拟中保持实际等级"
        shaky = f["shaky"]
        if shaky:
            more = f"等 {len(shaky)} 个" if len(shaky) > 5 else ""
            sentence += f"；{'、'.join(shaky[:5])}{more}在超过三分之一的模拟中等级发生变化"
        lines.append(sentence + "。")
    return lines
