"""report.html as a reader sees it: in Chromium on a desktop and a phone, and printed on A4."""

from __future__ import annotations

import pytest
from printed import page_images, page_texts, pdf_pages

# the 60-unit sample report prints on at most this many A4 pages
PAGE_BUDGET = 8
WIDTHS = (1280, 390)
# every request of an offline page is to the page itself or to data it carries inline
LOCAL = ("file:", "data:", "blob:", "about:")


def open_page(browser, path, width: int, media: str = "screen"):
    page = browser.new_page(viewport={"width": width, "height": 900})
    page.errors, page.remote = [], []
    page.on("console", lambda m: page.errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: page.errors.append(str(e)))
    page.on("request", lambda r: None if r.url.startswith(LOCAL) else page.remote.append(r.url))
    page.on("dialog", lambda d: (page.errors.append(f"dialog: {d.message}"), d.dismiss()))
    page.emulate_media(media=media)
    page.goto(path.as_uri(), wait_until="load")
    page.wait_for_timeout(300)  # the interactive table initialises after load
    return page


@pytest.mark.parametrize("width", WIDTHS)
def test_no_console_errors_no_network_no_horizontal_overflow(browser, sample_outputs, width):
    page = open_page(browser, sample_outputs / "report.html", width)
    assert page.errors == []
    assert page.remote == []
    scroll, client = page.evaluate("[document.documentElement.scrollWidth, document.documentElement.clientWidth]")
    assert scroll <= client, f"the page scrolls sideways at {width} px: {scroll} > {client}"
    page.close()


def test_the_ranking_is_sortable_and_searchable_offline(browser, sample_outputs):
    page = open_page(browser, sample_outputs / "report.html", 1280)
    rows = page.locator(".civ-screen table.dataTable tbody tr")
    assert rows.count() == 60
    page.locator(".civ-screen input[type=search]").fill("光明社区")
    page.wait_for_timeout(200)
    assert rows.count() == 1 and "光明社区" in rows.first.inner_text()
    assert page.remote == [] and page.errors == []
    page.close()


def test_every_table_header_is_chinese(browser, sample_outputs):
    for media in ("screen", "print"):
        page = open_page(browser, sample_outputs / "report.html", 1280, media)
        headers = page.evaluate(
            """() => [...document.querySelectorAll('thead th')]
                .filter(th => th.offsetParent !== null)
                .map(th => th.innerText.trim()).filter(t => t)"""
        )
        assert len(headers) > 30, media
        latin = [h for h in headers if not any("\u4e00" <= ch <= "\u9fff" for ch in h)]
        assert latin == [], (media, latin)
        page.close()


def test_prints_on_a4_within_the_page_budget_without_blank_pages(browser, sample_outputs, poppler, tmp_path):
    page = open_page(browser, sample_outputs / "report.html", 1280, "print")
    pdf = tmp_path / "report.pdf"
    page.pdf(path=str(pdf), format="A4", print_background=True)
    page.close()
    pages = pdf_pages(pdf)
    assert pages <= PAGE_BUDGET, f"{pages} A4 pages"
    texts, images = page_texts(pdf), page_images(pdf)
    # a page shows text or a chart; an empty page is a layout bug
    assert all(len(t.strip()) > 20 or n for t, n in zip(texts, images)), list(zip(map(len, texts), images))
    text = "\f".join(texts)
    # the printed ranking lists every unit, vetoed ones last and marked
    assert text.count("社区") >= 60 and "（否决）" in text
    for word in ("papermill", "YAML", "Python", "notebook"):
        assert word.lower() not in text.lower(), word


def test_printed_content_fits_the_page_width(browser, sample_outputs):
    # A4 less the @page margins is 188 mm = 710 CSS px: nothing may stick out at that width
    page = browser.new_page(viewport={"width": 710, "height": 1000})
    page.emulate_media(media="print")
    page.goto((sample_outputs / "report.html").as_uri(), wait_until="load")
    wide = page.evaluate(
        """() => [...document.querySelectorAll('table, img')]
            .filter(e => e.offsetParent !== null && e.getBoundingClientRect().right > 711)
            .map(e => e.tagName + ' ' + Math.round(e.getBoundingClientRect().right))"""
    )
    assert wide == []
    page.close()


def test_hostile_names_do_not_execute(browser, hostile_report):
    for width in WIDTHS:
        page = open_page(browser, hostile_report, width)
        assert page.evaluate("window.__pwned === undefined"), page.evaluate("window.__pwned")
        assert [e for e in page.errors if "dialog" in e] == []
        text = page.inner_text("body")
        # shown as the text it is, not as markup
        assert "<script>window.__pwned='script'</script>" in text
        assert "window.__pwned = 'rubric'" in text
        assert page.locator("img[src=x]").count() == 0
        page.close()
