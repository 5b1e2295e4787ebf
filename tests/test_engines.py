"""The three engines of a settore workbook give one result per cell: the Python core
(:func:`perf_xl.scoring.row_cells`, :func:`~perf_xl.scoring.objective_cell`), the native formulas
(recalculated by LibreOffice headless, cached values stripped first) and the xlwings UDFs (called
as plain Python, with the values Excel would hand them and the workbook's defined names).

Also: an error in one row marks only its objective; peso 0 is *neutralizzato*; the settings travel
with the workbook; the UDF-mode fallback holds when the UDF returns text (the add-in's VBA wrapper
returns ``Err.Description`` as a string when Python fails).
"""

from __future__ import annotations

import itertools
import re
import zipfile

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings as hsettings, strategies as st

from libreoffice import recalculate_many
from test_libreoffice_recalc import strip_cached_values
from perf_xl import scoring, udf
from perf_xl.io.template import write_settore_workbook
from perf_xl.model import AreaInfo, IndicatorRow, SettoreWorkbook
from perf_xl.schema import load_schema
from perf_xl.settings import Settings

pytestmark = pytest.mark.libreoffice
SCHEMA = load_schema()
L = SCHEMA.indicators
MARKS = SCHEMA.marks
AREA = "LINEA STRATEGICA SUL TEST"


def _row(code, target, actual, polarity, weight) -> IndicatorRow:
    return IndicatorRow(area=AREA, objective_code=code, objective=f"Obiettivo {code}", responsabile="R",
                        settore="S", indicator="I", polarity=polarity, target=target, actual=actual, weight=weight)


def _write(path, rows, settings, mode="native"):
    wb = SettoreWorkbook(info={"year": 2024, "settore": "S", "schema_version": SCHEMA.version},
                         areas=(AreaInfo(1, AREA, None),), rows=tuple(rows))
    return write_settore_workbook(path, wb, settings=settings, spare_rows=2, formula_mode=mode)


def _recalculated(sources, tmp_path):
    """LibreOffice's own values (no cached value left in the copies it loads), by file and row."""
    stripped = [strip_cached_values(p, tmp_path / f"nocache_{p.name}") for p in sources]
    outs = recalculate_many(stripped, tmp_path / "lo")
    out = []
    for o in outs:
        ws = openpyxl.load_workbook(o, data_only=True)[L.name]
        out.append({row[0].row: {c.key: row[c.position - 1].value for c in L.columns}
                    for row in ws.iter_rows(min_row=L.first_data_row)})
    return out


def _defined_names(path) -> dict[str, str]:
    wb = openpyxl.load_workbook(path)
    return {name: wb.defined_names[name].attr_text.lstrip("=").strip('"') for name in wb.defined_names}


def _udf_row(r: IndicatorRow, names: dict[str, str]):
    """What the UDFs return for a row, handed the workbook's defined names as the template's calls do."""
    n = SCHEMA.names
    ragg = udf.PERF_RAGG(r.target, r.actual, r.polarity, names[n.decreasing_ratio])
    return (ragg, udf.PERF_SCOSTAMENTO(r.target, r.actual, r.polarity),
            udf.PERF_BAROMETRO(ragg, float(names[n.green]), float(names[n.yellow]), r.weight))


def _blank(v):
    return None if v == "" else v


def _same(got, want, where):
    got, want = _blank(got), _blank(want)
    if isinstance(want, float) and isinstance(got, (int, float)):
        assert got == pytest.approx(want, rel=1e-12, abs=1e-9), where
    else:
        assert got == want, where


# --- examples by hand -------------------------------------------------------------------------

GZOOM = Settings(decreasing_ratio="gzoom", green=95, yellow=80)


@pytest.fixture(scope="module")
def by_hand(require_libreoffice, tmp_path_factory):
    """One recalculation for the examples below: the same rows in a native and a UDF-mode workbook,
    the UDF-mode one also with the UDF calls replaced by text (a failing add-in)."""
    tmp = tmp_path_factory.mktemp("engines")
    rows = [
        _row("OB01", 10, 8, "crescente", 60),
        _row("OB01", 10, "24,29", "crescente", 40),  # row 3: a consuntivo typed as text
        _row("OB02", 80, 75, "crescente", 50),  # 93,75: verde with 90/60, giallo with 95/80
        _row("OB02", 50, 0, "crescente", 0),  # row 5: neutralised, % Ragg 0
        _row("OB02", 10, 12.5, " DECRESCENTE ", 50),  # odd spelling: plain 80, gzoom 75
        _row("OB03", 100, 89.6, "crescente", 100),  # shown "90": verde, never giallo beside a "90"
        _row("OB04", 10, 5, "alto", 100),  # row 8: unknown polarity
    ]
    native = _write(tmp / "native.xlsx", rows, Settings())
    udf_mode = _write(tmp / "udf.xlsx", rows, Settings(), mode="udf")
    gzoom = _write(tmp / "gzoom.xlsx", rows, GZOOM, mode="udf")
    failing = _udf_returns_text(udf_mode, tmp / "failing.xlsx")
    got = _recalculated([native, udf_mode, gzoom, failing], tmp)
    return rows, dict(zip(("native", "udf", "gzoom", "failing"), got)), {"gzoom": gzoom, "native": native}


def _udf_returns_text(src, dst):
    """A copy of a UDF-mode workbook whose every PERF_… call gives text, as the xlwings add-in's
    imported VBA wrapper does when Python fails (it returns Err.Description)."""
    call = re.compile(r"PERF_[A-Z]+\([^()]*\)")
    text = "&quot;ModuleNotFoundError: No module named perf_xl&quot;"
    replaced = 0
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            if item.filename.startswith("xl/worksheets/sheet"):
                xml, n = call.subn(text, data.decode("utf-8"))
                replaced += n
                data = xml.encode("utf-8")
            zout.writestr(item, data)
    assert replaced >= 4 * 7  # four computed cells on each of the seven rows
    return dst


@pytest.mark.parametrize("mode", ["native", "udf", "failing"])
def test_an_error_marks_only_its_objective(by_hand, mode):
    _, got, _ = by_hand
    v = got[mode]
    assert [v[r]["achievement"] for r in (2, 3)] == [80, MARKS.invalid]
    assert v[3]["deviation"] == v[3]["traffic_light"] == MARKS.invalid
    assert v[2]["objective_score"] == v[3]["objective_score"] == "errore: riga 3"
    assert v[8]["achievement"] == "errore" and v[8]["objective_score"] == "errore: riga 8"
    # every other objective is still scored
    assert v[4]["objective_score"] == pytest.approx((50 * 93.75 + 50 * 80) / 100)
    assert v[7]["objective_score"] == pytest.approx(89.6)
    assert v[9]["objective_score"] in (None, "")  # a spare row: empty, no mark


@pytest.mark.parametrize("mode", ["native", "udf", "failing"])
def test_neutralised_and_shown_values(by_hand, mode):
    _, got, _ = by_hand
    v = got[mode]
    assert v[5]["achievement"] == 0 and v[5]["traffic_light"] == "neutralizzato"
    assert v[6]["achievement"] == pytest.approx(80)  # " DECRESCENTE " is decrescente
    assert v[7]["traffic_light"] == "verde"  # 89,6 shows "90"
    assert v[4]["traffic_light"] == "verde"


def test_settings_travel_with_the_workbook(by_hand, tmp_path, monkeypatch):
    """Built with verde 95, giallo 80, gzoom: LibreOffice's native formulas, the UDFs handed the
    workbook's defined names and the core agree, while this PC's settings say otherwise."""
    rows, got, paths = by_hand
    names = _defined_names(paths["gzoom"])
    assert names == {"perf_verde": "95", "perf_giallo": "80", "perf_decrescente": "gzoom"}
    v = got["gzoom"]
    core = [scoring.row_cells(r.target, r.actual, r.polarity, r.weight, GZOOM, MARKS.invalid) for r in rows]
    for i, (r, c) in enumerate(zip(rows, core)):
        excel_row = L.first_data_row + i
        ragg, dev, light = _udf_row(r, names)
        for key, want, u in (("achievement", c.achievement, ragg), ("deviation", c.deviation, dev),
                             ("traffic_light", c.traffic_light, light)):
            _same(v[excel_row][key], want, (excel_row, key))
            _same(u, want, (excel_row, key, "udf"))
    assert v[4]["traffic_light"] == "giallo" and v[6]["achievement"] == pytest.approx(75)
    # this PC's settings (90/60, plain) would have said verde and 80: the workbook's names win
    assert udf.PERF_BAROMETRO(93.75) == "verde"
    assert udf.PERF_BAROMETRO(93.75, float(names["perf_verde"]), float(names["perf_giallo"])) == "giallo"


# --- the property: any input, one rule ---------------------------------------------------------

SETTINGS = (Settings(), GZOOM, Settings(decreasing_ratio="plain", green=85.5, yellow=50))
WORDS = ("crescente", "decrescente", "binario", "alto", "", "decrescènte", "crescènte", "binàrio")
PADS = ("", "", " ", "  ", "\t", "\u00a0")


@st.composite
def polarities(draw):
    word = draw(st.sampled_from(WORDS))
    cased = "".join(c.upper() if draw(st.booleans()) else c for c in word) if draw(st.booleans()) else word
    return draw(st.sampled_from(PADS)) + cased + draw(st.sampled_from(PADS))


numbers = st.one_of(st.integers(0, 2000).map(float), st.integers(0, 200_000).map(lambda x: x / 100),
                    st.sampled_from([0.0, 1.0, 100.0]))
cells = st.one_of(st.none(), numbers, numbers, numbers, st.sampled_from(["24,29", "10", " 5", "1.000", " "]))
weights = st.one_of(st.none(), st.sampled_from([0.0, 0, 10.0, 25.5, 50.0, 100.0, "50", " "]))
objective = st.lists(st.tuples(cells, cells, polarities(), weights), min_size=1, max_size=4)


def _near_rounding_edge(pct) -> bool:
    """% Ragg within a hair of x,5: which way it is shown is the program's floating point, not the rule."""
    if not isinstance(pct, float):
        return False
    scaled = pct * 10 ** scoring.SHOWN_DECIMALS
    return abs(scaled - round(scaled - 0.5) - 0.5) < 1e-9


def test_core_native_and_udf_agree_on_any_input(require_libreoffice, tmp_path):
    """Hypothesis draws objectives (atteso, consuntivo with blanks and numbers typed as text,
    polarities with odd spaces, case and accents, pesi with 0, blanks and text); the core and the
    UDFs are compared on each draw, and every drawn row goes into one workbook per settings, which
    LibreOffice recalculates once. TRUE/FALSE are left out: LibreOffice has no boolean type (its
    ISNUMBER(TRUE) is TRUE, Excel's FALSE); the core and the UDFs treat them as Excel does."""
    drawn: list[list[tuple[IndicatorRow, scoring.RowCells, object]]] = [[] for _ in SETTINGS]
    codes = itertools.count(1)

    @hsettings(max_examples=150, deadline=None, database=None, suppress_health_check=list(HealthCheck))
    @given(st.integers(0, len(SETTINGS) - 1), objective)
    def draw(k, specs):
        s = SETTINGS[k]
        code = f"OB{next(codes):04d}"
        rows = [_row(code, *spec) for spec in specs]
        names = {SCHEMA.names.green: f"{s.green:g}", SCHEMA.names.yellow: f"{s.yellow:g}",
                 SCHEMA.names.decreasing_ratio: s.decreasing_ratio}
        first = L.first_data_row + len(drawn[k])
        core = [scoring.row_cells(r.target, r.actual, r.polarity, r.weight, s, MARKS.invalid) for r in rows]
        score = scoring.objective_cell([(first + i, r.weight, c.achievement) for i, (r, c) in enumerate(zip(rows, core))],
                                       MARKS.invalid, MARKS.objective_invalid)
        for r, c in zip(rows, core):
            ragg, dev, light = _udf_row(r, names)
            _same(ragg, c.achievement, ("udf ragg", r))
            _same(dev, c.deviation, ("udf scostamento", r))
            _same(light, c.traffic_light, ("udf barometro", r))
        got = udf.PERF_OBIETTIVO([[r.weight] for r in rows], [[c.achievement] for c in core],
                                 [[code]] * len(rows), code, first)
        _same(got, score, ("udf obiettivo", rows))
        drawn[k].extend((r, c, score) for r, c in zip(rows, core))

    draw()
    paths = [_write(tmp_path / f"drawn{k}.xlsx", [r for r, _, _ in rows], SETTINGS[k]) for k, rows in enumerate(drawn)]
    results = _recalculated(paths, tmp_path)
    kinds = set()
    for k, (rows, got) in enumerate(zip(drawn, results)):
        for i, (r, c, score) in enumerate(rows):
            excel_row = L.first_data_row + i
            v = got[excel_row]
            where = (SETTINGS[k], excel_row, r.target, r.actual, r.polarity, r.weight)
            _same(v["achievement"], c.achievement, where)
            _same(v["deviation"], c.deviation, where)
            if not _near_rounding_edge(c.achievement):
                _same(v["traffic_light"], c.traffic_light, where)
            _same(v["objective_score"], score, where)
            kinds |= {"number" if isinstance(c.achievement, float) else c.achievement, c.traffic_light}
    # the draws reached every kind of cell: numbers, empty, the mark, neutralised
    assert {"number", None, MARKS.invalid, "neutralizzato"} <= kinds, kinds
