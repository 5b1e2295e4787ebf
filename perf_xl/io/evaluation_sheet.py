"""Write and read back the dirigenti's schede di valutazione, and write the schede's riepilogo.

Everything a scheda shows (sheets, labels, widths, formats, the input cells' colour) is
``schemas/scheda.toml``; the rule and its native formulas are :mod:`perf_xl.evaluation`. Computed cells
get the native formula *and* its cached value (computed by the same rule in Python), as the settore
template does, so the scheda shows its numbers in a reader that does not recalculate and Excel or
LibreOffice recalculate them as the evaluator types.

Reading back (:func:`read_scheda`) takes only the evaluator's inputs, found by the schema's labels
(objective weights by objective code, component weights by component label, behaviour scores and notes
by item, the colloquio by field label): a re-run refreshes the rest from the consolidation and writes a
new file atomically, so an input is never lost to a half-written file.
"""

from __future__ import annotations

import datetime
import dataclasses
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import openpyxl
import xlsxwriter
from slugify import slugify

from .. import evaluation as ev
from ..evaluation import COMPONENTS, Scheda, Valutazione
from ..schema import load_layout, load_style
from .atomic import atomic_path
from .cells import write_value
from .printing import fit_row, set_page


@lru_cache(maxsize=1)
def layout() -> dict:
    """``schemas/scheda.toml`` (read once)."""
    return load_layout("scheda.toml")


def scheda_name(year, responsabile: str, taken: set[str] = frozenset()) -> str:
    """A new scheda's file name (``Scheda_2022_rossi-mario.xlsx``), not one of ``taken``."""
    slug = slugify(responsabile) or "dirigente"
    name, n = layout()["file"].format(year=year or "", slug=slug), 1
    while name in taken:
        n += 1
        name = layout()["file"].format(year=year or "", slug=f"{slug}-{n}")
    return name


def scheda_files(folder: str | Path) -> list[Path]:
    """The schede already in ``folder`` (by the schema's file name pattern, any year), sorted."""
    pattern = layout()["file"].format(year="*", slug="*").replace("**", "*")
    return sorted(p for p in Path(folder).glob(pattern) if not p.name.startswith((".", "~$")))


@dataclass(frozen=True)
class SchedaCells:
    """Where a scheda's cells are (A1 references), for its formulas and for findings naming them."""

    objective_rows: tuple[int, int]  # first, last (1-based); last < first when there are none
    weights: str  # the objective weights' range
    component_rows: dict  # key -> row
    components_total: int
    final: str
    band: str
    behaviour_rows: tuple[int, int]
    behaviours_score: str  # on the Comportamenti sheet

    def component_weight(self, key: str) -> str:
        return f"C{self.component_rows[key]}"

    @property
    def component_weights(self) -> str:
        rows = sorted(self.component_rows.values())
        return f"C{rows[0]}:C{rows[-1]}"


HEAD_ROW = 3  # 0-based: the head's first row (title, subtitle, a blank row above it)


def cells_of(n_objectives: int, n_behaviours: int) -> SchedaCells:
    """The positions of a scheda with ``n_objectives`` objectives and ``n_behaviours`` behaviours."""
    s = layout()["scheda"]
    head_end = HEAD_ROW + len(s["head"])  # 0-based, first row after the head
    obj_header = head_end + 2  # 0-based (the section title above it)
    first = obj_header + 2  # 1-based
    last = first + n_objectives - 1
    total = last + 1
    comp_header = total + 3  # 1-based (a blank row and the section title before it)
    rows = {k: comp_header + 1 + i for i, k in enumerate(COMPONENTS)}
    comp_total = comp_header + 1 + len(COMPONENTS)
    beh_first = 5  # 1-based: title, subtitle, blank, header
    beh_last = beh_first + n_behaviours - 1
    return SchedaCells((first, last), f"E{first}:E{max(first, last)}", rows, comp_total,
                       f"D{comp_total + 1}", f"D{comp_total + 2}", (beh_first, beh_last),
                       f"'{layout()['comportamenti']['sheet']}'!C{beh_last + 1}")


class _Formats:
    def __init__(self, book):
        style, lay = load_style(), layout()
        base = {"valign": "top", "text_wrap": True, "border": 1}
        self.title = book.add_format({"bold": True, "font_size": 14})
        self.subtitle = book.add_format({"italic": True, "font_color": style["note_font"], "text_wrap": True,
                                         "valign": "top"})
        self.header = book.add_format({"bold": True, "font_color": "#FFFFFF", "bg_color": style["header_fill"],
                                       "text_wrap": True, "valign": "vcenter", "border": 1})
        self.label = book.add_format({"bold": True, "valign": "top", "text_wrap": True, "border": 1})
        self.section = book.add_format({"bold": True, "font_size": 12})
        self.text = book.add_format(base)
        self.score = book.add_format({**base, "num_format": lay["score_format"], "bg_color": style["computed_fill"]})
        self.weight_in = book.add_format({**base, "num_format": lay["weight_format"], "bg_color": lay["input_fill"]})
        self.weight_sum = book.add_format({**base, "num_format": lay["weight_format"], "bold": True})
        self.input = book.add_format({**base, "bg_color": lay["input_fill"]})
        self.date_in = book.add_format({**base, "bg_color": lay["input_fill"],
                                        "num_format": lay["colloquio"]["date_format"], "align": "left"})
        self.final = book.add_format({**base, "bold": True, "num_format": lay["score_format"],
                                      "bg_color": style["objective_fill"]})
        self.band = book.add_format({**base, "bold": True, "bg_color": style["objective_fill"]})


def _weight_rule() -> dict:
    return {"validate": "decimal", "criteria": "between", "minimum": 0, "maximum": 100,
            "error_title": "Peso non valido", "error_message": "Scrivere un numero da 0 a 100."}


def write_scheda(path: str | Path, s: Scheda, v: Valutazione) -> Path:
    """Write the scheda ``s`` at ``path`` (atomically): three sheets, input cells yellow and validated,
    the final score and band as native formulas with their cached values."""
    lay, path = layout(), Path(path)
    cells = cells_of(len(s.objectives), len(s.behaviours))
    words = {"year": s.year or "", "comune": s.comune or ""}
    with atomic_path(path) as tmp:
        book = xlsxwriter.Workbook(str(tmp), {"strings_to_formulas": False, "strings_to_urls": False})
        book.set_properties({"title": lay["scheda"]["title"].format(**words) + f" — {s.responsabile}",
                             "subject": "perf_xl scheda di valutazione",
                             "created": datetime.datetime(int(s.year or 2000), 1, 1)})
        f = _Formats(book)
        _write_main(book.add_worksheet(lay["scheda"]["sheet"]), s, v, cells, f, words)
        _write_behaviours(book.add_worksheet(lay["comportamenti"]["sheet"]), s, v, cells, f, words)
        _write_colloquio(book.add_worksheet(lay["colloquio"]["sheet"]), s, f, words)
        book.close()
    return path


def _write_main(ws, s: Scheda, v: Valutazione, cells: SchedaCells, f: _Formats, words: dict) -> None:
    lay = layout()["scheda"]
    cols = lay["objective_columns"]
    widths = [c["width"] for c in cols]
    for i, w in enumerate(widths):
        ws.set_column(i, i, w)
    last_col = len(cols) - 1
    ws.write_string(0, 0, lay["title"].format(**words), f.title)
    ws.merge_range(1, 0, 1, last_col, lay["subtitle"].format(**words), f.subtitle)
    values = {"dirigente": s.responsabile, "settori": ", ".join(sorted({o.settore for o in s.objectives if o.settore})),
              "year": "" if s.year is None else str(s.year), "comune": s.comune}
    for i, (key, label) in enumerate(lay["head"]):
        r = HEAD_ROW + i
        ws.write_string(r, 0, label, f.label)
        ws.merge_range(r, 1, r, last_col, "", f.text)
        write_value(ws, r, 1, values[key], f.text)
        fit_row(ws, r, [(str(values[key] or ""), sum(widths[1:]))])
    first, last = cells.objective_rows
    ws.write_string(first - 3, 0, lay["objectives_title"], f.section)
    for i, c in enumerate(cols):
        ws.write_string(first - 2, i, c["label"], f.header)
    fit_row(ws, first - 2, [(c["label"], c["width"]) for c in cols])
    for i, o in enumerate(s.objectives):
        r = first - 1 + i
        row = {"code": o.code, "name": o.name, "area": o.area, "score": o.score, "weight": o.weight,
               "payment": lay["payment_yes"] if o.payment else ""}
        for j, c in enumerate(cols):
            fmt = {"score": f.score, "weight": f.weight_in}.get(c["key"], f.text)
            write_value(ws, r, j, row[c["key"]], fmt)
        fit_row(ws, r, [(row[c["key"]], c["width"]) for c in cols if isinstance(row[c["key"]], str)])
    if s.objectives:
        ws.data_validation(first - 1, 4, last - 1, 4, _weight_rule())
    total_row = last  # 0-based row after the objectives
    ws.merge_range(total_row, 0, total_row, 3, lay["objectives_total"], f.label)
    weights = [o.weight for o in s.objectives]
    ws.write_formula(total_row, 4, f"=SUM({cells.weights})", f.weight_sum,
                     sum(w for w in weights if ev._num(w)) if s.objectives else 0)

    comp_header = min(cells.component_rows.values()) - 1  # 1-based
    ws.write_string(comp_header - 2, 0, lay["components_title"], f.section)
    labels = lay["component_columns"]
    ws.merge_range(comp_header - 1, 0, comp_header - 1, 1, labels[0], f.header)
    for j, label in enumerate(labels[1:], start=2):
        ws.write_string(comp_header - 1, j, label, f.header)
    scores = s.component_scores(v)
    formulas = {"obiettivi": ev.objectives_formula(f"D{first}:D{max(first, last)}", cells.weights),
                "ente": None, "comportamenti": cells.behaviours_score}
    for comp in v.components:
        r = cells.component_rows[comp.key]
        ws.merge_range(r - 1, 0, r - 1, 1, comp.label, f.label)
        write_value(ws, r - 1, 2, s.component_weights.get(comp.key), f.weight_in)
        score = scores[comp.key]
        if formulas[comp.key] is None:
            write_value(ws, r - 1, 3, score, f.score)
        else:
            ws.write_formula(r - 1, 3, "=" + formulas[comp.key], f.score, "" if score is None else score)
        w = s.component_weights.get(comp.key)
        contribution = w * score / 100 if ev._num(w) and ev._num(score) else ""
        ws.write_formula(r - 1, 4, f'=IF(AND(ISNUMBER(C{r}),ISNUMBER(D{r})),C{r}*D{r}/100,"")', f.score, contribution)
    ws.data_validation(min(cells.component_rows.values()) - 1, 2, max(cells.component_rows.values()) - 1, 2,
                       _weight_rule())
    t = cells.components_total
    ws.merge_range(t - 1, 0, t - 1, 1, lay["components_total"], f.label)
    ws.write_formula(t - 1, 2, f"=SUM({cells.component_weights})", f.weight_sum,
                     sum(w for w in s.component_weights.values() if ev._num(w)))
    final = s.final(v)
    pairs = [(cells.component_weight(k), f"D{cells.component_rows[k]}") for k in COMPONENTS]
    ws.merge_range(t, 0, t, 2, lay["final"], f.label)
    ws.write_formula(t, 3, "=" + ev.final_formula(pairs), f.final, "" if final is None else final)
    ws.merge_range(t + 1, 0, t + 1, 2, lay["band"], f.label)
    ws.write_formula(t + 1, 3, "=" + ev.band_formula(cells.final, v.bands), f.band, s.band(v) or "")
    ws.merge_range(t + 3, 0, t + 3, last_col, lay["note"], f.subtitle)
    fit_row(ws, t + 3, [(lay["note"], sum(widths))])
    set_page(ws, title=f"{lay['title'].format(**words)} — {s.responsabile}", landscape=False,
             header_row=first - 2 if s.objectives else None)


def _write_behaviours(ws, s: Scheda, v: Valutazione, cells: SchedaCells, f: _Formats, words: dict) -> None:
    lay = layout()["comportamenti"]
    cols = lay["columns"]
    for i, c in enumerate(cols):
        ws.set_column(i, i, c["width"])
    scale = {"min": v.scale_min, "max": v.scale_max}
    ws.write_string(0, 0, lay["title"], f.title)
    ws.merge_range(1, 0, 1, len(cols) - 1, lay["subtitle"].format(**scale), f.subtitle)
    fit_row(ws, 1, [(lay["subtitle"].format(**scale), sum(c["width"] for c in cols))])
    first, last = cells.behaviour_rows
    for j, c in enumerate(cols):
        ws.write_string(first - 2, j, c["label"], f.header)
    for i, (item, score, note) in enumerate(s.behaviours):
        r = first - 1 + i
        ws.write_number(r, 0, i + 1, f.text)
        ws.write_string(r, 1, item, f.text)
        write_value(ws, r, 2, score, f.input)
        write_value(ws, r, 3, note, f.input)
        fit_row(ws, r, [(item, cols[1]["width"]), (note or "", cols[3]["width"])])
    ws.data_validation(first - 1, 2, last - 1, 2, {
        "validate": "integer", "criteria": "between", "minimum": v.scale_min, "maximum": v.scale_max,
        "error_title": lay["input_title"], "error_message": lay["input_message"].format(**scale)})
    score = s.component_scores(v)["comportamenti"]
    ws.merge_range(last, 0, last, 1, lay["mean"], f.label)
    ws.write_formula(last, 2, "=" + ev.behaviours_formula(f"C{first}:C{last}", len(s.behaviours), v.scale_max),
                     f.score, "" if score is None else score)
    set_page(ws, title=f"{lay['title']} — {s.responsabile}", landscape=False, header_row=first - 2)


def _write_colloquio(ws, s: Scheda, f: _Formats, words: dict) -> None:
    lay = layout()["colloquio"]
    ws.set_column(0, 0, lay["label_width"])
    ws.set_column(1, 1, lay["value_width"])
    ws.write_string(0, 0, lay["title"], f.title)
    ws.merge_range(1, 0, 1, 1, lay["subtitle"], f.subtitle)
    for i, field in enumerate(lay["fields"]):
        r = 3 + i
        ws.write_string(r, 0, field["label"], f.label)
        value = s.colloquio.get(field["key"])
        if field["kind"] == "date":
            if isinstance(value, (datetime.datetime, datetime.date)):
                ws.write_datetime(r, 1, value, f.date_in)
            else:
                write_value(ws, r, 1, value, f.date_in)
            ws.data_validation(r, 1, r, 1, {"validate": "date", "criteria": ">", "value": datetime.date(2000, 1, 1),
                                            "error_title": "Data non valida",
                                            "error_message": "Scrivere una data, per esempio 15/03/2023."})
        else:
            write_value(ws, r, 1, value, f.input)
        ws.set_row(r, lay["text_height"] if field["kind"] == "text" else lay["line_height"])
    set_page(ws, title=f"{lay['title']} — {s.responsabile}", landscape=False)


# --- reading back the evaluator's inputs ------------------------------------------------------------

class SchedaUnreadable(ValueError):
    """A scheda whose inputs cannot be read (the message, in Italian, says why)."""


@dataclass
class SchedaInputs:
    responsabile: str
    objective_weights: dict  # code -> weight as typed
    component_weights: dict  # component label -> weight
    behaviours: dict  # item -> (score, note)
    colloquio: dict  # field key -> value
    file: str = ""
    item_rows: dict = dataclasses.field(default_factory=dict)  # behaviour item -> its row on the Comportamenti sheet (1-based)


def _text(x) -> str:
    return "" if x is None else str(x).strip()


def read_scheda(path: str | Path) -> SchedaInputs:
    """The inputs of the scheda at ``path``; :class:`SchedaUnreadable` when it is not a scheda."""
    lay = layout()
    try:
        book = openpyxl.load_workbook(path, data_only=True, read_only=True)
    except Exception as exc:  # any reason the file does not open is the same fact for the user
        raise SchedaUnreadable("il file non si apre come cartella di lavoro Excel") from exc
    try:
        for key in ("scheda", "comportamenti", "colloquio"):
            if lay[key]["sheet"] not in book.sheetnames:
                raise SchedaUnreadable(f"manca il foglio «{lay[key]['sheet']}»")
        main = [list(r) for r in book[lay["scheda"]["sheet"]].iter_rows(values_only=True)]
        beh = [list(r) for r in book[lay["comportamenti"]["sheet"]].iter_rows(values_only=True)]
        coll = [list(r) for r in book[lay["colloquio"]["sheet"]].iter_rows(values_only=True)]
    finally:
        book.close()
    first = lambda row: _text(row[0]) if row else ""  # noqa: E731
    head = dict(lay["scheda"]["head"])
    name = next((_text(r[1]) for r in main if len(r) > 1 and first(r) == head["dirigente"]), "")
    if not name:
        raise SchedaUnreadable(f"nella cella accanto a «{head['dirigente']}» del foglio «{lay['scheda']['sheet']}» "
                               "manca il nome del dirigente")
    code_label = lay["scheda"]["objective_columns"][0]["label"]
    start = next((i for i, r in enumerate(main) if first(r) == code_label), None)
    if start is None:
        raise SchedaUnreadable(f"nel foglio «{lay['scheda']['sheet']}» manca la tabella degli obiettivi")
    weights = {}
    for r in main[start + 1:]:
        code = first(r)
        if not code or code == lay["scheda"]["objectives_total"]:
            break
        weights[code] = r[4] if len(r) > 4 else None
    comp_start = next(i for i, r in enumerate(main) if first(r) == lay["scheda"]["component_columns"][0])
    components = {}
    for r in main[comp_start + 1:]:
        if first(r) in ("", lay["scheda"]["components_total"]):
            break
        components[first(r)] = r[2] if len(r) > 2 else None
    number_label = lay["comportamenti"]["columns"][0]["label"]
    b_start = next((i for i, r in enumerate(beh) if first(r) == number_label), None)
    if b_start is None:
        raise SchedaUnreadable(f"nel foglio «{lay['comportamenti']['sheet']}» manca la tabella dei comportamenti")
    behaviours, rows = {}, {}
    for i, r in enumerate(beh[b_start + 1:], start=b_start + 2):
        if not r or not isinstance(r[0], (int, float)):
            break
        r = r + [None] * 4
        behaviours[_text(r[1])] = (r[2], r[3])
        rows[_text(r[1])] = i
    labels = {fld["label"]: fld["key"] for fld in lay["colloquio"]["fields"]}
    colloquio = {labels[first(r)]: r[1] for r in coll if first(r) in labels and len(r) > 1 and r[1] not in (None, "")}
    return SchedaInputs(name, weights, components, behaviours, colloquio, str(path), rows)


# --- the riepilogo -----------------------------------------------------------------------------------

def write_riepilogo(path: str | Path, rows: list[ev.BandRow], pending: int, year, comune: str) -> Path:
    """The riepilogo workbook: the differentiation table (count per band, min/mean/max), no names."""
    lay, path = layout()["riepilogo"], Path(path)
    words = {"year": year or "", "comune": comune or ""}
    with atomic_path(path) as tmp:
        book = xlsxwriter.Workbook(str(tmp), {"strings_to_formulas": False, "strings_to_urls": False})
        book.set_properties({"title": lay["title"].format(**words), "created": datetime.datetime(int(year or 2000), 1, 1)})
        f = _Formats(book)
        ws = book.add_worksheet(lay["sheet"])
        cols = lay["columns"]
        for i, c in enumerate(cols):
            ws.set_column(i, i, c["width"])
        ws.write_string(0, 0, lay["title"].format(**words), f.title)
        ws.merge_range(1, 0, 1, len(cols) - 1, lay["subtitle"].format(**words), f.subtitle)
        fit_row(ws, 1, [(lay["subtitle"].format(**words), sum(c["width"] for c in cols))])
        for j, c in enumerate(cols):
            ws.write_string(3, j, c["label"], f.header)
        for i, row in enumerate(rows):
            values = {"band": row.band or lay["total"], "minimum": row.minimum, "count": row.count,
                      "min": row.min, "mean": row.mean, "max": row.max}
            fmt_text = f.label if row.band is None else f.text
            for j, c in enumerate(cols):
                fmt = f.text if c["key"] in ("count", "minimum") else f.score
                write_value(ws, 4 + i, j, values[c["key"]], fmt_text if c["key"] == "band" else fmt)
        ws.merge_range(5 + len(rows), 0, 5 + len(rows), len(cols) - 1, lay["pending"].format(n=pending), f.subtitle)
        set_page(ws, title=lay["title"].format(**words), landscape=False, header_row=3)
        book.close()
    return path
