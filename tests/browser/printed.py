"""Reading printed PDFs with poppler: page counts, page texts, the size Chinese text prints at."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path


def pdf_pages(path: Path) -> int:
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout
    return int(re.search(r"^Pages:\s+(\d+)", info, re.M).group(1))


def page_texts(path: Path) -> list[str]:
    """The text of each page of a PDF."""
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True).stdout
    return text.split("\f")[: pdf_pages(path)]


def cjk_text_size(path: Path, first: int, last: int) -> float:
    """Median printed size (pt) of Chinese text on pages first..last: a CJK glyph is as wide as its size."""
    xml = subprocess.run(
        ["pdftotext", "-bbox", "-f", str(first), "-l", str(last), str(path), "-"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    sizes = sorted(
        (float(x1) - float(x0)) / len(word)
        for x0, x1, word in re.findall(
            r'<word xMin="([\d.]+)" yMin="[\d.]+" xMax="([\d.]+)" yMax="[\d.]+">([^<]+)</word>', xml
        )
        if len(word) >= 3 and all("\u4e00" <= ch <= "\u9fff" for ch in word)
    )
    assert sizes, f"no Chinese text on pages {first}-{last} of {path.name}"
    return sizes[len(sizes) // 2]


def page_images(path: Path) -> list[int]:
    """How many images each page of a PDF shows (pdfimages -list)."""
    listing = subprocess.run(["pdfimages", "-list", str(path)], capture_output=True, text=True, check=True).stdout
    counts = [0] * pdf_pages(path)
    for line in listing.splitlines()[2:]:
        fields = line.split()
        if fields and fields[0].isdigit() and fields[2] == "image":
            counts[int(fields[0]) - 1] += 1
    return counts
