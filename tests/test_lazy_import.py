"""`import civscore` is light: each public name is imported on first use (issue 16: the command
line's start-up), and every name of ``__all__`` still resolves to the object it always was."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

import civscore

RUBRIC = Path(__file__).resolve().parent.parent / "rubrics" / "civilized-community-2025.yaml"


def test_every_public_name_resolves():
    for name in civscore.__all__:
        assert getattr(civscore, name) is not None, name
    assert set(civscore.__all__) <= set(dir(civscore))


def test_public_names_are_the_objects_of_their_modules():
    from civscore.readers.data import read_data
    from civscore.validation.check import check

    assert civscore.read_data is read_data
    assert civscore.check is check


def test_modules_of_the_package_are_attributes_as_before():
    assert civscore.readers.table.read_table is not None  # type: ignore[attr-defined]
    with pytest.raises(AttributeError, match="no attribute 'no_such_name'"):
        civscore.no_such_name  # type: ignore[attr-defined]  # noqa: B018


def test_import_civscore_and_its_command_line_load_neither_pandera_nor_word():
    code = (
        "import sys, civscore, civscore.cli; civscore.cli.build_parser(); "
        "print(sorted(m for m in ('pandera', 'docx', 'civscore.result') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_pandera_is_imported_when_a_schema_is_needed():
    code = (
        "import sys, civscore\n"
        f"rubric = civscore.load_rubric({str(RUBRIC)!r})\n"
        "civscore.build_schema(rubric)\n"
        "print('pandera' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "True"
