"""The workbooks and Word documents through LibreOffice, as an office prints them: they export to
PDF at all (7.4 once failed on ranking.xlsx), on A4, the hand-out sheets at a readable size."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
from printed import cjk_text_size, page_texts, pdf_pages

# (file, a header every printed page of its hand-out sheet repeats, most pages that sheet may take)
WORKBOOKS = [
    ("ranking.xlsx", "各维度得分", 2),
    ("gaps.xlsx", "当前情况", None),
    ("compare_2024_2025.xlsx", "社区名称", 8),
    ("problems.xlsx", "规则", 1),  # one page wide: the 8 problems of the broken sample
    ("candidates.xlsx", "社区代码", None),  # 65 columns: over pages, the unit code on each
]


def to_pdf(soffice: str, source: Path, folder: Path) -> Path:
    folder.mkdir(exist_ok=True)
    run = subprocess.run(
        [soffice, "--headless", "--norestore", "--convert-to", "pdf", "--outdir", str(folder), str(source)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    pdf = folder / (source.stem + ".pdf")
    assert run.returncode == 0 and pdf.exists(), f"LibreOffice could not export {source.name}: {run.stdout}{run.stderr}"
    return pdf


@pytest.mark.parametrize("name, header, budget", WORKBOOKS)
def test_workbook_exports_to_pdf_readably(soffice, poppler, sample_outputs, tmp_path, name, header, budget):
    pdf = to_pdf(soffice, sample_outputs / name, tmp_path)
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    assert "(A4)" in info
    texts = page_texts(pdf)
    handout = [i for i, t in enumerate(texts, start=1) if header in t]
    assert handout and handout[0] == 1, "the hand-out sheet comes first"
    assert handout == list(range(1, len(handout) + 1)), "its pages are together"
    if budget:
        assert len(handout) <= budget, f"{name}: the hand-out takes {len(handout)} pages"
    # every printed page of the hand-out repeats the header and says 第 x 页 共 y 页
    assert all("第" in texts[i - 1] and "页" in texts[i - 1] for i in handout)
    size = cjk_text_size(pdf, 1, min(2, len(handout)))
    assert size >= 8.5, f"{name} prints Chinese at {size:.1f} pt"


@pytest.mark.parametrize("name, pages", [("通报.docx", 6), ("整改清单.docx", None)])
def test_word_documents_export_to_pdf(soffice, poppler, sample_outputs, tmp_path, name, pages):
    pdf = to_pdf(soffice, sample_outputs / name, tmp_path)
    count = pdf_pages(pdf)
    if pages:
        assert count <= pages
    fonts = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True, check=True).stdout
    assert "CJK" in fonts or "Song" in fonts or "Fang" in fonts, fonts  # Chinese text has a Chinese font
    texts = page_texts(pdf)
    assert all(re.search(rf"第\s*\d+\s*页\s*共\s*{count}\s*页", t) for t in texts), "every page is numbered"
    assert cjk_text_size(pdf, 1, 1) >= 10
