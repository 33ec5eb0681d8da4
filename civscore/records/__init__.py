"""Record tables and measures (rubric-contract section 8): read, check and aggregate records where
they live — in DuckDB by default, or on Spark — through Ibis expressions compiled from our own
expression tree."""
