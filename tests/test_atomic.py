"""No lost work: outputs are written to a temporary file and renamed into place.

A real `civscore score` process is stopped in the middle of writing (SIGKILL, SIGTERM, SIGINT;
CSV, XLSX, Parquet): the previous output must be intact, no partial output may appear, and when
the process can still clean up (SIGTERM, SIGINT) no temporary file may be left either. A run
that fails validation must leave existing outputs untouched.
"""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

import civscore
from civscore.cli import main
from civscore.writers.atomic import write_atomic

CORPUS = Path(__file__).resolve().parent / "corpus"

# Runs `civscore.cli.main` with one writer slowed down: it writes half of its bytes and then
# waits (mode "during-write"), or waits just before the rename (mode "before-rename"), after
# touching a marker file so the test knows when to send its signal.
SLOW_WRITER = r"""
import io, os, sys, time
from pathlib import Path
import pandas as pd
import civscore.writers.xlsx
from civscore.cli import main

mode, marker = sys.argv[1], Path(sys.argv[2])

def wait_here():
    marker.write_text("writing")
    time.sleep(120)

def half_then_wait(path, produce):
    buffer = io.BytesIO()
    produce(buffer)
    data = buffer.getvalue()
    with open(path, "wb") as fh:
        fh.write(data[: len(data) // 2])
        fh.flush()
        os.fsync(fh.fileno())
    wait_here()

if mode == "during-write":
    real_csv, real_parquet = pd.DataFrame.to_csv, pd.DataFrame.to_parquet
    real_book = civscore.writers.xlsx._write_workbook
    pd.DataFrame.to_csv = lambda self, path, **kw: half_then_wait(path, lambda b: real_csv(self, b, **kw))
    pd.DataFrame.to_parquet = lambda self, path, **kw: half_then_wait(path, lambda b: real_parquet(self, b, **kw))
    civscore.writers.xlsx._write_workbook = lambda result, path: half_then_wait(path, lambda b: real_book(result, b))
else:
    real_replace = os.replace
    def slow_replace(src, dst):
        wait_here()
        real_replace(src, dst)
    os.replace = slow_replace

sys.exit(main(sys.argv[3:]))
"""


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _temp_files(folder: Path, target: str) -> list[Path]:
    return sorted(folder.glob(f".{target}.*.tmp"))


def _previous_output(folder: Path, name: str) -> str:
    """A finished output from other data, so that a replaced file would be noticed."""
    rubric = civscore.load_rubric(CORPUS / "base.yaml")
    text = (CORPUS / "good.csv").read_text(encoding="utf-8").replace("85.5,", "99.5,")
    (folder / "old.csv").write_text(text, encoding="utf-8")
    civscore.write_result(civscore.score(civscore.read_data(folder / "old.csv", rubric), rubric), folder / name)
    return _digest(folder / name)


@pytest.mark.parametrize(
    "sig, out, mode, had_previous",
    [
        (signal.SIGKILL, "ranking.csv", "during-write", True),
        (signal.SIGTERM, "ranking.xlsx", "during-write", False),
        (signal.SIGINT, "ranking.parquet", "before-rename", True),
    ],
    ids=["SIGKILL-csv", "SIGTERM-xlsx-first-write", "SIGINT-parquet-before-rename"],
)
def test_a_killed_writer_loses_nothing(tmp_path, sig, out, mode, had_previous):
    for name in ("base.yaml", "good.csv"):
        (tmp_path / name).write_bytes((CORPUS / name).read_bytes())
    previous = _previous_output(tmp_path, out) if had_previous else None
    marker = tmp_path / "marker"
    env = {**os.environ, "PYTHONHASHSEED": "0", "MPLBACKEND": "Agg"}
    proc = subprocess.Popen(
        [sys.executable, "-c", SLOW_WRITER, mode, str(marker), "score", "base.yaml", "good.csv", "-o", out],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        encoding="utf-8",
    )
    try:
        deadline = time.monotonic() + 120
        while not marker.exists():
            assert proc.poll() is None, proc.communicate()
            assert time.monotonic() < deadline, "the writer never started"
            time.sleep(0.05)
        # mid-write: the bytes so far sit in a hidden temporary file, the target is untouched
        assert len(_temp_files(tmp_path, out)) == 1
        assert (_digest(tmp_path / out) if had_previous else (tmp_path / out).exists()) == (previous or False)
        proc.send_signal(sig)
        _, stderr = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    if had_previous:
        assert _digest(tmp_path / out) == previous  # the previous output, byte for byte
    else:
        assert not (tmp_path / out).exists()  # no partial output where the user looks
    assert "Traceback" not in stderr
    if sig == signal.SIGKILL:
        # nothing can run after SIGKILL: a hidden .NAME.*.tmp may remain (documented), never NAME
        assert proc.returncode == -signal.SIGKILL
    else:
        assert proc.returncode == 130
        assert stderr.strip() == "已中断；没有写出任何文件"
        assert _temp_files(tmp_path, out) == []


@pytest.mark.parametrize("out", ["ranking.csv", "ranking.xlsx", "ranking.parquet"])
def test_failed_validation_leaves_existing_outputs_untouched(tmp_path, out, monkeypatch, capsys):
    for name in ("base.yaml",):
        (tmp_path / name).write_bytes((CORPUS / name).read_bytes())
    (tmp_path / "bad.csv").write_bytes((CORPUS / "data" / "percent_sign.csv").read_bytes())
    previous = _previous_output(tmp_path, out)
    stamp = (tmp_path / out).stat().st_mtime_ns
    monkeypatch.chdir(tmp_path)
    assert main(["score", "base.yaml", "bad.csv", "-o", out]) == 1
    assert f"未写出 {out}。" in capsys.readouterr().err
    assert _digest(tmp_path / out) == previous
    assert (tmp_path / out).stat().st_mtime_ns == stamp
    assert _temp_files(tmp_path, out) == []


def test_a_writer_that_fails_halfway_leaves_the_target_and_no_temp_file(tmp_path):
    target = tmp_path / "table.csv"
    target.write_text("old\n", encoding="utf-8")

    def breaks(tmp: Path) -> None:
        tmp.write_text("half of the n", encoding="utf-8")
        raise RuntimeError("disk full")

    with pytest.raises(RuntimeError, match="disk full"):
        write_atomic(target, breaks)
    assert target.read_text(encoding="utf-8") == "old\n"
    assert _temp_files(tmp_path, "table.csv") == []


def test_an_unwritable_output_is_a_plain_message_not_a_traceback(tmp_path, monkeypatch, capsys):
    for name in ("base.yaml", "good.csv"):
        (tmp_path / name).write_bytes((CORPUS / name).read_bytes())
    (tmp_path / "taken.csv").mkdir()  # e.g. a folder where the output should go
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("CIVSCORE_LANG", "en")
    assert main(["score", "base.yaml", "good.csv", "-o", "taken.csv"]) == 1
    err = capsys.readouterr().err
    assert err == "taken.csv: is a folder; give the name of a file to write\n"
    monkeypatch.delenv("CIVSCORE_LANG")
    assert main(["score", "base.yaml", "good.csv", "-o", "taken.csv"]) == 1
    assert capsys.readouterr().err == "taken.csv: 是文件夹；请给出要写入的文件名\n"
    assert _temp_files(tmp_path, "taken.csv") == []


def test_outputs_get_ordinary_permissions(tmp_path):
    """Temporary files are private (0600); the finished output must not stay that way."""
    mask = os.umask(0o022)
    try:
        fresh = write_atomic(tmp_path / "new.csv", lambda tmp: tmp.write_text("a\n"))
        assert fresh.stat().st_mode & 0o777 == 0o644
        kept = tmp_path / "kept.csv"
        kept.write_text("old\n")
        kept.chmod(0o640)
        write_atomic(kept, lambda tmp: tmp.write_text("new\n"))
        assert kept.stat().st_mode & 0o777 == 0o640  # a replaced file keeps its mode
    finally:
        os.umask(mask)
