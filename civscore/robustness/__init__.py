"""How much the ranking depends on its assumptions: Monte Carlo rank intervals and Sobol indices."""
