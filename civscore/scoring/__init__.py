"""The engine: points matrix, missing policies, totals with every stage of contract section 5, tiers, ranks."""
