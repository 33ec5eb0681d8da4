"""Reports for readers who never open Python: styled tables, and notebook 01 rendered to HTML.

Two halves:

- **tables** (:func:`display_table`, :func:`ranking_styler`, :func:`tier_table`,
  :func:`group_table`, :func:`problems_styler`): the result table with Chinese headers and the
  pandas Stylers the notebooks show. Every Styler gets a fixed id so that notebook outputs are
  identical from run to run (nbval compares them).
- **HTML** (:func:`render_report`): runs ``notebooks/01_evaluate.ipynb`` through papermill with a
  rubric, a data file and an output folder, then exports one self-contained HTML page: code
  hidden, charts embedded as base64 images, no script or style fetched from the network.

The notebook runs in a kernel started from *this* interpreter (``sys.executable``), never from
whatever ``python3`` kernelspec a machine has registered, so ``civscore report`` works on a fresh
machine and always uses the environment civscore is installed in.
"""

from __future__ import annotations

import html
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
from pandas.io.formats.style import Styler

from civscore.io import write_atomic
from civscore.result import Result
from civscore.validate import ValidationReport

NOTEBOOK_NAME = "01_evaluate.ipynb"
# papermill waits this long for any one cell; scoring 100k units takes seconds, not minutes
CELL_TIMEOUT = 600
SCORE_HEADERS = {
    "total": "总分",
    "base": "基础分",
    "bonus": "特色加分",
    "tier": "等级",
    "disqualified": "一票否决",
    "vetoes": "触发的否决项",
    "coverage": "指标覆盖率",
    "rank": "排名",
}
PROBLEM_HEADERS = {"file": "文件", "row": "行号", "unit": "单位", "column": "列", "value": "填写内容", "rule": "规则"}
TIER_SHADES = ["#d9d9d9", "#e8e8e8", "#f2f2f2", "#ffffff"]


# --- words ----------------------------------------------------------------------------------------


def _md(text: object) -> str:
    """Text from a rubric or data file made safe inside Markdown (no accidental bold, links, tables)."""
    out = str(text)
    for ch in "\\`*_[]<>#|":
        out = out.replace(ch, "\\" + ch)
    return out


def veto_effect(veto) -> str:
    """A veto's effect in words: 一票否决, 总分封顶 79 分, 总分扣 5 分."""
    if veto.kind == "fail":
        return "一票否决"
    if veto.kind == "cap":
        return f"总分封顶 {veto.effect.cap:g} 分"
    return f"总分扣 {veto.effect.deduct:g} 分"


def rubric_overview(rubric) -> str:
    """The rubric in a few Markdown lines: identity, points, bonus, vetoes, tiers, unit columns."""
    base = rubric.base_indicators()
    lines = [f"**{_md(rubric.name)}**（编号 `{rubric.id}`，版本 {_md(rubric.version)}）"]
    if rubric.description:
        lines += ["", _md(rubric.description.strip())]
    lines += [
        "",
        f"- 基础分满分 **{rubric.total_points:g}** 分，分 {len(rubric.dimensions)} 个维度、"
        f"{len(base)} 项指标（各维度分值见下表）；",
    ]
    bonus = rubric.bonus_indicators()
    if bonus:
        lines.append(f"- 特色指标 {len(bonus)} 项，加分上限 {rubric.bonus_cap:g} 分，加在基础分之上；")
    if rubric.vetoes:
        items = "；".join(f"{_md(v.name)}（{veto_effect(v)}）" for v in rubric.vetoes)
        lines.append(f"- 否决、限分与扣分项 {len(rubric.vetoes)} 项：{items}；")
    if rubric.tiers:
        tiers = "；".join(f"{_md(t.name)} ≥ {t.min:g} 分" for t in rubric.tiers)
        veto = (
            f"，被一票否决的单位定为 {_md(rubric.effective_veto_tier)}"
            if any(v.kind == "fail" for v in rubric.vetoes)
            else ""
        )
        lines.append(f"- 等级：{tiers}{veto}；")
    unit = rubric.unit
    who = f"- 参评单位以 `{_md(unit.id_column)}` 为编号"
    if unit.name_column:
        who += f"、`{_md(unit.name_column)}` 为名称"
    if unit.group_columns:
        who += "，并在 " + "、".join(f"`{_md(g)}`" for g in unit.group_columns) + " 内另行排名"
    lines.append(who + "。")
    return "\n".join(lines)


def dimension_table(rubric) -> pd.DataFrame:
    """Top-level dimensions with their points, number of indicators and evidence sources, plus totals."""
    base = rubric.base_indicators()
    frame = pd.DataFrame(
        {
            "dim": [path[0] for path, _ in base],
            "points": [ind.points for _, ind in base],
            "source": [ind.source or "" for _, ind in base],
        }
    )
    by = frame.groupby("dim", sort=False)
    sources = by["source"].agg(lambda s: "、".join(dict.fromkeys(x for x in s if x)))
    rows = pd.DataFrame(
        {
            "维度": [d.name for d in rubric.dimensions],
            "分值": [by["points"].sum().get(d.id, 0.0) for d in rubric.dimensions],
            "指标数": [int(by.size().get(d.id, 0)) for d in rubric.dimensions],
            "评价方式": [sources.get(d.id, "") for d in rubric.dimensions],
        }
    )
    extra = [{"维度": "基础分合计", "分值": float(frame["points"].sum()), "指标数": len(frame), "评价方式": ""}]
    bonus = rubric.bonus_indicators()
    if bonus:
        extra.append(
            {
                "维度": f"特色指标（加分上限 {rubric.bonus_cap:g}）",
                "分值": float(sum(i.points for i in bonus)),
                "指标数": len(bonus),
                "评价方式": "、".join(dict.fromkeys(i.source for i in bonus if i.source)),
            }
        )
    out = pd.concat([rows, pd.DataFrame(extra)], ignore_index=True)
    out["分值"] = out["分值"].map("{:g}".format)
    out.index = pd.RangeIndex(1, len(out) + 1)
    return out


def result_summary(result: Result) -> str:
    """The result in a few Markdown sentences: how many units, best and worst, tiers, vetoes, gaps."""
    from civscore.plots.ranking import tier_counts, unit_labels

    table = result.table
    n = len(table)
    if not n:
        return "没有参评单位。"
    labels = unit_labels(result)
    ids = table[result.id_column].astype(str)
    totals = table["total"]
    best, worst = table.iloc[0], table.iloc[-1]
    parts = [f"共 **{n}** 个单位参评。总分平均 {totals.mean():.1f} 分，中位数 {totals.median():.1f} 分。"]
    leaders = ids[table["rank"] == 1]
    names = "、".join(_md(labels[i]) for i in leaders)
    parts.append(
        f"第 1 名：{names}（{best['total']:.1f} 分）" + ("，并列" if len(leaders) > 1 else "") + "；"
        f"最后一名：{_md(labels[ids.iloc[-1]])}（第 {worst['rank']} 名，{worst['total']:.1f} 分）。"
    )
    if result.rubric.tiers:
        counts = tier_counts(result)["单位数"]
        parts.append("等级：" + "，".join(f"{_md(k)} {v} 个" for k, v in counts.items()) + "。")
    vetoed = ids[table["disqualified"]]
    if len(vetoed):
        parts.append(f"被一票否决 {len(vetoed)} 个：" + "、".join(_md(labels[i]) for i in vetoed) + "。")
    partial = int((table["coverage"] < 1 - 1e-9).sum())
    if partial:
        parts.append(f"有合理缺项（指标覆盖率不足 100%、基础分已按比例折算）的单位 {partial} 个。")
    return "\n\n".join(parts)


def dimension_summary(result: Result) -> str:
    """Which dimensions units lose most in, in Markdown: mean, lowest and highest share per dimension."""
    from civscore.plots.ranking import dimension_names, dimension_shares

    shares = dimension_shares(result)
    if shares.empty:
        return ""
    names = dimension_names(result)
    mean = shares.mean().sort_values(kind="stable")
    lines = [
        f"全体单位平均得分率最低的维度是 **{_md(names[mean.index[0]])}**（{mean.iloc[0]:.0f}%），"
        f"最高的是 **{_md(names[mean.index[-1]])}**（{mean.iloc[-1]:.0f}%）。",
        "",
        "| 维度 | 平均得分率 | 最低 | 最高 |",
        "|---|---:|---:|---:|",
    ]
    low, high = shares.min(), shares.max()
    for d in mean.index:
        lines.append(f"| {_md(names[d])} | {mean[d]:.0f}% | {low[d]:.0f}% | {high[d]:.0f}% |")
    return "\n".join(lines)


def veto_table(result: Result) -> pd.DataFrame:
    """One row per unit and triggered veto (一票否决, 限分 or 扣分), in ranking order."""
    rubric = result.rubric
    columns = [
        "排名",
        rubric.unit.id_column,
        *([rubric.unit.name_column] if rubric.unit.name_column else []),
        "否决项",
        "效果",
        "总分",
        "等级",
    ]
    if result.vetoes.empty or not result.vetoes.to_numpy().any():
        return pd.DataFrame(columns=columns)
    table = result.table.set_index(result.table[result.id_column].to_numpy())
    hits = result.vetoes.reindex(table.index).stack()
    hits = hits[hits.astype(bool)]
    unit_ids = hits.index.get_level_values(0)
    veto_ids = hits.index.get_level_values(1)
    by_id = {v.id: v for v in rubric.vetoes}
    out = pd.DataFrame(
        {
            "排名": table.loc[unit_ids, "rank"].to_numpy(),
            rubric.unit.id_column: unit_ids,
            "否决项": [by_id[v].name for v in veto_ids],
            "效果": [veto_effect(by_id[v]) for v in veto_ids],
            "总分": table.loc[unit_ids, "total"].round(2).to_numpy(),
            "等级": table.loc[unit_ids, "tier"].to_numpy(),
        }
    )
    if rubric.unit.name_column:
        out.insert(2, rubric.unit.name_column, table.loc[unit_ids, rubric.unit.name_column].to_numpy())
    out.index = pd.RangeIndex(1, len(out) + 1)
    return out[columns]


# --- tables -------------------------------------------------------------------------------------


def display_table(result: Result) -> pd.DataFrame:
    """The result table for readers: Chinese headers, veto names instead of ids, 是/空 for vetoes.

    Columns and rows are those of ``result.table`` (rubric-contract section 6), renamed:
    ``rank`` -> 排名, ``rank_in_街道`` -> 街道内排名, ``total`` -> 总分, each dimension id -> its
    name, and so on. The id, name and group columns keep the data's own headers.
    """
    rubric = result.rubric
    table = result.table
    out = table.copy()
    veto_names = {v.id: v.name for v in rubric.vetoes}
    if veto_names and len(out):
        parts = out["vetoes"].astype("string").fillna("").str.split(";").explode()
        named = parts[parts != ""].map(lambda v: veto_names.get(v, v))
        out["vetoes"] = named.groupby(level=0).agg("；".join).reindex(out.index, fill_value="")
    out["disqualified"] = out["disqualified"].map({True: "是", False: ""})
    names = dict(SCORE_HEADERS)
    names.update({f"rank_in_{g}": f"{g}内排名" for g in rubric.unit.group_columns})
    taken = set(table.columns) | set(names.values())
    for d in rubric.dimensions:
        # a dimension named like a data column would make two columns with one header
        names[d.id] = d.name if d.name not in taken else f"{d.name}（维度）"
        taken.add(names[d.id])
    return out.rename(columns=names)


def ranking_styler(result: Result, max_rows: int = 200, uuid: str = "ranking") -> Styler:
    """The ranking as a styled table: totals as grey bars, tiers shaded, vetoed units in bold.

    More than ``max_rows`` units: the first ``max_rows`` are shown and the caption says where the
    whole table is (ranking.xlsx). ``uuid`` fixes the HTML ids so that outputs are reproducible.
    """
    full = display_table(result)
    table = full.head(max_rows)
    rubric = result.rubric
    dims = [c for c in table.columns[list(result.table.columns).index("coverage") + 1 :]]
    scores = ["总分", "基础分", "特色加分", *dims]
    top = max(float(result.table["total"].max()) if len(table) else 0.0, rubric.total_points)
    shade = {t.name: TIER_SHADES[min(i, len(TIER_SHADES) - 1)] for i, t in enumerate(rubric.tiers)}
    caption = html.escape(f"{rubric.name}（版本 {rubric.version}）：{len(full)} 个单位的排名")
    if len(full) > len(table):
        caption += f"（此处列出前 {len(table)} 名，完整排名见 ranking.xlsx）"
    styler = (
        table.style.set_uuid(uuid)
        .hide(axis="index")
        .format(na_rep="", escape="html")  # names come from data files: never let them become markup
        .format("{:.2f}", subset=scores, na_rep="")
        .format("{:.0%}", subset=["指标覆盖率"])
        .format_index(escape="html", axis=1)
        .bar(subset=["总分"], color="#bfbfbf", vmin=0, vmax=top, height=70, width=100)
        .map(lambda v: f"background-color: {shade[v]}" if v in shade else "", subset=["等级"])
        .map(lambda v: "font-weight: bold" if v == "是" else "", subset=["一票否决"])
        .set_caption(caption)
        .set_table_styles(
            [
                {"selector": "caption", "props": "caption-side: top; font-weight: bold; text-align: left;"},
                {"selector": "th", "props": "background-color: #f2f2f2; text-align: center;"},
                {"selector": "td", "props": "padding: 2px 6px;"},
            ]
        )
    )
    return styler


def tier_table(result: Result) -> pd.DataFrame:
    """Units per tier in rubric order: 分数区间, 单位数, 占比, 其中一票否决."""
    from civscore.plots.ranking import tier_bounds, tier_counts

    counts = tier_counts(result)
    total = max(int(counts["单位数"].sum()), 1)
    bounds = tier_bounds(result)
    out = pd.DataFrame(
        {
            "分数区间": [bounds[name] for name in counts.index],
            "单位数": counts["单位数"].to_numpy(),
            "占比": (counts["单位数"] / total).map("{:.0%}".format).to_numpy(),
            "其中一票否决": counts["其中一票否决"].to_numpy(),
        },
        index=counts.index,
    )
    return out


def group_table(result: Result, group_column: str) -> pd.DataFrame:
    """Per group (e.g. 街道): units, mean / best / worst total, and units per tier; best mean first."""
    table = result.table
    by = table.groupby(group_column, sort=False)
    out = pd.DataFrame(
        {
            "单位数": by.size(),
            "平均总分": by["total"].mean().round(2),
            "最高分": by["total"].max().round(2),
            "最低分": by["total"].min().round(2),
        }
    )
    tiers = [t.name for t in result.rubric.tiers]
    if tiers:
        per_tier = pd.crosstab(table[group_column], table["tier"]).reindex(columns=tiers, fill_value=0)
        out = out.join(per_tier.reindex(out.index, fill_value=0))
    out = out.sort_values("平均总分", ascending=False, kind="stable")
    out.index.name = group_column
    return out


def problems_styler(report: ValidationReport, uuid: str = "problems") -> Styler:
    """A validation report's problems as a table with Chinese headers (one row per problem)."""
    table = report.problems.rename(columns=PROBLEM_HEADERS)
    table = table.astype({"行号": "Int64"}) if "行号" in table else table
    return (
        table.style.set_uuid(uuid)
        .hide(axis="index")
        .format(na_rep="", escape="html")  # the value column shows cells exactly as typed, markup included
        .set_table_styles(
            [
                {"selector": "th", "props": "background-color: #f2f2f2; text-align: left;"},
                {"selector": "td", "props": "padding: 2px 6px; text-align: left;"},
            ]
        )
    )


# --- running notebook 01 and writing HTML --------------------------------------------------------


@dataclass
class ReportFiles:
    """What :func:`render_report` wrote."""

    html: Path
    ranking_csv: Path
    ranking_xlsx: Path
    seconds: float


class ReportError(RuntimeError):
    """The report notebook could not be run; the message says which cell failed and why."""


def default_notebook() -> Path:
    """``notebooks/01_evaluate.ipynb`` of the civscore project this module belongs to."""
    return Path(__file__).resolve().parents[1] / "notebooks" / NOTEBOOK_NAME


def current_python_kernel_manager():
    """A jupyter kernel-manager class that starts ipykernel with ``sys.executable``.

    papermill and nbclient normally look a kernel up by name (``python3``); on a machine where
    that name points at another Python, or at none, the report would run with the wrong packages
    or not at all. This class skips the lookup. ``PYTHONHASHSEED=0`` keeps outputs reproducible.
    """
    from jupyter_client.kernelspec import KernelSpec
    from jupyter_client.manager import AsyncKernelManager

    class CurrentPythonKernelManager(AsyncKernelManager):
        @property
        def kernel_spec(self) -> KernelSpec:
            if self._kernel_spec is None:
                self._kernel_spec = KernelSpec(
                    # log_level: the kernel app warns on every start that local TCP is unencrypted;
                    # the kernel listens on localhost only, and the warning would alarm report users
                    argv=[
                        sys.executable,
                        "-m",
                        "ipykernel_launcher",
                        "-f",
                        "{connection_file}",
                        "--IPKernelApp.log_level=ERROR",
                    ],
                    display_name=f"Python {sys.version_info.major}.{sys.version_info.minor} (civscore)",
                    language="python",
                    env={"PYTHONHASHSEED": "0"},
                )
            return self._kernel_spec

    return CurrentPythonKernelManager


def execute_notebook(
    notebook: str | Path, output: str | Path, parameters: dict, cwd: str | Path, timeout: int = CELL_TIMEOUT
):
    """Run ``notebook`` with papermill ``parameters`` in this interpreter; return the executed notebook.

    A cell that fails raises :class:`ReportError` naming the cell and the error; the partly run
    notebook (with the traceback) is left at ``output`` for inspection.
    """
    import papermill
    from papermill.exceptions import PapermillExecutionError

    try:
        return papermill.execute_notebook(
            str(notebook),
            str(output),
            parameters=parameters,
            kernel_name="python3",
            kernel_manager_class=current_python_kernel_manager(),
            cwd=str(cwd),
            progress_bar=False,
            log_output=False,
            execution_timeout=timeout,
        )
    except PapermillExecutionError as exc:
        raise ReportError(f"{Path(notebook).name}: cell {exc.exec_count} failed: {exc.ename}: {exc.evalue}") from None


HTML_TEMPLATE = """{%- extends 'lab/index.html.j2' -%}
{#- Self-contained: no require.js, MathJax or Mermaid fetched from a CDN (the report has no
    widgets, formulas or diagrams), and print-friendly styles for paper copies. -#}
{%- block html_head_js_requirejs -%}{%- endblock html_head_js_requirejs -%}
{%- block html_head_js_mathjax -%}{%- endblock html_head_js_mathjax -%}
{%- block html_head_js_mermaidjs -%}{%- endblock html_head_js_mermaidjs -%}
{%- block html_head_css -%}
{#- after JupyterLab's own styles, so these win -#}
<style type="text/css">
  :root {
    --jp-content-font-family: "Noto Sans CJK SC", "Source Han Sans SC", "PingFang SC", "Microsoft YaHei", sans-serif;
    --jp-ui-font-family: var(--jp-content-font-family);
  }
  body { font-family: var(--jp-content-font-family); }
  .jp-Notebook { max-width: 1100px; margin: 0 auto; }
  .jp-RenderedHTMLCommon table { font-size: 12px; }
  .jp-OutputArea-output img { max-width: 100%; height: auto; }
  @media print { .jp-OutputArea-output img { break-inside: avoid; } }
</style>
{%- endblock html_head_css -%}
"""


def notebook_to_html(notebook, title: str) -> str:
    """An executed notebook as one HTML page: code and prompts hidden, images inline, offline."""
    import jinja2
    from nbconvert import HTMLExporter

    exporter = HTMLExporter(
        extra_loaders=[jinja2.DictLoader({"civscore_report.html.j2": HTML_TEMPLATE})],
        template_file="civscore_report.html.j2",
        exclude_input=True,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
        exclude_anchor_links=True,
        embed_images=True,
        language_code="zh",
    )
    body, _ = exporter.from_notebook_node(notebook, resources={"metadata": {"name": title}})
    return body


def render_report(
    rubric_path: str | Path,
    data_path: str | Path,
    output: str | Path,
    output_dir: str | Path | None = None,
    notebook: str | Path | None = None,
    timeout: int = CELL_TIMEOUT,
) -> ReportFiles:
    """Run notebook 01 on a rubric and data file and write a self-contained HTML report.

    The notebook also writes ``ranking.csv`` and ``ranking.xlsx`` (the same files as
    ``civscore score``) into ``output_dir``, by default the folder of ``output``. The HTML file
    is written atomically and only if every cell ran.
    """
    import time

    import nbformat

    start = time.perf_counter()
    output = Path(output)
    out_dir = Path(output_dir) if output_dir is not None else output.parent
    notebook = Path(notebook) if notebook is not None else default_notebook()
    if not notebook.is_file():
        raise ReportError(f"report notebook not found: {notebook}")
    parameters = {
        "rubric_path": str(Path(rubric_path).resolve()),
        "data_path": str(Path(data_path).resolve()),
        "output_dir": str(out_dir.resolve()),
    }
    out_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="civscore-report-") as work:
        executed = Path(work) / notebook.name
        try:
            execute_notebook(notebook, executed, parameters, cwd=work, timeout=timeout)
        except ReportError as exc:
            # keep the traceback where the user can open it; the HTML is not written
            failed = output.with_name(output.stem + ".failed.ipynb")
            if executed.exists():
                write_atomic(failed, lambda tmp: tmp.write_bytes(executed.read_bytes()))
                raise ReportError(f"{exc} (the partly run notebook is {failed})") from None
            raise
        nb = nbformat.read(executed, as_version=4)
    title = _report_title(rubric_path)
    page = notebook_to_html(nb, title)
    write_atomic(output, lambda tmp: tmp.write_text(page, encoding="utf-8"))
    return ReportFiles(
        html=output,
        ranking_csv=out_dir / "ranking.csv",
        ranking_xlsx=out_dir / "ranking.xlsx",
        seconds=time.perf_counter() - start,
    )


def _report_title(rubric_path: str | Path) -> str:
    from civscore.rubric import load_rubric

    rubric = load_rubric(rubric_path)
    return f"{rubric.name}（版本 {rubric.version}）测评结果报告"


__all__ = [
    "ReportError",
    "ReportFiles",
    "current_python_kernel_manager",
    "default_notebook",
    "display_table",
    "execute_notebook",
    "group_table",
    "notebook_to_html",
    "problems_styler",
    "ranking_styler",
    "render_report",
    "tier_table",
]
