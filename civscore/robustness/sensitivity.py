"""Which choice drives the spread of the ranking? Sobol indices of the mean absolute rank shift.

A variance-based sensitivity analysis (Saltelli 2010 for first-order indices, Jansen for total
indices) done with SALib: the factors are each top-level dimension's weight multiplier,
U(1 - weight_noise, 1 + weight_noise), plus every opt-in choice (missing-data policy,
aggregation) as a uniformly drawn option. The output of a run is the mean over units of
|rank - nominal rank|. Runs are simulated in chunks with the same vectorised code as
:func:`civscore.uncertainty`; SALib only samples and analyses plain arrays.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TypedDict

import numpy as np
import pandas as pd

from civscore.errors import import_extra
from civscore.robustness.ranking import mean_abs_shift
from civscore.robustness.simulation import (
    AGGREGATIONS,
    MISSING_OPTIONS,
    Model,
    build_model,
    choice_options,
    rescaled_dimension_weights,
    rescaled_weights,
    simulate,
)
from civscore.rubric.model import Rubric
from civscore.words import language, say

CHOICE_LABELS = {
    "missing": ("缺失值处理方式", "missing-data policy"),
    "aggregation": ("汇总方式", "aggregation"),
}


class Problem(TypedDict):
    """SALib's problem description: one uniform factor per name, within its bounds."""

    num_vars: int
    names: list[str]
    bounds: list[list[float]]


class SensitivitySettings(TypedDict):
    """The arguments a Sobol analysis ran with (``runs``: the Saltelli sample's size)."""

    samples: int
    runs: int
    weight_noise: float
    seed: int | None
    missing: list[str]
    aggregation: list[str]
    num_resamples: int
    conf_level: float


@dataclass
class Sensitivity:
    """The outcome of :func:`sensitivity`.

    - ``indices``: one row per factor: ``factor`` (``weight:<dimension id>``, ``missing``,
      ``aggregation``), ``label`` / ``label_en`` (Chinese / English), first-order ``S1`` and
      total ``ST`` Sobol indices, each with the half-width of its bootstrap confidence interval
    - ``samples``: the Saltelli sample (one row per run, one column per factor)
    - ``outputs``: the mean absolute rank shift of each run
    """

    model: Model
    indices: pd.DataFrame
    samples: pd.DataFrame
    outputs: pd.Series
    settings: SensitivitySettings

    def summary(self, lang: str | None = None) -> list[str]:
        """Plain sentences an analyst can quote, in Chinese or English (see :func:`summary_sentences`)."""
        return summary_sentences(self, lang=lang)

    def _repr_html_(self) -> str:
        return self.indices._repr_html_()  # type: ignore[operator]  # pandas-stubs lack DataFrame._repr_html_


def sensitivity(
    data: pd.DataFrame,
    rubric: Rubric,
    samples: int = 1024,
    weight_noise: float = 0.25,
    seed: int | None = 0,
    *,
    missing: Sequence[str] | bool | None = None,
    aggregation: Sequence[str] | bool | None = None,
    num_resamples: int = 100,
    conf_level: float = 0.95,
    chunk_runs: int | None = None,
    workers: int | None = None,
    previous: pd.DataFrame | None = None,
) -> Sensitivity:
    """First-order and total Sobol indices of the mean absolute rank shift from nominal.

    Factors: the weight of each top-level dimension (every indicator's points in it multiplied
    by one draw from U(1 - weight_noise, 1 + weight_noise), then all rescaled to
    ``total_points``; in a rubric with dimension weights, contract section 9, the draw
    multiplies the dimension's weight), and each opt-in choice (``missing`` policies, ``aggregation`` methods,
    as in :func:`civscore.uncertainty`). ``samples`` is the Saltelli base sample size N (a
    power of 2); the model runs N x (factors + 2) times. Confidence intervals come from
    ``num_resamples`` bootstrap resamples at ``conf_level``. The same ``seed`` gives an
    identical result.

    A factor with ``ST`` near 0 can be fixed anywhere in its range without changing the
    ranking's spread; ``ST - S1`` is the part it owes to interactions with other factors.
    """
    _check(samples, weight_noise, num_resamples, conf_level)
    policies = choice_options("missing", missing, MISSING_OPTIONS, default=("rubric",))
    aggregations = choice_options("aggregation", aggregation, AGGREGATIONS, default=("arithmetic",))
    model = build_model(data, rubric, previous)
    problem, labels = _problem(model, weight_noise, policies, aggregations)
    # SALib loads SciPy: ~1 s kept out of `import civscore`
    sobol_sample = import_extra("SALib.sample.sobol", "robustness", say("敏感性分析", "sensitivity analysis"))

    X = sobol_sample.sample(problem, samples, calc_second_order=False, seed=seed)
    D = len(model.rubric.dimensions)
    dim_weights = None
    if model.dim_weights is not None:  # weighted rubric: the factors are the weights themselves
        dim_weights = rescaled_dimension_weights(model, X[:, :D])
        weights = rescaled_weights(model, np.ones((len(X), model.n_base)))
    else:
        weights = rescaled_weights(model, X[:, :D][:, model.dim_codes])
    col = D
    policy = np.zeros(len(X), np.int64)
    if len(policies) > 1:
        policy = _option_index(X[:, col], len(policies))
        col += 1
    agg = np.zeros(len(X), np.int64)
    if len(aggregations) > 1:
        local = _option_index(X[:, col], len(aggregations))
        agg = np.array([AGGREGATIONS.index(a) for a in aggregations])[local]

    Y = np.empty(len(X))

    def mean_shift(rows: np.ndarray | slice, totals: dict[str, np.ndarray]) -> None:
        Y[rows] = mean_abs_shift(totals["total"], model.ranking(), model.nominal_rank)

    simulate(model, weights, policy, agg, mean_shift, policies, chunk_runs, workers, dimension_weights=dim_weights)

    indices = _indices(problem, labels, Y, num_resamples, conf_level, seed)
    settings = SensitivitySettings(
        samples=samples,
        runs=len(X),
        weight_noise=weight_noise,
        seed=seed,
        missing=list(policies),
        aggregation=list(aggregations),
        num_resamples=num_resamples,
        conf_level=conf_level,
    )
    return Sensitivity(
        model=model,
        indices=indices,
        samples=pd.DataFrame(X, columns=problem["names"]).rename_axis("run"),
        outputs=pd.Series(Y, name="mean_abs_rank_shift").rename_axis("run"),
        settings=settings,
    )


def _check(samples: int, weight_noise: float, num_resamples: int, conf_level: float) -> None:
    if isinstance(samples, bool) or not isinstance(samples, (int, np.integer)) or samples < 2:
        raise ValueError(
            say(
                f"samples 必须是 2 的幂（如 256、1024），不能是 {samples!r}",
                f"samples must be a power of 2 (e.g. 256, 1024), not {samples!r}",
            )
        )
    if samples & (samples - 1):
        # Sobol' sequences keep their balance properties only at powers of 2
        lower = 1 << (int(samples).bit_length() - 1)
        raise ValueError(
            say(
                f"samples 必须是 2 的幂（如 {lower} 或 {lower * 2}），不能是 {samples}",
                f"samples must be a power of 2 (e.g. {lower} or {lower * 2}), not {samples}",
            )
        )
    try:
        noise = float(weight_noise)
    except (TypeError, ValueError):
        raise ValueError(
            say(
                f"weight_noise 必须是 (0, 1) 之间的数，不能是 {weight_noise!r}",
                f"weight_noise must be a number in (0, 1), not {weight_noise!r}",
            )
        ) from None
    if not 0.0 < noise < 1.0:
        raise ValueError(
            say(
                f"敏感性分析的 weight_noise 必须在 (0, 1) 之间，不能是 {weight_noise!r}",
                f"weight_noise must be in (0, 1) for a sensitivity analysis, not {weight_noise!r}",
            )
        )
    if isinstance(num_resamples, bool) or not isinstance(num_resamples, (int, np.integer)) or num_resamples < 1:
        raise ValueError(
            say(
                f"num_resamples 必须是不小于 1 的整数，不能是 {num_resamples!r}",
                f"num_resamples must be a whole number >= 1, not {num_resamples!r}",
            )
        )
    if not 0.0 < float(conf_level) < 1.0:
        raise ValueError(
            say(
                f"conf_level 必须在 (0, 1) 之间，不能是 {conf_level!r}",
                f"conf_level must be in (0, 1), not {conf_level!r}",
            )
        )


def _problem(
    model: Model, weight_noise: float, policies: tuple[str, ...], aggregations: tuple[str, ...]
) -> tuple[Problem, list[tuple[str, str]]]:
    """SALib's problem description (one factor per dimension weight and per opt-in choice),
    and a (Chinese, English) label per factor."""
    names = [f"weight:{dim_id}" for dim_id, _ in model.dimensions]
    labels = [(f"{name}权重", f"{name} weight") for _, name in model.dimensions]
    bounds = [[1.0 - weight_noise, 1.0 + weight_noise]] * len(names)
    # a discrete choice is a uniform factor on [0, n) whose integer part picks the option
    for name, options in (("missing", policies), ("aggregation", aggregations)):
        if len(options) > 1:
            names.append(name)
            labels.append(CHOICE_LABELS[name])
            bounds.append([0.0, float(len(options))])
    return Problem(num_vars=len(names), names=names, bounds=bounds), labels


def _option_index(x: np.ndarray, n: int) -> np.ndarray:
    return np.minimum(np.floor(x).astype(np.int64), n - 1)


def _indices(
    problem: Problem,
    labels: list[tuple[str, str]],
    Y: np.ndarray,
    num_resamples: int,
    conf_level: float,
    seed: int | None,
) -> pd.DataFrame:
    names = problem["names"]
    head = dict(factor=names, label=[zh for zh, _ in labels], label_en=[en for _, en in labels])
    if np.ptp(Y) == 0:
        # no factor moves the output at all (e.g. every unit's rank is fixed): every index is 0,
        # where SALib would divide by a zero variance
        zeros = np.zeros(len(names))
        return pd.DataFrame(dict(head, S1=zeros, S1_conf=zeros, ST=zeros, ST_conf=zeros))
    # SALib seeds its bootstrap only `if seed:`, so seed=0 would draw from NumPy's global state;
    # hand it a non-zero seed derived from ours (None stays None: a fresh draw each time)
    boot_seed = None if seed is None else int(np.random.default_rng(seed).integers(1, 2**31 - 1))
    sobol_analyze = import_extra("SALib.analyze.sobol", "robustness", say("敏感性分析", "sensitivity analysis"))

    Si = sobol_analyze.analyze(
        problem, Y, calc_second_order=False, num_resamples=num_resamples, conf_level=conf_level, seed=boot_seed
    )
    return pd.DataFrame(dict(head, S1=Si["S1"], S1_conf=Si["S1_conf"], ST=Si["ST"], ST_conf=Si["ST_conf"]))


def summary_sentences(s: Sensitivity, lang: str | None = None, small: float = 0.05) -> list[str]:
    """Which factors drive the spread of the ranking, in sentences (``lang`` "zh" or "en").

    A factor "matters little" when its total index is below ``small``.
    """
    lang = lang or language()
    if lang not in ("zh", "en"):
        raise ValueError(f"lang must be 'zh' or 'en', not {lang!r}")
    zh = lang == "zh"
    idx = s.indices.sort_values("ST", ascending=False, kind="stable")
    label = idx["label"] if zh else idx["label_en"]
    Y = s.outputs
    cfg = s.settings
    if zh:
        lines = [
            f"共运行 {cfg['runs']:,} 次（N = {cfg['samples']:,}）：各单位名次平均偏离实际名次 {Y.mean():.2f} 位"
            f"（随各因素取值不同，在 {Y.min():.2f} 到 {Y.max():.2f} 位之间）。"
        ]
    else:
        lines = [
            f"{cfg['runs']:,} runs (N = {cfg['samples']:,}) moved units by {Y.mean():.2f} places on average "
            f"(from {Y.min():.2f} to {Y.max():.2f} depending on the factors)."
        ]
    if np.ptp(Y.to_numpy()) == 0:
        lines.append(
            "没有任何因素改变排名：各指数均为 0。" if zh else "No factor changes the ranking: every index is 0."
        )
        return lines
    top = idx.iloc[0]
    name = label.iloc[0]
    s1, s1c, st, stc = (_pct(top[k]) for k in ("S1", "S1_conf", "ST", "ST_conf"))
    if zh:
        lines.append(
            f"对名次波动影响最大的是{name}：单独可解释平均名次偏移方差的 {s1}（±{s1c}），"
            f"连同与其他因素的交互作用共 {st}（±{stc}）。"
        )
    else:
        lines.append(
            f"The {name} drives the spread most: alone it explains {s1} (±{s1c}) of the variance of the "
            f"mean rank shift, {st} (±{stc}) with its interactions."
        )
    little = label[idx["ST"] < small].tolist()
    if little:
        lines.append(
            f"影响很小（总效应指数低于 {small:g}）：{'、'.join(little)}。"
            if zh
            else f"Matter little (total index below {small:g}): {', '.join(little)}."
        )
    interactions = _pct(max(0.0, 1.0 - float(idx["S1"].clip(lower=0).sum())))
    lines.append(
        f"因素之间的交互作用约占方差的 {interactions}。"
        if zh
        else f"Interactions between factors account for about {interactions} of the variance."
    )
    return lines


def _pct(x: float) -> str:
    return f"{100 * x:.0f}%"
