"""Checking data against a rubric: cell parsing, the pandera schema, and the problem report."""
