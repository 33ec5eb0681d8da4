"""civscore: score and rank communities against civilisation-creation rubrics (文明创建测评).

The public API (rubric-contract section 7)::

    import civscore
    rubric = civscore.load_rubric("rubrics/civilized-community-2025.yaml")
    data = civscore.read_data("data/communities_2025.csv", rubric)
    report = civscore.validate(data, rubric)      # report.ok, report.problems
    result = civscore.score(data, rubric)         # raises civscore.ValidationError
    result.table
"""

from civscore.data import read_data
from civscore.engine import score
from civscore.errors import CivscoreError, DataError, RubricError, RubricProblem, ValidationError
from civscore.export import write_result
from civscore.result import Result
from civscore.rubric import Rubric, load_rubric, parse_rubric_text, rubric_json_schema
from civscore.validate import ValidationReport, build_schema, validate

__all__ = [
    "CivscoreError",
    "DataError",
    "Result",
    "Rubric",
    "RubricError",
    "RubricProblem",
    "ValidationError",
    "ValidationReport",
    "build_schema",
    "load_rubric",
    "parse_rubric_text",
    "read_data",
    "rubric_json_schema",
    "score",
    "validate",
    "write_result",
]
