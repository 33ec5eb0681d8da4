"""The bad-input corpus (tests/corpus/cases.yaml): every case's exact message, exit status and
lack of side effects, through the command line (in-process for every case, and through the
installed console script for a sample) and through the Python API, in both languages: Chinese
by default, English with `--lang en` (before or after the command) or CIVSCORE_LANG=en.

Each case runs in its own temporary folder holding copies of its input files, so the messages
name files without folders. Before and after each run every file in that folder is fingerprinted:
the inputs must be unchanged and nothing may be added (no output, no temporary file).
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import shutil
import stat
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pandas as pd
import pytest
import yaml

import civscore
from civscore.cli import main
from civscore.cli.terminal import shown
from civscore.words import LANGUAGES

CORPUS = Path(__file__).resolve().parent / "corpus"
_spec = importlib.util.spec_from_file_location("corpus_fixtures", CORPUS / "make_fixtures.py")
make_fixtures = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(make_fixtures)

CASES: list[dict] = yaml.safe_load((CORPUS / "cases.yaml").read_text(encoding="utf-8"))
DEFAULT_ARGS = ["score", "{rubric}", "{data}", "-o", "out.csv"]
SUBPROCESS_CASES = [c for c in CASES if c.get("subprocess")]
# exit 2 is command-line usage, and `api: false` marks outputs the command refuses: no API equivalent
API_CASES = [c for c in CASES if c["exit"] == 1 and c.get("api", True)]


def _in_language(cases: list[dict]) -> list:
    """Every case once per language, with ids such as `data-percent-sign-en`."""
    return [pytest.param(c, lang, id=f"{c['id']}-{lang}") for c in cases for lang in LANGUAGES]


def test_the_corpus_is_large_and_every_case_is_distinct():
    ids = [c["id"] for c in CASES]
    assert len(ids) >= 40 and len(set(ids)) == len(ids)
    assert all(c["about"] for c in CASES)
    # every message in both languages, and the two differ (a message left untranslated would not)
    assert all(set(c["message"]) == set(LANGUAGES) for c in CASES)
    assert all(c["message"]["zh"].strip() and c["message"]["en"].strip() for c in CASES)
    assert all(c["message"]["zh"] != c["message"]["en"] for c in CASES)
    assert len(SUBPROCESS_CASES) >= 8
    for spec in (
        [c["rubric"] for c in CASES] + [c["data"] for c in CASES] + [e for c in CASES for e in c.get("extra", [])]
    ):
        if spec.startswith("fixture:"):
            assert spec.removeprefix("fixture:") in make_fixtures.FIXTURES, spec
        elif not spec.startswith(("absent:", "fifo:", "link:", "folder:")):
            assert (CORPUS / spec).is_file(), spec


# --- running a case ------------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def default_language(monkeypatch):
    """Every run starts in the default language (Chinese); the English runs choose English
    themselves (--lang en, CIVSCORE_LANG=en)."""
    monkeypatch.delenv("CIVSCORE_LANG", raising=False)


@pytest.fixture(scope="module")
def fixture_cache(tmp_path_factory) -> Path:
    """Generated fixtures, built once; cases get hard links (or copies) of them."""
    return tmp_path_factory.mktemp("corpus-fixtures")


def _place(spec: str, folder: Path, cache: Path) -> str:
    """Put the file named by a case's `rubric`/`data`/`extra` spec into ``folder``; return its name.

    Besides files: `fifo:NAME` makes a named pipe, `folder:NAME` a folder and `link:NAME=TARGET`
    a symbolic link (TARGET relative to the case's folder, or absolute such as /dev/zero).
    """
    kind, _, name = spec.partition(":") if spec.startswith(("fifo:", "link:", "folder:")) else spec.rpartition(":")
    if kind == "absent":
        return name
    if kind == "fifo":
        os.mkfifo(folder / name)
        return name
    if kind == "folder":
        (folder / name).mkdir()
        return name
    if kind == "link":
        name, _, target = name.partition("=")
        os.symlink(target, folder / name)
        return name
    if kind == "fixture":
        source = cache / name
        if not source.exists():
            make_fixtures.build(name, cache)
    else:
        source, name = CORPUS / spec, Path(spec).name
    try:
        os.link(source, folder / name)
    except OSError:
        shutil.copyfile(source, folder / name)
    return name


def _prepare(case: dict, folder: Path, cache: Path) -> list[str]:
    for spec in case.get("extra", []):
        _place(spec, folder, cache)
    rubric = _place(case["rubric"], folder, cache)
    data = _place(case["data"], folder, cache)
    return [a.format(rubric=rubric, data=data) for a in case.get("args", DEFAULT_ARGS)]


def _fingerprint(folder: Path) -> dict[str, tuple]:
    """Every file in ``folder``: size, mtime and a hash (of head and tail only above 64 MB);
    links, pipes and folders by what they are (opening a pipe would wait for a writer)."""
    out: dict[str, tuple] = {}
    for path in sorted(folder.rglob("*")):
        st = path.lstat()
        if not stat.S_ISREG(st.st_mode):
            out[path.name] = (stat.S_IFMT(st.st_mode), os.readlink(path) if path.is_symlink() else None)
            continue
        digest = hashlib.sha256()
        with open(path, "rb") as fh:
            if st.st_size <= 64 * 1024 * 1024:
                digest.update(fh.read())
            else:
                digest.update(fh.read(1 << 20))
                fh.seek(-(1 << 20), os.SEEK_END)
                digest.update(fh.read())
        out[path.name] = (st.st_size, st.st_mtime_ns, digest.hexdigest())
    return out


def _with_language(argv: list[str], lang: str, case: dict) -> list[str]:
    """``--lang en`` before the command for every other case, after it for the rest."""
    if lang == "zh":
        return argv  # the default
    before = CASES.index(case) % 2 == 0
    return ["--lang", lang, *argv] if before else [*argv, "--lang", lang]


@pytest.mark.parametrize(("case", "lang"), _in_language(CASES))
def test_cli_prints_the_exact_message_and_changes_nothing(case, lang, tmp_path, fixture_cache, monkeypatch, capsys):
    argv = _with_language(_prepare(case, tmp_path, fixture_cache), lang, case)
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("CIVSCORE_LANG", raising=False)
    before = _fingerprint(tmp_path)
    try:
        code = main(argv)
    except SystemExit as exc:  # argparse's usage errors
        code = exc.code
    out, err = capsys.readouterr()
    assert code == case["exit"]  # the same in both languages
    assert err == case["message"][lang]
    assert out == ""
    assert "Traceback" not in err
    assert _fingerprint(tmp_path) == before  # inputs untouched; no output and no temporary file


@pytest.mark.parametrize(("case", "lang"), _in_language(API_CASES))
def test_api_raises_the_same_message(case, lang, tmp_path, fixture_cache, monkeypatch):
    argv = _prepare(case, tmp_path, fixture_cache)
    monkeypatch.chdir(tmp_path)
    if lang == "zh":
        monkeypatch.delenv("CIVSCORE_LANG", raising=False)
    else:
        monkeypatch.setenv("CIVSCORE_LANG", lang)
    message = case["message"][lang]
    rubric_path, data_path = argv[1], argv[2]
    sheet = argv[argv.index("--sheet") + 1] if "--sheet" in argv else None
    before = _fingerprint(tmp_path)
    try:
        rubric = civscore.load_rubric(rubric_path)
        data = civscore.read_data(data_path, rubric, sheet=sheet)
    except (civscore.RubricError, civscore.DataError) as exc:
        assert str(exc) + "\n" == message
        if isinstance(exc, civscore.RubricError):
            assert [str(p) for p in exc.problems] == message.splitlines()
    else:
        report = civscore.validate(data, rubric)
        assert not report.ok
        # the CLI frames the same lines with a count and "OUT was not written.", and shows
        # control characters escaped
        lines = report.lines() + report.note_lines()
        assert [shown(line) for line in lines] == message.splitlines()[1:-1]
        with pytest.raises(civscore.ValidationError) as raised:
            civscore.score(data, rubric)
        assert raised.value.report.lines() == report.lines()
        # the same column names in both languages; the rules in the language of the run
        assert list(report.problems.columns) == ["file", "sheet", "row", "unit", "column", "value", "rule"]
        assert all(line.endswith(rule) for line, rule in zip(report.lines(), report.problems["rule"]))
    assert _fingerprint(tmp_path) == before


# --- the installed console script, for a sample: real processes, real exit codes ----------------


def _console_script() -> list[str]:
    script = Path(sys.executable).with_name("civscore")
    return [str(script)] if script.exists() else [sys.executable, "-m", "civscore.cli"]


@pytest.fixture(scope="module")
def console_runs(tmp_path_factory, fixture_cache) -> dict[tuple[str, str], tuple]:
    """Run every sampled case as a real `civscore` process in each language (English through
    CIVSCORE_LANG=en), two at a time (they are slow to start)."""
    base_env = {**os.environ, "PYTHONHASHSEED": "0", "MPLBACKEND": "Agg"}
    base_env.pop("CIVSCORE_DEBUG", None)
    base_env.pop("CIVSCORE_LANG", None)

    def run(job: tuple[dict, str]) -> tuple:
        case, lang = job
        folder = tmp_path_factory.mktemp(f"{case['id']}-{lang}")
        argv = _prepare(case, folder, fixture_cache)
        before = _fingerprint(folder)
        env = base_env if lang == "zh" else {**base_env, "CIVSCORE_LANG": lang}
        proc = subprocess.run(
            _console_script() + argv,
            cwd=folder,
            env=env,
            capture_output=True,
            text=True,
            encoding="utf-8",
            timeout=300,
        )
        return proc, before, _fingerprint(folder)

    for case in SUBPROCESS_CASES:  # build shared fixtures up front, not from two threads at once
        for spec in (case["rubric"], case["data"]):
            name = spec.removeprefix("fixture:")
            if spec.startswith("fixture:") and not (fixture_cache / name).exists():
                make_fixtures.build(name, fixture_cache)
    jobs = [(case, lang) for case in SUBPROCESS_CASES for lang in LANGUAGES]
    with ThreadPoolExecutor(max_workers=2) as pool:
        return dict(zip([(c["id"], lang) for c, lang in jobs], pool.map(run, jobs)))


@pytest.mark.parametrize(("case", "lang"), _in_language(SUBPROCESS_CASES))
def test_console_script_exit_status_and_message(case, lang, console_runs):
    proc, before, after = console_runs[(case["id"], lang)]
    assert proc.returncode == case["exit"]
    assert proc.stderr == case["message"][lang]
    assert proc.stdout == ""
    assert "Traceback" not in proc.stderr
    assert after == before


# --- odd but valid inputs: accepted, and scored exactly like good.csv ---------------------------


@pytest.mark.parametrize(
    "spec",
    [
        "fixture:gbk.csv",
        "fixture:crlf_blank_lines.csv",
        "fixture:full_width.csv",
        "fixture:good.xlsx",
        "fixture:hidden_first_sheet.xlsx",
        "fixture:good.parquet",
        # workbooks as offices make them: read, and said so in the report's notes
        ("fixture:streets.xlsx", "*"),
        "fixture:title_row.xlsx",
        "fixture:title_two_rows.xlsx",
        "fixture:two_row_header.xlsx",
        "fixture:two_row_header_vertical.xlsx",
        "fixture:merged_group.xlsx",
        "fixture:numbers_as_text.xlsx",
        "fixture:stale_dimension.xlsx",
        "fixture:huge_dimension.xlsx",
        "fixture:semicolon_separated.csv",
        "fixture:blank_first_line.csv",
        "fixture:id_as_index.parquet",
    ],
)
def test_odd_but_valid_inputs_score_like_good_csv(spec, tmp_path, fixture_cache):
    spec, sheet = spec if isinstance(spec, tuple) else (spec, None)
    rubric = civscore.load_rubric(CORPUS / "base.yaml")
    expected = civscore.score(civscore.read_data(CORPUS / "good.csv", rubric), rubric).table
    path = tmp_path / _place(spec, tmp_path, fixture_cache)
    got = civscore.score(civscore.read_data(path, rubric, sheet=sheet), rubric).table
    pd.testing.assert_frame_equal(got, expected)


def test_a_sheet_per_street_read_without_star_names_the_sheets_it_left(tmp_path, fixture_cache):
    """Without --sheet '*' only the first sheet is read (contract section 6), and the note says
    which sheets with the same header were left and how to read them all."""
    rubric = civscore.load_rubric(CORPUS / "base.yaml")
    path = tmp_path / _place("fixture:streets.xlsx", tmp_path, fixture_cache)
    data = civscore.read_data(path, rubric, sheet=None)
    expected = civscore.read_data(path, rubric, sheet="*")
    assert 0 < len(data) < len(expected)
    note = data.attrs["notes"][0]
    assert note.startswith("只读取了第一张工作表") and "--sheet '*'" in note
