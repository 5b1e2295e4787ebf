"""The Relazione PDF (``perf-xl publish``) on the shipped 2022 workbooks: a document, not a printed sheet.

The PDF is built once for the module (about 5 s) and read with pypdf (structure, metadata, fonts,
text in content order) and pdfplumber (every character's size and every word's box). Rendering it
and looking at the pages is a manual step (see the README); what a machine can check is here: A4,
no text under 8 pt, no two words on top of each other, every indicator present, PDF/A identified,
tagged, fonts embedded, «Pagina N di M» on every page, the incomplete run said on page 1, the areas
that do not reproduce the published score marked, and the command itself.
"""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import pytest

pdfplumber = pytest.importorskip("pdfplumber")
pypdf = pytest.importorskip("pypdf")

from perf_xl.app.consolidate import shipped_workbooks  # noqa: E402
from perf_xl.app.publish import publish_folder  # noqa: E402
from perf_xl.io.pdf import pdf_unavailable, write_relazione_pdf  # noqa: E402
from perf_xl.readable import readable  # noqa: E402

from cli_runner import run_cli  # noqa: E402

if pdf_unavailable():  # pragma: no cover - a machine without Pango
    if os.environ.get("PERF_XL_REQUIRE_PDF") == "1":
        pytest.fail(f"the PDF is required here (PERF_XL_REQUIRE_PDF=1): {pdf_unavailable()}", pytrace=False)
    pytest.skip(f"{pdf_unavailable()} (PERF_XL_REQUIRE_PDF=1 makes this a failure)", allow_module_level=True)

HYPHENS = str.maketrans("", "", "\u2010\u00ad")  # the hyphens the typesetter adds where it breaks a word


def squeeze(text: str) -> str:
    """Text without whitespace and without the typesetter's hyphens: a name broken over lines, or
    wrapped differently, still compares equal."""
    return re.sub(r"\s+", "", text.translate(HYPHENS))


@pytest.fixture(scope="module")
def run():
    return publish_folder(shipped_workbooks())


@pytest.fixture(scope="module")
def pdf_path(run, tmp_path_factory) -> Path:
    return write_relazione_pdf(tmp_path_factory.mktemp("pdf") / "Relazione_2022.pdf", run)


@pytest.fixture(scope="module")
def reader(pdf_path):
    return pypdf.PdfReader(str(pdf_path))


@pytest.fixture(scope="module")
def page_texts(reader) -> list[str]:
    return [p.extract_text() for p in reader.pages]


@pytest.fixture(scope="module")
def plumbed(pdf_path):
    """Per page: (its characters' sizes, its words' boxes)."""
    with pdfplumber.open(str(pdf_path)) as pdf:
        return [([ch["size"] for ch in page.chars],
                 [(w["x0"], w["top"], w["x1"], w["bottom"], w["text"]) for w in page.extract_words()])
                for page in pdf.pages]


def test_every_page_is_a4_portrait(reader):
    assert len(reader.pages) > 10
    for page in reader.pages:
        box = page.mediabox
        assert (round(float(box.width)), round(float(box.height))) == (595, 842)


def test_no_text_smaller_than_8_points(plumbed):
    sizes = [s for page_sizes, _ in plumbed for s in page_sizes]
    assert sizes and min(sizes) >= 8 - 0.01, min(sizes)


def _overlaps(words, tolerance: float = 0.5) -> list[tuple]:
    """Pairs of words whose boxes intersect by more than ``tolerance`` points either way (a sweep on x)."""
    found, active = [], []
    for w in sorted(words):
        active = [a for a in active if a[2] - tolerance > w[0]]
        for a in active:
            if min(a[3], w[3]) - max(a[1], w[1]) > tolerance and min(a[2], w[2]) - max(a[0], w[0]) > tolerance:
                found.append((a[4], w[4]))
        active.append(w)
    return found


def test_no_two_words_overlap(plumbed):
    bad = {i + 1: pairs[:3] for i, (_, words) in enumerate(plumbed) if (pairs := _overlaps(words))}
    assert not bad, bad


def test_the_overlap_check_sees_an_overlap():
    assert _overlaps([(0, 0, 30, 10, "Target"), (20, 2, 60, 12, "Consuntivo")]) == [("Target", "Consuntivo")]
    assert not _overlaps([(0, 0, 30, 10, "a"), (31, 0, 60, 10, "b"), (0, 11, 30, 20, "c")])


def test_every_indicator_of_the_workbooks_is_in_the_text(run, page_texts):
    text = squeeze("".join(page_texts))
    names = [s.row.indicator for a in run.areas for o in a.objectives for s in o.indicators]
    assert len(names) == 139
    missing = [n for n in names if squeeze(readable(n)) not in text]
    assert not missing, missing[:5]
    # the source's LaTeX is read, not printed
    assert "\\text" not in "".join(page_texts) and "$" not in "".join(page_texts)


def test_pdfa_identification_in_the_xmp_metadata(reader):
    xmp = reader.trailer["/Root"]["/Metadata"].get_object().get_data().decode("utf-8")
    part = re.search(r'pdfaid:part(?:="|>)(\d)', xmp)
    conformance = re.search(r'pdfaid:conformance(?:="|>)([ABU])', xmp)
    assert part and conformance, xmp
    assert (part.group(1), conformance.group(1)) == ("3", "A")
    assert "Relazione sulla Performance 2022" in xmp  # dc:title


def test_tagged_with_language_and_title(reader):
    root = reader.trailer["/Root"]
    assert bool(root["/MarkInfo"]["/Marked"]) is True
    assert "/StructTreeRoot" in root
    assert root["/Lang"] == "it"
    assert bool(root["/ViewerPreferences"]["/DisplayDocTitle"]) is True
    assert reader.metadata.title == "Relazione sulla Performance 2022 — Comune di Cremona — Allegato B"


def _structure(node, out: list) -> list:
    """Every element of the structure tree (dictionaries with an /S role), depth first."""
    node = node.get_object() if hasattr(node, "get_object") else node
    if isinstance(node, dict):
        if "/S" in node:
            out.append(node)
        if "/K" in node:
            _structure(node["/K"], out)
    elif isinstance(node, list):
        for child in node:
            _structure(child, out)
    return out


def test_the_structure_tree_has_headings_tables_and_the_chart_in_words(run, reader):
    elements = _structure(reader.trailer["/Root"]["/StructTreeRoot"], [])
    roles = [e["/S"] for e in elements]
    assert roles.count("/H1") == 1 and roles.count("/H2") == len(run.areas) + 2  # Sintesi, areas, Note e anomalie
    assert roles.count("/Table") >= len(run.areas) + 1 and roles.count("/TH") > 0
    figures = [e for e in elements if e["/S"] == "/Figure"]
    assert len(figures) == 1
    alt = str(figures[0]["/Alt"])
    assert "Ambiente: ricalcolato 96,25, pubblicato 96,25" in alt and "Sport: ricalcolato 86,33" in alt


def _fonts(resources, seen: set) -> list:
    """Every font of a page's resources, those of its form XObjects (the chart) too."""
    out = []
    if not resources:
        return out
    resources = resources.get_object()
    for font in (resources.get("/Font") or {}).values():
        font = font.get_object()
        if id(font) not in seen:
            seen.add(id(font))
            out.append(font)
    for xobject in (resources.get("/XObject") or {}).values():
        xobject = xobject.get_object()
        if xobject.get("/Subtype") == "/Form":
            out.extend(_fonts(xobject.get("/Resources"), seen))
    return out


def test_every_font_is_embedded(reader):
    seen: set = set()
    fonts = [f for page in reader.pages for f in _fonts(page.get("/Resources"), seen)]
    assert fonts
    for font in fonts:
        descriptor_of = font["/DescendantFonts"][0].get_object() if font.get("/Subtype") == "/Type0" else font
        descriptor = descriptor_of["/FontDescriptor"].get_object()
        assert {"/FontFile", "/FontFile2", "/FontFile3"} & set(descriptor), font.get("/BaseFont")


def test_every_footer_says_page_n_of_m_and_the_title(page_texts):
    n = len(page_texts)
    for i, text in enumerate(page_texts, 1):
        assert f"Pagina {i} di {n}" in text, i
        assert "Relazione sulla Performance 2022 — Comune di Cremona — Allegato B" in text, i


def test_title_page_sintesi_and_notes(run, page_texts):
    first = page_texts[0]
    for words in ("Comune di Cremona".upper(), "Allegato B", "Relazione sulla Performance 2022",
                  "Stato di attuazione del Piano degli Obiettivi anno 2022"):
        assert words in first
    assert "Relazione incompleta" not in first
    assert "Sintesi" in page_texts[1] and "Ricalcolato" in page_texts[1] and "Pubblicato" in page_texts[1]
    # Italian numbers: the Sintesi's scores with a decimal comma
    assert "96,25" in page_texts[1] and "86,33" in page_texts[1]
    notes = squeeze(page_texts[-1])
    for words in ("Note e anomalie", "Aree che non riproducono il punteggio pubblicato", "OB43",
                  "sommano a 82 invece di 100", "2022_settore-polizia-locale.xlsx"):
        assert squeeze(words) in notes, words


def test_each_area_starts_a_page_with_its_score_and_the_unreproduced_are_marked(run, page_texts):
    starts = {}
    for a in run.areas:
        heading = squeeze(readable(a.name))
        page = next(i for i, t in enumerate(page_texts) if squeeze(t).find(heading) >= 0 and i > 1)
        starts[a.number] = page
        text = page_texts[page]
        score = f"{a.score:.2f}".replace(".", ",")
        assert f"% Raggiungimento obiettivi per area strategica {score} %" in text, a.name
        assert ("Punteggio NON riprodotto" in text) == (a.reproduces is False), a.name
    assert sorted(starts.values()) == list(starts.values())  # in the Relazione's order, one after another
    assert sum(a.reproduces is False for a in run.areas) == 2


def test_the_barometro_is_a_word_beside_its_colour(page_texts):
    area_pages = "".join(page_texts[2:-1])
    assert area_pages.count("verde") > 100 and "giallo" in area_pages


# --- the command ----------------------------------------------------------------------------------

def test_publish_through_the_cli(tmp_path):
    out = tmp_path / "pubblicazione"
    r = run_cli(["publish", str(shipped_workbooks()), "--out", str(out)], cwd=tmp_path)
    assert r.exit == 0, r.stdout + r.stderr
    assert sorted(p.name for p in out.iterdir()) == ["Relazione_2022.pdf", "Relazione_2022.xlsx", "aree.csv",
                                                     "datapackage.json", "indicatori.csv", "obiettivi.csv"]
    import frictionless  # the open data beside the Relazione pass frictionless's own validator

    assert frictionless.validate(out / "datapackage.json").valid
    assert "Pubblicazione scritta in" in r.stdout and "Relazione_2022.pdf" in r.stdout
    assert "139 indicatori" in r.stdout
    assert not r.stderr


def test_an_incomplete_run_says_so_on_page_1_and_in_its_exit_code(tmp_path):
    folder = tmp_path / "settori"
    folder.mkdir()
    for src in sorted(shipped_workbooks().glob("*.xlsx"))[:2]:
        shutil.copy(src, folder / src.name)
    (folder / "2022_settore-rotto.xlsx").write_bytes(b"questo non e' un file xlsx")
    out = tmp_path / "pubblicazione"
    r = run_cli(["publish", str(folder), "--out", str(out)], cwd=tmp_path)
    assert r.exit == 1, r.stdout + r.stderr
    assert "La Relazione è incompleta" in r.stdout
    first = pypdf.PdfReader(str(out / "Relazione_2022.pdf")).pages[0].extract_text()
    assert "Relazione incompleta" in first and "2022_settore-rotto.xlsx" in first
    assert (out / "Relazione_2022.xlsx").exists()


def test_publish_never_writes_into_the_folder_it_reads(tmp_path):
    folder = tmp_path / "settori"
    folder.mkdir()
    src = sorted(shipped_workbooks().glob("*.xlsx"))[0]
    shutil.copy(src, folder / src.name)
    r = run_cli(["publish", str(folder), "--out", str(folder)], cwd=tmp_path)
    assert r.exit == 2
    assert "è quella delle cartelle di lavoro lette" in r.stderr and "Non è stato scritto nulla" in r.stderr
    assert [p.name for p in folder.iterdir()] == [src.name]


def test_text_from_a_workbook_cannot_reach_out_of_the_document(run, tmp_path):
    """A comune or an area named with markup stays text: no element, no style closed early, and the
    typesetter fetches nothing (a file:// or http:// reference would land in the PDF)."""
    import dataclasses

    from perf_xl.io.pdf import relazione_html

    probe = tmp_path / "secret.txt"
    probe.write_text("SEGRETO")
    evil = f'Cremona</style><img src="file://{probe}"><link rel=stylesheet href="file://{probe}">'
    area = dataclasses.replace(run.areas[0], name=f'Ambiente <iframe src="file://{probe}"></iframe> "$x^2$"')
    hostile = dataclasses.replace(run, comune=evil, areas=[area])
    page = relazione_html(hostile)
    assert page.count("</style>") == 1 and "<img" not in page and "<iframe" not in page and "<link" not in page
    out = write_relazione_pdf(tmp_path / "R.pdf", hostile)
    text = "".join(p.extract_text() for p in pypdf.PdfReader(str(out)).pages)
    assert "SEGRETO" not in text and "Cremona" in text


def test_without_pango_publish_says_what_to_install_before_reading_anything(tmp_path, monkeypatch):
    from click.testing import CliRunner

    from perf_xl.cli import main
    from perf_xl.io import pdf

    def missing():
        raise pdf.PdfUnavailable(pdf.PANGO_HINT)

    monkeypatch.setattr(pdf, "_weasyprint", missing)
    out = tmp_path / "pubblicazione"
    r = CliRunner().invoke(main, ["publish", "--out", str(out)])
    assert r.exit_code == 2
    assert "libreria di sistema Pango" in r.output and "apt install libpango-1.0-0" in r.output
    assert "Non è stato scritto nulla" in r.output and not out.exists()
