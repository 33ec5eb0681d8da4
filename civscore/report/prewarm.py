"""Imported by the report kernel as it starts (see :data:`civscore.report.render.PREWARM`).

The report template's imports take 2-3 s; run here, they overlap with ``civscore report``
importing papermill and nbconvert, and the template's own import cell then finds them loaded.
Importing has no effect on the report's outputs: the template imports the same modules itself.
"""

from __future__ import annotations

import itables  # noqa: F401
import matplotlib.pyplot  # noqa: F401
from IPython.display import display  # noqa: F401

import civscore  # noqa: F401
from civscore.plots import ranking  # noqa: F401
from civscore.tables import report  # noqa: F401
