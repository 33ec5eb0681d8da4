"""Terminal output that user text cannot take over: control characters are shown, not obeyed.

An id or a column name holding ESC sequences could clear the screen and print a forged
"OK"; a right-to-left override could reverse what follows. Every character of that kind that
reaches the terminal through the command's streams is written as an escape (``\\x1b``,
``\\u202e``) instead; newlines and tabs pass.
"""

from __future__ import annotations

import re
from typing import TextIO

_CONTROL = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u00ad\u061c\u180e\u200b-\u200f\u2028-\u202e\u2060-\u2064\u2066-\u206f\ufeff]"
)


def _escape(match: re.Match) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def shown(text: str) -> str:
    """``text`` with every control, bidirectional and invisible format character escaped."""
    return _CONTROL.sub(_escape, text)


class EscapingStream:
    """A text stream that escapes what :func:`shown` escapes and passes everything else on."""

    def __init__(self, stream: TextIO):
        self._stream = stream

    def write(self, text: str) -> int:
        self._stream.write(shown(text))
        return len(text)

    def __getattr__(self, name: str):
        return getattr(self._stream, name)
