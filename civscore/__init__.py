"""civscore: score and rank communities against civilisation-creation rubrics (文明创建测评).

The public API (rubric-contract section 7)::

    import civscore
    rubric = civscore.load_rubric("rubrics/civilized-community-2025.yaml")
    data = civscore.read_data("data/communities_2025.csv", rubric)
    report = civscore.validate(data, rubric)      # report.ok, report.problems
    result = civscore.score(data, rubric)         # raises civscore.ValidationError
    result.table
"""

from civscore.attainment import attainment
from civscore.compare import Comparison, compare
from civscore.data import read_data
from civscore.engine import score
from civscore.errors import CivscoreError, DataError, RubricError, RubricProblem, ValidationError
from civscore.evidence import extract_evidence
from civscore.evidence_sheet import candidate_sheet
from civscore.export import write_result
from civscore.report import render_report
from civscore.result import Result
from civscore.rubric import Rubric, load_rubric, parse_rubric_text, rubric_json_schema
from civscore.sensitivity import Sensitivity, sensitivity
from civscore.uncertainty import Uncertainty, uncertainty
from civscore.validate import ValidationReport, build_schema, validate

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
