"""Render the report: execute the template notebook on a kernel of this interpreter, convert it to HTML."""

from __future__ import annotations

import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from civscore.errors import import_extra
from civscore.words import say
from civscore.writers.atomic import write_atomic

# what the report extra (civscore[report]) brings and a report run needs
REPORT_MODULES = ("papermill", "nbconvert", "nbclient", "nbformat", "ipykernel", "jupyter_client", "jinja2", "itables")

NOTEBOOK_NAME = "01_evaluate.ipynb"
# papermill waits this long for any one cell; scoring 100k units takes seconds, not minutes
CELL_TIMEOUT = 600


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
    """The report notebook shipped inside the package (``notebooks/01_evaluate.ipynb`` links to it),
    so that ``civscore report`` works from a wheel install too."""
    return Path(__file__).resolve().parent / "templates" / NOTEBOOK_NAME


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

        async def start_kernel(self, **kw):
            # The kernel's own stderr goes to a scratch file, not the user's terminal: stopped
            # mid-start (Ctrl-C, SIGTERM) it prints tracebacks of its own that are no news.
            # Cell errors still reach the report as papermill's message.
            kw.setdefault("stderr", _kernel_log())
            return await super().start_kernel(**kw)

    return CurrentPythonKernelManager


def _kernel_log():
    return tempfile.TemporaryFile(prefix="civscore-kernel-")


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
        name, cell, error = Path(notebook).name, exc.exec_count, f"{exc.ename}: {exc.evalue}"
        raise ReportError(
            say(f"{name}：第 {cell} 个单元格运行失败：{error}", f"{name}: cell {cell} failed: {error}")
        ) from None


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
  .jp-OutputArea-output { overflow-x: auto; }
  .jp-OutputArea-output img { max-width: 100%; height: auto; }
  table.civ-bulletin th { white-space: normal; }
  .civ-print { display: none; }
  @media (max-width: 600px) {
    .jp-Notebook { padding: 4px; }
    .jp-Cell { padding: 0; }
  }
  /* Paper: A4, the static ranking instead of the interactive one, no chart or table row split
     across pages, headers repeated, nothing wider than the page. */
  @page { size: A4; margin: 12mm 11mm 13mm 11mm; }
  @media print {
    html, body { font-size: 9.5pt; background: #fff; }
    .jp-Notebook { max-width: none; padding: 0; margin: 0; }
    .jp-Cell, .jp-Cell-outputWrapper, .jp-OutputArea-child { padding: 0 !important; margin: 0; }
    .jp-OutputArea-output { overflow: visible; }
    /* JupyterLab keeps each output on one page; a long table may break (its header repeats) */
    .jp-OutputArea-child { break-inside: auto !important; page-break-inside: auto !important; }
    .civ-screen { display: none !important; }
    .civ-print { display: block; }
    h1 { font-size: 16pt; margin: 0 0 4pt; }
    h2 { font-size: 12.5pt; margin: 8pt 0 3pt; break-after: avoid; }
    /* a section's heading and text stay with the chart or table that follows them */
    .jp-MarkdownCell { break-after: avoid-page; page-break-after: avoid; }
    h3 { font-size: 11pt; margin: 6pt 0 2pt; break-after: avoid; }
    p, li { margin: 1pt 0; line-height: 1.4; }
    .jp-RenderedHTMLCommon table { font-size: 8pt; max-width: 100%; break-inside: auto; }
    .jp-RenderedHTMLCommon td, .jp-RenderedHTMLCommon th { padding: 1px 3px; }
    table.civ-bulletin { width: 100%; font-size: 7.5pt; table-layout: auto; }
    table.civ-bulletin td, table.civ-bulletin th { padding: 0 2px; line-height: 1.25; }
    thead { display: table-header-group; }
    tr { break-inside: avoid; }
    .jp-RenderedImage, .jp-OutputArea-output img { break-inside: avoid; page-break-inside: avoid; }
    .jp-OutputArea-output img { max-height: 222mm; width: auto; max-width: 100%; }
  }
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

    for module in REPORT_MODULES:  # a plain message naming the install, not an ImportError mid-run
        import_extra(module, "report", say("HTML 报告", "the HTML report"))
    import nbformat

    start = time.perf_counter()
    output = Path(output)
    out_dir = Path(output_dir) if output_dir is not None else output.parent
    notebook = Path(notebook) if notebook is not None else default_notebook()
    if not notebook.is_file():
        raise ReportError(say(f"找不到报告笔记本：{notebook}", f"report notebook not found: {notebook}"))
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
                raise ReportError(
                    say(f"{exc}（运行了一部分的笔记本在 {failed}）", f"{exc} (the partly run notebook is {failed})")
                ) from None
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
