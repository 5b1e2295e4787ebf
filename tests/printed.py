"""Test helper: what a printed page shows, read from a PDF with pdfplumber (sizes, overlaps)."""

from __future__ import annotations

from pathlib import Path

import pdfplumber

A4 = (595.3, 841.9)  # points, portrait


def page_sizes(pdf: Path) -> set[tuple[int, int]]:
    """Each page's (short side, long side), rounded to the point."""
    with pdfplumber.open(pdf) as doc:
        return {tuple(sorted((round(p.width), round(p.height)))) for p in doc.pages}


def smallest_text(pdf: Path) -> float:
    """The smallest font size of any character printed, in points."""
    with pdfplumber.open(pdf) as doc:
        return min(c["size"] for p in doc.pages for c in p.chars if c["text"].strip())


def overlapping_words(pdf: Path, tolerance: float = 0.5) -> list[tuple[int, str, str]]:
    """Pairs of words whose boxes overlap on a page (text printed over other text): (page, word, word)."""
    out = []
    with pdfplumber.open(pdf) as doc:
        for n, page in enumerate(doc.pages, start=1):
            words = sorted(page.extract_words(use_text_flow=False, keep_blank_chars=False),
                           key=lambda w: w["top"])
            for i, a in enumerate(words):
                for b in words[i + 1:]:
                    if b["top"] >= a["bottom"] - tolerance:
                        break
                    if min(a["x1"], b["x1"]) - max(a["x0"], b["x0"]) > tolerance and \
                            min(a["bottom"], b["bottom"]) - max(a["top"], b["top"]) > tolerance:
                        out.append((n, a["text"], b["text"]))
    return out


def text_of(pdf: Path) -> str:
    with pdfplumber.open(pdf) as doc:
        return "\n".join(p.extract_text() or "" for p in doc.pages)


def text_of_page(pdf: Path, page: int = 1) -> str:
    """The text of one page (1-based) as a reader sees it: a word wrapped in the middle is two pieces."""
    with pdfplumber.open(pdf) as doc:
        return doc.pages[page - 1].extract_text() or ""
