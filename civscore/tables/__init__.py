"""Reader-facing tables as values: report tables, hand-outs, comparison and rubric sheets."""
