"""civscore: score and rank communities against civilisation-creation rubrics (文明创建测评).

The public API (rubric-contract section 7)::

    import civscore
    rubric = civscore.load_rubric("rubrics/civilized-community-2025.yaml")
    data = civscore.read_data("data/communities_2025.csv", rubric)
    report = civscore.validate(data, rubric)      # report.ok, report.problems
    result = civscore.score(data, rubric)         # raises civscore.ValidationError
    result.table
"""

import civscore._light_import  # noqa: F401  # first: pandera without PySpark (see the module)
from civscore.analysis.attainment import attainment
from civscore.analysis.compare import Comparison, compare
from civscore.analysis.explain import explain
from civscore.analysis.gaps import gaps
from civscore.errors import CivscoreError, DataError, RubricError, RubricProblem, ValidationError
from civscore.evidence.extract import extract_evidence
from civscore.evidence.sheet import CandidateCounts, candidate_counts, candidate_sheet
from civscore.readers.data import read_data
from civscore.records.measure import RecordsUsage, check_record_names, measure, record_values
from civscore.records.read import RecordFile, read_records
from civscore.report.render import ReportError, render_report
from civscore.result import Result, score
from civscore.robustness.sensitivity import Sensitivity, sensitivity
from civscore.robustness.uncertainty import Uncertainty, uncertainty
from civscore.rubric import Rubric, load_rubric, parse_rubric_text, rubric_json_schema, rubric_json_schema_text
from civscore.tables.compare import write_comparison
from civscore.tables.gaps import write_gaps
from civscore.tables.problems import write_candidates, write_problems
from civscore.validation.check import Checked, check, validate
from civscore.validation.report import ValidationReport
from civscore.validation.schema import build_schema
from civscore.version import __version__
from civscore.writers.atomic import check_output_target, write_text
from civscore.writers.docx import write_gaps_docx, write_report_docx
from civscore.writers.output import RESULT_FORMATS, UnsupportedFormat, check_output_path, write_result, write_table
from civscore.writers.xlsx import points_beside

__all__ = [
    "RESULT_FORMATS",
    "CandidateCounts",
    "Checked",
    "CivscoreError",
    "Comparison",
    "DataError",
    "RecordFile",
    "RecordsUsage",
    "ReportError",
    "Result",
    "Rubric",
    "RubricError",
    "RubricProblem",
    "Sensitivity",
    "Uncertainty",
    "UnsupportedFormat",
    "ValidationError",
    "ValidationReport",
    "__version__",
    "attainment",
    "build_schema",
    "candidate_counts",
    "candidate_sheet",
    "check",
    "check_output_path",
    "check_output_target",
    "check_record_names",
    "compare",
    "explain",
    "extract_evidence",
    "gaps",
    "load_rubric",
    "measure",
    "parse_rubric_text",
    "points_beside",
    "read_data",
    "read_records",
    "record_values",
    "render_report",
    "rubric_json_schema",
    "rubric_json_schema_text",
    "score",
    "sensitivity",
    "uncertainty",
    "validate",
    "write_candidates",
    "write_comparison",
    "write_gaps",
    "write_gaps_docx",
    "write_problems",
    "write_report_docx",
    "write_result",
    "write_table",
    "write_text",
]
