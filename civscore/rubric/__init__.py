"""The rubric contract: typed model, safe loading with file:line errors, safe expressions."""

from civscore.rubric.load import load_rubric, parse_rubric_text, rubric_json_schema, rubric_json_schema_text
from civscore.rubric.model import Band, Bonus, Dimension, Indicator, Rubric, Tier, Unit, Veto

__all__ = [
    "Band",
    "Bonus",
    "Dimension",
    "Indicator",
    "Rubric",
    "Tier",
    "Unit",
    "Veto",
    "load_rubric",
    "parse_rubric_text",
    "rubric_json_schema",
    "rubric_json_schema_text",
]
