"""The error types of the public API. Each carries every problem found, not only the first."""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from types import ModuleType
from typing import TYPE_CHECKING

from civscore.words import say

if TYPE_CHECKING:
    from civscore.validation.report import ValidationReport


class CivscoreError(Exception):
    """Base class of every error civscore raises on purpose for bad input."""


class MissingExtraError(CivscoreError, ImportError):
    """A part of civscore whose optional packages (an extra, e.g. ``civscore[report]``) are not installed."""


def import_extra(module: str, extra: str, feature: str) -> ModuleType:
    """Import ``module`` of the optional ``extra``; if it is not installed, say which install to run."""
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        missing = exc.name or module
        raise MissingExtraError(
            say(
                f"{feature}需要可选组件 {missing}，尚未安装：pip install 'civscore[{extra}]'",
                f"{feature} needs the optional package {missing}, which is not installed: "
                f"pip install 'civscore[{extra}]'",
            )
        ) from None


@dataclass(frozen=True)
class RubricProblem:
    """One problem in a rubric file: where it is and what is wrong, in plain words."""

    file: str
    line: int | None
    path: str
    message: str
    # the indicator, veto, measure or dimension the problem sits in, and that item's own path
    owner: str = ""
    owner_path: str = ""

    @property
    def shown_path(self) -> str:
        """The key path with the owner's id after the owner's part: ``dimensions[0].indicators[2] (vio).bands``."""
        if self.owner and self.path.startswith(self.owner_path):
            return f"{self.owner_path} ({self.owner}){self.path[len(self.owner_path) :]}"
        return self.path

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        return f"{where} {self.shown_path}: {self.message}" if self.path else f"{where}: {self.message}"


class RubricError(CivscoreError):
    """A rubric that cannot be used; ``problems`` lists every problem found."""

    def __init__(self, problems: list[RubricProblem]):
        self.problems = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


class DataError(CivscoreError):
    """A data file that cannot be read at all (missing, empty, binary, undecodable, too large)."""

    def __init__(self, file: str, message: str):
        self.file = file
        self.message = message
        super().__init__(f"{file}: {message}")


class OutputError(CivscoreError):
    """An output that must not be written: a folder, a pipe or device, one of the inputs, an
    unwritable folder, or a table over the format's limits. Nothing was written."""

    def __init__(self, file: str, message: str):
        self.file = file
        self.message = message
        super().__init__(f"{file}: {message}")


class ValidationError(CivscoreError):
    """Data that does not satisfy the rubric; ``report`` lists every problem."""

    def __init__(self, report: ValidationReport):
        self.report = report
        super().__init__(report.summary())
