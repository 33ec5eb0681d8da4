"""civscore: score and rank communities against civilisation-creation rubrics (文明创建测评).

The public API (rubric-contract section 7)::

    import civscore
    rubric = civscore.load_rubric("rubrics/civilized-community-2025.yaml")
    data = civscore.read_data("data/communities_2025.csv", rubric)
    report = civscore.validate(data, rubric)      # report.ok, report.problems
    result = civscore.score(data, rubric)         # raises civscore.ValidationError
    result.table
"""

from civscore.analysis.attainment import attainment
from civscore.analysis.compare import Comparison, compare
from civscore.errors import CivscoreError, DataError, RubricError, RubricProblem, ValidationError
from civscore.evidence.extract import extract_evidence
from civscore.evidence.sheet import candidate_sheet
from civscore.readers.data import read_data
from civscore.report.render import render_report
from civscore.result import Result, score
from civscore.robustness.sensitivity import Sensitivity, sensitivity
from civscore.robustness.uncertainty import Uncertainty, uncertainty
from civscore.rubric import Rubric, load_rubric, parse_rubric_text, rubric_json_schema
from civscore.validation.check import validate
from civscore.validation.report import ValidationReport
from civscore.validation.schema import build_schema
from civscore.writers.output import write_result

__all__ = [
    "CivscoreError",
    "Comparison",
    "DataError",
    "Result",
    "Rubric",
    "RubricError",
    "RubricProblem",
    "Sensitivity",
    "Uncertainty",
    "ValidationError",
    "ValidationReport",
    "attainment",
    "build_schema",
    "candidate_sheet",
    "compare",
    "extract_evidence",
    "load_rubric",
    "parse_rubric_text",
    "read_data",
    "render_report",
    "rubric_json_schema",
    "score",
    "sensitivity",
    "uncertainty",
    "validate",
    "write_result",
]
