"""Render the report: execute the template notebook on a kernel of this interpreter, convert it to HTML.

The fixed cost of a report (issue 16) is paid side by side rather than one part after the other:
the kernel starts first and imports what the template imports (:mod:`civscore.report.prewarm`)
while this process imports papermill and nbconvert, and nbconvert compiles its templates in a
thread while the kernel runs the cells.
"""

from __future__ import annotations

import functools
import importlib.util
import sys
import tempfile
import threading
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from civscore.errors import import_extra
from civscore.tables.book import BLANK_ISSUER, issuer_name
from civscore.words import say
from civscore.writers.atomic import write_atomic

# what the report extra (civscore[report]) brings and a report run needs
REPORT_MODULES = ("papermill", "nbconvert", "nbclient", "nbformat", "ipykernel", "jupyter_client", "jinja2", "itables")

# run by the kernel as it starts (ipykernel's exec_lines), before it takes the first cell
PREWARM = ("import civscore.report.prewarm",)

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


def current_python_kernel_manager(exec_lines: Sequence[str] = ()):
    """A jupyter kernel-manager class that starts ipykernel with ``sys.executable``.

    papermill and nbclient normally look a kernel up by name (``python3``); on a machine where
    that name points at another Python, or at none, the report would run with the wrong packages
    or not at all. This class skips the lookup. ``PYTHONHASHSEED=0`` keeps outputs reproducible.
    ``exec_lines`` run in the kernel as it starts, before it answers (nothing they print reaches
    a notebook).
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
                        *(f"--IPKernelApp.exec_lines={line}" for line in exec_lines),
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


def start_kernel(cwd: str | Path, exec_lines: Sequence[str] = PREWARM):
    """Start a kernel of this interpreter in ``cwd`` now and return its (asynchronous) manager;
    the caller shuts it down (:func:`shutdown_kernel`). Started before papermill is imported, it
    boots and runs ``exec_lines`` while this process does the rest of its set-up."""
    from jupyter_core.utils import run_sync

    manager = current_python_kernel_manager(exec_lines)(kernel_name="python3")
    run_sync(manager.start_kernel)(cwd=str(cwd))
    return manager


def shutdown_kernel(manager) -> None:
    """Stop a kernel from :func:`start_kernel` (at once: the notebook has finished with it)."""
    from jupyter_core.utils import run_sync

    run_sync(manager.shutdown_kernel)(now=True)


def execute_notebook(
    notebook: str | Path,
    output: str | Path,
    parameters: dict,
    cwd: str | Path,
    timeout: int = CELL_TIMEOUT,
    kernel=None,
):
    """Run ``notebook`` with papermill ``parameters`` in this interpreter; return the executed notebook.

    ``kernel``: a manager from :func:`start_kernel` to run on (left running); by default
    papermill starts a kernel of this interpreter and stops it at the end.
    A cell that fails raises :class:`ReportError` naming the cell and the error; the partly run
    notebook (with the traceback) is left at ``output`` for inspection.
    """
    with _without_iri_grammar():
        import papermill
        from papermill.exceptions import PapermillExecutionError

    given = {} if kernel is None else {"km": kernel}
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
            # the notebook is written once, when it has run (or failed), not before and after
            # every cell: each save is the whole notebook, charts included, as JSON
            request_save_on_cell_execute=False,
            execution_timeout=timeout,
            **given,
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


@contextmanager
def _without_iri_grammar() -> Iterator[None]:
    """Import the notebook libraries without rfc3987-syntax.

    nbformat imports jsonschema, whose format checkers import rfc3987-syntax when it is
    installed (jupyter-events pulls it in), and that package builds a Lark grammar at import:
    1 to 2.5 s of every report, for the ``iri`` format that no notebook schema uses. It is
    hidden only while jsonschema is first imported, and visible again afterwards.
    """
    if "jsonschema" in sys.modules or "rfc3987_syntax" in sys.modules:
        yield
        return
    sys.modules["rfc3987_syntax"] = None  # type: ignore[assignment]  # None in sys.modules: ImportError
    try:
        yield
    finally:
        if "rfc3987_syntax" in sys.modules and sys.modules["rfc3987_syntax"] is None:
            del sys.modules["rfc3987_syntax"]


def notebook_to_html(notebook, title: str) -> str:
    """An executed notebook as one HTML page: code and prompts hidden, images inline, offline."""
    with _EXPORTING:  # the shared exporter is not meant for two threads at once
        body, _ = _html_exporter().from_notebook_node(notebook, resources={"metadata": {"name": title}})
    return body


_EXPORTING = threading.Lock()


@functools.cache
def _html_exporter():
    """One exporter for every page this process writes: its Jinja environment keeps the
    templates it compiled (about half a second), which a new exporter would compile again."""
    import jinja2

    with _without_iri_grammar():
        from nbconvert import HTMLExporter

    return HTMLExporter(
        extra_loaders=[jinja2.DictLoader({"civscore_report.html.j2": HTML_TEMPLATE})],
        template_file="civscore_report.html.j2",
        exclude_input=True,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
        exclude_anchor_links=True,
        embed_images=True,
        language_code="zh",
    )


def render_report(
    rubric_path: str | Path,
    data_path: str | Path,
    output: str | Path,
    output_dir: str | Path | None = None,
    notebook: str | Path | None = None,
    timeout: int = CELL_TIMEOUT,
    records: Mapping[str, str | Path] | None = None,
    engine: str = "duckdb",
    spark_master: str | None = None,
    previous: str | Path | None = None,
    issuer: str | None = None,
) -> ReportFiles:
    """Run notebook 01 on a rubric and data file and write a self-contained HTML report.

    The notebook also writes ``ranking.csv`` and ``ranking.xlsx`` (the same files as
    ``civscore score``) into ``output_dir``, by default the folder of ``output``. The HTML file
    is written atomically and only if every cell ran. ``records`` gives the file of each record
    table the rubric declares (rubric-contract section 8), aggregated in the notebook's kernel by
    ``engine`` ("duckdb" or "spark", on ``spark_master``). ``previous`` is the previous period's
    unit table that ``previous(name)`` reads (section 9); the page names it. ``issuer`` is the
    制表单位 of ranking.xlsx (else the one of ``civscore.using_issuer``, else CIVSCORE_ISSUER).
    """
    import time

    start = time.perf_counter()
    for module in REPORT_MODULES:  # a plain message naming the install, not an ImportError mid-run
        if importlib.util.find_spec(module) is None:
            import_extra(module, "report", say("HTML 报告", "the HTML report"))
    output = Path(output)
    out_dir = Path(output_dir) if output_dir is not None else output.parent
    notebook = Path(notebook) if notebook is not None else default_notebook()
    if not notebook.is_file():
        raise ReportError(say(f"找不到报告笔记本：{notebook}", f"report notebook not found: {notebook}"))
    parameters: dict[str, object] = {
        "rubric_path": str(Path(rubric_path).resolve()),
        "data_path": str(Path(data_path).resolve()),
        "output_dir": str(out_dir.resolve()),
    }
    if records:
        parameters["records"] = {name: str(Path(path).resolve()) for name, path in records.items()}
        parameters.update(engine=engine, spark_master=spark_master)
    if previous is not None:
        parameters["previous_path"] = str(Path(previous).resolve())
    # the kernel is another process: the issuer chosen here (argument or using_issuer) goes as a parameter
    if issuer_name(issuer) != BLANK_ISSUER:
        parameters["issuer"] = issuer_name(issuer)
    out_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="civscore-report-") as work:
        executed = Path(work) / notebook.name
        kernel = start_kernel(work)
        try:
            with _without_iri_grammar():
                for module in REPORT_MODULES:
                    import_extra(module, "report", say("HTML 报告", "the HTML report"))
            warm = threading.Thread(target=_compile_html_templates, daemon=True)
            warm.start()
            nb = execute_notebook(notebook, executed, parameters, cwd=work, timeout=timeout, kernel=kernel)
        except ReportError as exc:
            # keep the traceback where the user can open it; the HTML is not written
            failed = output.with_name(output.stem + ".failed.ipynb")
            if executed.exists():
                write_atomic(failed, lambda tmp: tmp.write_bytes(executed.read_bytes()))
                raise ReportError(
                    say(f"{exc}（运行了一部分的笔记本在 {failed}）", f"{exc} (the partly run notebook is {failed})")
                ) from None
            raise
        finally:
            shutdown_kernel(kernel)
    title = _report_title(rubric_path)
    warm.join()
    page = notebook_to_html(nb, title)
    write_atomic(output, lambda tmp: tmp.write_text(page, encoding="utf-8"))
    return ReportFiles(
        html=output,
        ranking_csv=out_dir / "ranking.csv",
        ranking_xlsx=out_dir / "ranking.xlsx",
        seconds=time.perf_counter() - start,
    )


def _compile_html_templates() -> None:
    """Export an empty notebook once, so that nbconvert compiles its templates (about half a
    second) in a thread while the kernel runs the cells; the report's own export reuses them."""
    import nbformat

    try:
        notebook_to_html(nbformat.v4.new_notebook(), "")
    except Exception:  # the real export raises the same error, with its context
        pass


def _report_title(rubric_path: str | Path) -> str:
    from civscore.rubric import load_rubric

    rubric = load_rubric(rubric_path)
    return f"{rubric.name}（版本 {rubric.version}）测评结果报告"
