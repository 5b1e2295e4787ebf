"""Plain data of a run: indicator rows, scored results, findings and reports, the run's result.

Dataclasses with no behaviour beyond small derived properties (and the merge of one objective's
parts), so every layer can pass them around and tests can build them by hand. The results and
findings are frozen, except the scored objectives (built by the tens of thousands: see
ObjectiveResult); what a run fills as it goes (Report, ObjectivePart, RunResult) is not.
"""

from __future__ import annotations

import dataclasses
import datetime
import hashlib
from dataclasses import dataclass, field
from typing import Iterable, Iterator, NamedTuple, Sequence

from .wording import as_read

ERROR = "errore"
WARNING = "avviso"


@dataclass(slots=True)
class IndicatorRow:
    """One indicator, self-contained (every row names its area and objective).

    Treated as immutable (use ``dataclasses.replace``); not frozen only because a frozen
    dataclass costs twice as much to build, and the reader builds one per row of every
    workbook.
    """

    area: str
    objective_code: str
    objective: str
    responsabile: str
    settore: str
    indicator: str
    polarity: str
    target: float | None
    actual: float | None
    weight: float | None
    definizione: str = ""
    formula: str = ""
    finalita: str = ""
    note: str = ""
    published_achievement: float | None = None
    source_ref: str = ""
    # the year's cycle (schema 1.1, ``perf-xl new-year``): the indicator's code, the same every year
    # (``<objective code>.<n>``, see :func:`with_indicator_codes`); the target's state (``[cycle]`` of
    # settore.toml; "" in a workbook that never went through new-year) and the previous year's
    # consuntivo and % Ragg, kept beside the indicator as a read-only reference
    indicator_code: str = ""
    target_state: str = ""
    previous_actual: float | None = None
    previous_achievement: float | None = None
    # monitoring during the year (schema 1.2): how the row is projected to the year end («Proiezione»;
    # "" = the settings' choice), and the values typed at each intermediate checkpoint the workbook has
    # columns for: month-day -> {"actual": consuntivo, "actions": azioni correttive}; None when it has none
    projection: str = ""
    checkpoints: dict | None = None
    # the values of the schema's columns that have no field here (columns added to settore.toml), by
    # column key; None when the schema has none (no dict built per row for nothing)
    extra: dict | None = None
    # where the row was read from (for findings); not part of the data
    file: str = field(default="", compare=False)
    sheet: str = field(default="", compare=False)
    row: int = field(default=0, compare=False)


@dataclass(frozen=True)
class Finding:
    """One thing wrong (or worth a look), with the place a user can go to."""

    file: str
    sheet: str
    cell: str
    row: int | None
    column: str
    code: str
    severity: str
    message: str
    value: object = None

    def as_dict(self) -> dict:
        # built by hand: dataclasses.asdict deep-copies, and reports hold thousands of findings
        value = self.value
        if value is not None and not isinstance(value, (int, float, str, bool)):
            value = str(value)
        return {"file": self.file, "sheet": self.sheet, "cell": self.cell, "row": self.row, "column": self.column,
                "code": self.code, "severity": self.severity, "message": self.message, "value": value}


@dataclass
class Report:
    """The findings of a run; rendered as a table, JSON or a sheet by the I/O layer."""

    findings: list[Finding] = field(default_factory=list)

    def add(self, finding: Finding) -> None:
        self.findings.append(finding)

    def extend(self, findings: Iterable[Finding]) -> None:
        self.findings.extend(findings)

    def __iter__(self) -> Iterator[Finding]:
        return iter(self.findings)

    def __len__(self) -> int:
        return len(self.findings)

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == ERROR]

    @property
    def valid(self) -> bool:
        return not self.errors


@dataclass(frozen=True)
class AreaInfo:
    """An area (linea strategica) as a workbook's Aree sheet lists it."""

    number: int
    name: str
    published: float | None = None


@dataclass(frozen=True)
class Variation:
    """One entry of a workbook's register of changes (its *Variazioni* sheet), as typed: ``kind`` is the
    kind of change (``[variations.fields]`` of settore.toml: ``target``, ``weight``…; "" when «Campo» is
    not one of the list), ``field`` the «Campo» as written; ``old`` and ``new`` as the cells hold them
    (a number as a number); ``approved_on`` the date as dd/mm/yyyy (or the text typed)."""

    file: str
    row: int
    objective_code: str
    indicator: str
    kind: str
    field: str
    old: object = None
    new: object = None
    reason: str = ""
    description: str = ""
    requested_by: str = ""
    approved_with: str = ""
    approved_on: str = ""
    opinion: str = ""

    @property
    def approved(self) -> bool:
        """Approved: the act and its date are both there; otherwise only requested."""
        return bool(self.approved_with.strip()) and bool(self.approved_on.strip())


@dataclass(frozen=True)
class SettoreWorkbook:
    """The content of one settore workbook, independent of how it is stored. ``variations`` is its
    register of changes: None when the workbook has no *Variazioni* sheet (an older layout), else its
    entries (possibly none)."""

    info: dict
    areas: tuple[AreaInfo, ...]
    rows: tuple[IndicatorRow, ...]
    path: str = ""
    variations: tuple[Variation, ...] | None = None


@dataclass
class ReadResult:
    """What one workbook holds: typed data for scoring, raw cells for validation, structure findings."""

    workbook: SettoreWorkbook | None
    findings: list[Finding] = field(default_factory=list)
    # raw cell values of the Indicatori sheet's data rows: (excel row, the sheet row as read);
    # ``columns`` says where each key is
    raw_rows: list[tuple[int, list]] = field(default_factory=list)
    # column key -> 0-based column index where the header was found
    columns: dict[str, int] = field(default_factory=dict)
    sheet_names: list[str] = field(default_factory=list)
    # the Indicatori sheet's XML, from the same bytes as the values (for the formula check), in
    # the layout the byte scans know (see formula_scan.canonical_sheet); None when the sheet was
    # not read or its XML does not unpack
    indicators_xml: bytes | None = None
    # cells already reported by the reader (a non-finite number, an error value): (file, cell)
    reported: set[tuple[str, str]] = field(default_factory=set)
    # the Info sheet's schema version when it was older than the schema's: the workbook was read
    # through the upgrade steps (perf_xl.versions) and ``workbook`` is in the current layout
    upgraded_from: str | None = None
    # the sheets read (Info, Aree, Indicatori, by their schema names) as calamine gave them: the nightly's
    # snapshot of the input cells is taken from them, not from a second read of the file
    grids: dict[str, list] = field(default_factory=dict)


@dataclass(frozen=True)
class ScoredIndicator:
    row: IndicatorRow
    achievement: float | None
    deviation: float | None
    traffic_light: str | None


@dataclass(slots=True)
class ObjectivePart:
    """What one workbook says about one objective: partial sums and the facts explanations need.

    Parts add up (:meth:`merge`) in file order, so an objective is scored the same whether
    its workbooks were read by one process or several.
    """

    area: str
    code: str
    name: str
    responsabile: str
    settore: str
    num: float = 0.0
    den: float = 0.0
    count: int = 0
    weight_sum: float = 0.0
    neutralised: int = 0  # indicators with peso 0: they do not count (see scoring.is_neutralised)
    order: str = ""  # the code's place among the area's objectives (OB2 before OB10), made with the part
    # tuples, not lists: tens of thousands of parts are held until the end of a large run
    refs: tuple[str, ...] = ()
    weak: tuple[tuple[str, str, float], ...] = ()
    mismatches: tuple[tuple[str, str, float, float], ...] = ()
    indicators: list[ScoredIndicator] | None = None
    # the schema's extra columns: column key -> one value per indicator (None when there are none)
    extra: dict | None = None

    def merge(self, other: "ObjectivePart") -> None:
        self.num += other.num
        self.den += other.den
        self.count += other.count
        self.weight_sum += other.weight_sum
        self.neutralised += other.neutralised
        self.refs += other.refs
        self.weak += other.weak
        self.mismatches += other.mismatches
        if other.extra:
            merged = {k: list(v) for k, v in (self.extra or {}).items()}  # parts never share lists
            for k, v in other.extra.items():
                merged.setdefault(k, []).extend(v)
            self.extra = merged
        if self.indicators is not None and other.indicators is not None:
            self.indicators = self.indicators + other.indicators  # a new list: parts never share lists
        else:
            self.indicators = None


@dataclass(slots=True)
class ObjectiveResult:
    """A scored objective. ``indicators`` holds the scored rows when the run keeps the
    detail (a comune's few hundred); at the scale of thousands of workbooks it is empty
    and the counts and the facts the explanations need are kept instead.

    Treated as immutable (use ``dataclasses.replace``); not frozen, as :class:`IndicatorRow`, because a
    frozen dataclass costs three times as much to build, and a large run builds every objective twice
    (scored, then read back for the outputs).
    """

    code: str
    name: str
    area: str
    responsabile: str
    settore: str
    indicators: tuple[ScoredIndicator, ...]
    score: float | None
    traffic_light: str | None
    indicator_count: int = 0
    weight_sum: float = 0.0
    neutralised: int = 0  # of its indicators, those with peso 0 (they do not count)
    refs: tuple[str, ...] = ()  # where each indicator comes from (source line or file and row)
    weak: tuple[tuple[str, str, float], ...] = ()  # (ref, indicator, % Ragg) of counted indicators below 100
    mismatches: tuple[tuple[str, str, float, float], ...] = ()  # (ref, indicator, published, computed)
    # the values of the schema's extra columns (see IndicatorRow.extra): column key -> one value per
    # indicator, in row order; None when the schema has none
    extra: dict | None = None


def with_indicator_codes(rows: Iterable[IndicatorRow]) -> list[IndicatorRow]:
    """Every indicator with a code: one that has none gets ``<objective code>.<n>``, ``n`` after the
    highest its objective already uses (``OB12.1``, ``OB12.2``… in row order for a workbook with
    none). A code, once given, is never changed: it is what matches an indicator across years. The
    rule of ``import-relazione``, of the 1.0 -> 1.1 upgrade and of ``new-year``."""
    rows = list(rows)
    highest: dict[str, int] = {}
    for r in rows:
        prefix, _, n = r.indicator_code.rpartition(".")
        if r.indicator_code and prefix == r.objective_code and n.isdigit():
            highest[prefix] = max(highest.get(prefix, 0), int(n))
    out = []
    for r in rows:
        if not r.indicator_code and r.objective_code:
            n = highest.get(r.objective_code, 0) + 1
            highest[r.objective_code] = n
            r = dataclasses.replace(r, indicator_code=f"{r.objective_code}.{n}")
        out.append(r)
    return out


# the schema columns an IndicatorRow has a field for; any other column's values go in ``extra``
INDICATOR_FIELDS = frozenset(f.name for f in IndicatorRow.__dataclass_fields__.values() if f.compare) - {"extra"}

SCORE_ROW_FIELDS = ("code", "name", "settore", "score", "weight_sum", "traffic_light", "neutralised")


def score_row(o: ObjectiveResult) -> tuple:
    """What the outputs list of every objective (the JSON's ``objective_scores``), as a plain tuple:
    the :data:`SCORE_ROW_FIELDS`, then the extra columns' values (None when the schema has none)."""
    return (o.code, o.name, o.settore, o.score, o.weight_sum, o.traffic_light, o.neutralised, o.extra)


INDICATOR_SCORE_FIELDS = ("id", "name", "achievement", "traffic_light", "weight")


def indicator_id(code: str, name: str) -> str:
    """An indicator's id in the outputs: its objective's code and a digest of its name as a person reads
    it (``OB01-3f2a9c1b``), so the same indicator has the same id every year it keeps its objective's code
    and its name, wherever its row is. Unique within its objective (a repeated name gets ``-2``, ``-3``…)."""
    return f"{code}-{hashlib.blake2s(as_read(name).encode(), digest_size=4).hexdigest()}"


def indicator_rows(o: ObjectiveResult) -> list[tuple]:
    """What the outputs list of each indicator of an objective (the JSON's ``indicators``), as plain
    tuples of :data:`INDICATOR_SCORE_FIELDS`; empty when the run does not keep the detail."""
    seen: dict[str, int] = {}
    out = []
    for s in o.indicators:
        base = indicator_id(o.code, s.row.indicator)
        n = seen[base] = seen.get(base, 0) + 1
        out.append((base if n == 1 else f"{base}-{n}", s.row.indicator, s.achievement, s.traffic_light,
                    s.row.weight))
    return out


@dataclass(frozen=True)
class CorrectiveAction:
    """An indicator *rosso* or *giallo* at a monitoring checkpoint, with the corrective actions its
    dirigente wrote ("" when missing) and where (``cell``: the actions cell; ``light_cell``: the
    checkpoint's Barometro)."""

    file: str
    sheet: str
    row: int
    cell: str
    light_cell: str
    day: str  # the checkpoint, month-day
    settore: str
    area: str
    objective_code: str
    objective: str
    indicator: str
    indicator_code: str
    target: float | None
    actual: float | None
    achievement: float | None
    traffic_light: str
    actions: str


@dataclass(frozen=True)
class Monitoring:
    """A monitoring report's own facts (``consolidate --periodo``): the checkpoint, how the year end is
    projected, and the areas scored on the projected consuntivi (the run's own areas are at the date)."""

    date: "datetime.date"
    label: str  # the checkpoint as written (30/06/2023)
    projection: str  # the settings' projection, for an indicator whose «Proiezione» is blank
    elapsed: float  # the part of the year gone at the checkpoint
    projected: tuple  # AreaResult of each area, scored on the projected consuntivi


@dataclass(frozen=True)
class SettoreSummary:
    """One settore's share of an area: what the Relazione lists when it is too large for every objective."""

    settore: str
    responsabile: str
    objectives: int
    indicators: int
    score: float | None
    traffic_light: str | None


@dataclass(frozen=True)
class AreaResult:
    """An area's result. ``objectives`` is a sequence of plain results: a tuple, or as a run makes
    them, merged from the stored parts each time it is read (memory does not grow with the run)."""

    number: int
    name: str
    objectives: Sequence[ObjectiveResult]
    score: float | None
    traffic_light: str | None
    published: float | None
    explanation: tuple[str, ...] = ()
    indicator_count: int = 0
    neutralised: int = 0  # of its indicators, those with peso 0
    settori: tuple[SettoreSummary, ...] = ()
    # why the area must be checked before it is published (two versions of a workbook disagree);
    # empty when its score can be trusted as computed
    to_verify: tuple[str, ...] = ()

    @property
    def difference(self) -> float | None:
        if self.score is None or self.published is None:
            return None
        return round(self.score - self.published, 2)

    @property
    def reproduces(self) -> bool | None:
        """True when the computed score equals the published one to the hundredth."""
        if self.published is None or self.score is None:
            return None
        return round(self.score, 2) == round(self.published, 2)


@dataclass
class RunResult:
    """What one run over settore workbooks gives, whichever shell started it (validate, consolidate,
    the nightly, the Consolida button): one type, its fields filled as far as the run goes."""

    files: list[str] = field(default_factory=list)
    report: Report = field(default_factory=Report)
    folder: str = ""
    areas: list[AreaResult] = field(default_factory=list)  # consolidate only
    year: int | None = None
    comune: str = ""
    detail: bool = True  # the Relazione lists every indicator (else one row per settore)
    unreadable: list[str] = field(default_factory=list)  # the file did not open
    not_used: list[str] = field(default_factory=list)  # no indicators read: unreadable, or Indicatori not read
    excluded: list[str] = field(default_factory=list)  # copies of another workbook, left out whole
    conflicts: list[dict] = field(default_factory=list)  # copies that differ from the one used
    # the nightly: its time stamp, which files were read again, which came from its cache, which skipped
    run: str = ""
    validated: list[str] = field(default_factory=list)
    reused: list[str] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)
    outputs: list = field(default_factory=list)  # what the run wrote (paths)
    # a monitoring run (``consolidate --periodo``): the indicators rosso or giallo at the checkpoint
    actions: list[CorrectiveAction] = field(default_factory=list)
    # the registers of changes of the workbooks used (their Variazioni sheets), in file order; and, when
    # there are entries, the Relazione's annex: the scores with and without them (perf_xl.core.variations)
    variations: list["Variation"] = field(default_factory=list)
    annex: "VariationAnnex | None" = None

    @property
    def findings(self) -> list[Finding]:
        return self.report.findings

    @property
    def complete(self) -> bool:
        """Every workbook's indicators were read (findings inside readable workbooks, and copies left
        out, do not make it incomplete)."""
        return bool(self.files) and not self.not_used

    @property
    def used(self) -> list[str]:
        """The workbooks whose indicators are in the areas: read, and not a copy left out."""
        left_out = set(self.not_used) | set(self.excluded)
        return [f for f in self.files if f not in left_out]

    def nothing_usable_message(self) -> str | None:
        """Why no Relazione may be written, when workbooks were found but none could be used (a
        Relazione without a single workbook would replace a good one with an empty one); else None."""
        if not self.files or self.used:
            return None
        which = ("L'unica cartella di lavoro" if len(self.files) == 1
                 else f"Nessuna delle {len(self.files)} cartelle di lavoro")
        verb = "non si può usare" if len(self.files) == 1 else "si può usare"
        return (f"{which} di «{self.folder}» {verb} (vedere le segnalazioni): non è stato scritto nulla e "
                "l'eventuale Relazione precedente è rimasta intatta.")

    @property
    def trustworthy(self) -> bool:
        """Complete, and no two versions of a workbook disagree (no area is «da verificare»)."""
        return self.complete and not self.conflicts

    @property
    def objective_count(self) -> int:
        return sum(len(a.objectives) for a in self.areas)

    @property
    def indicator_count(self) -> int:
        return sum(a.indicator_count for a in self.areas)


class Identity(NamedTuple):
    """What the check across workbooks needs of one workbook (plain values: it crosses processes
    and is stored in the nightly cache)."""

    file: str
    settore: str  # as written in the Info sheet
    year: str  # as written ("" when missing)
    settore_sheet: str
    settore_cell: str
    digest: str  # of the values: areas and indicator rows as data, wherever the rows are
    codes: tuple[tuple[str, str, str], ...]  # (code, sheet, first cell) of each objective code
    areas: tuple[str, ...]  # the areas its objectives belong to


# --- years compared (perf_xl.core.comparison makes them, the outputs lay them out) ------------------

AREA, OBJECTIVE, INDICATOR = "area", "objective", "indicator"
LEVELS = (AREA, OBJECTIVE, INDICATOR)

# statuses (the outputs word them from summary.toml's [confronto.status])
NEW, DROPPED, UP, DOWN, SAME, UNSCORED = "new", "dropped", "up", "down", "same", "unscored"
STATUSES = (NEW, DROPPED, UP, DOWN, SAME, UNSCORED)


@dataclass(frozen=True)
class Compared:
    """One area, objective or indicator of the comparison: its two years side by side (``previous_*``
    is None for a new one, the current fields are the previous year's for a dropped one)."""

    level: str
    status: str
    key: object
    name: str
    previous_key: object = None
    previous_name: str | None = None
    previous: float | None = None
    current: float | None = None
    previous_traffic_light: str | None = None
    traffic_light: str | None = None
    previous_weight: float | None = None
    weight: float | None = None
    notes: tuple[str, ...] = ()
    children: tuple["Compared", ...] = ()

    @property
    def change(self) -> float | None:
        if self.previous is None or self.current is None:
            return None
        return round(self.current - self.previous, 2) + 0.0


@dataclass(frozen=True)
class Comparison:
    """The whole comparison: the two years, whether indicators were compared (and why not), the areas."""

    year: int | None
    previous_year: int
    source: str  # the previous JSON's file name, as the user gave it
    areas: tuple[Compared, ...]
    indicators: bool  # both years list their indicators
    # when indicators were not compared: "previous" (its JSON does not list them) or "current" (this run
    # does not keep them: more than 100 workbooks without --detail); None when they were
    no_indicators: str | None = None
    counts: dict = field(default_factory=dict)  # level -> status -> how many
    sentence: str = ""  # what the console says of it (also on the sheet and in the JSON)

    def walk(self) -> Iterable[Compared]:
        """Every compared item, parents before their children, in the order the outputs list them."""
        def down(items):
            for c in items:
                yield c
                yield from down(c.children)
        return down(self.areas)


def year_text(year: int | None) -> str:
    return str(year) if year is not None else "anno in corso"


OK, ISSUES, NOT_DONE = "ok", "issues", "not_done"  # a checklist line's outcome (its word: summary.toml [oiv])


@dataclass(frozen=True)
class CheckLine:
    """One line of the OIV's *scheda di validazione*: what was checked, its outcome, the detail."""

    key: str
    label: str
    outcome: str  # OK, ISSUES or NOT_DONE
    word: str  # the outcome as the scheda says it (conforme, con rilievi, non eseguito)
    text: str  # whole Italian sentences


@dataclass(frozen=True)
class ValidationSheet:
    """The *scheda di validazione* of an OIV pack (``perf-xl oiv``): made by the core from a run, written
    by io (PDF and workbook). ``alerts`` go at the top: why the pack's run exits 1."""

    title: str
    subtitle: str
    ente: str
    date: str  # dd/mm/yyyy
    intro: str
    alerts: tuple[str, ...]
    lines: tuple[CheckLine, ...]
    open_points: tuple[str, ...]
    footer: str


# --- the register of changes' annex (perf_xl.core.variations makes it, the outputs lay it out) ----------

@dataclass(frozen=True)
class WithWithout:
    """An objective's or an area's score as consolidated (``with_changes``) and with the registered
    changes undone (``without``); ``code`` is the objective's code ("" for an area)."""

    area: str
    code: str
    name: str
    with_changes: float | None
    without: float | None
    settore: str = ""
    entries: int = 0  # the register's entries behind it

    @property
    def difference(self) -> float | None:
        if self.with_changes is None or self.without is None:
            return None
        return round(self.with_changes - self.without, 2) + 0.0


@dataclass(frozen=True)
class VariationAnnex:
    """The Relazione's annex of changes: every entry, every objective and area they touch with its
    score with and without them, and the entries that could not be undone (and why, in Italian)."""

    entries: tuple[Variation, ...]
    objectives: tuple[WithWithout, ...]
    areas: tuple[WithWithout, ...]
    not_undone: tuple[tuple[Variation, str], ...] = ()
    # one per entry, in order: its objective's score with every change and with this entry alone undone
    # (``without`` None when it cannot be undone): what this one change was worth
    by_entry: tuple[WithWithout | None, ...] = ()
