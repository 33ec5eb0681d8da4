"""What a scored result means: explanations, rectification lists, attainment, comparisons.

Every module here reads the stages and matrices a :class:`~civscore.scoring.scored.Scored`
keeps; none of them re-scores or replays the engine's order of operations.
"""
