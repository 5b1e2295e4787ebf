"""How perf_xl words things for an Italian reader: counts, numbers, names, system errors.

One place for the small grammar every message needs, so that no message says "1 errori",
"dei 8 obiettivi", "al 85,00 %", cuts a name mid-word or shows an English system error.
Pure functions on plain values (no I/O): every layer may use them.
"""

from __future__ import annotations

import errno
import functools
import re
import unicodedata
import textwrap

from .numbers import format_italian

ELLIPSIS = "…"


def count(n: int, singular: str, plural: str) -> str:
    """``count(1, "errore", "errori")`` -> ``1 errore``; ``count(2, …)`` -> ``2 errori``."""
    return f"{n} {singular if n == 1 else plural}"


def _spoken_starts_with_vowel(number_text: str) -> bool:
    """Whether an Italian number, read aloud, starts with a vowel (otto, undici, uno, un milione).

    That decides the article: *all'85 %*, *dell'11 %*, *degli 8 obiettivi*, but *al 96 %*.
    """
    digits = re.sub(r"[^\d,]", "", number_text).split(",")[0].lstrip("0") or "0"
    if digits.startswith("8"):
        return True  # otto, ottanta, ottocento, ottomila…
    if digits == "1" or (len(digits) == 7 and digits.startswith("1")):
        return True  # uno, un milione
    return len(digits) % 3 == 2 and digits.startswith("11")  # undici, undicimila, undici milioni


_ARTICLED = {
    # preposition + masculine singular article, before a consonant / before a vowel
    "a": ("al ", "all'"), "di": ("del ", "dell'"), "da": ("dal ", "dall'"), "su": ("sul ", "sull'"),
    "in": ("nel ", "nell'"), "": ("il ", "l'"),
}
_ARTICLED_PLURAL = {"a": ("ai ", "agli "), "di": ("dei ", "degli "), "da": ("dai ", "dagli "),
                    "su": ("sui ", "sugli "), "in": ("nei ", "negli "), "": ("i ", "gli ")}


def with_article(preposition: str, number_text: str, plural: bool = False) -> str:
    """``with_article("a", "85,00 %")`` -> ``all'85,00 %``; ``("di", "8 obiettivi", plural=True)``
    -> ``degli 8 obiettivi``; ``("a", "96,25 %")`` -> ``al 96,25 %``."""
    forms = (_ARTICLED_PLURAL if plural else _ARTICLED)[preposition]
    return forms[_spoken_starts_with_vowel(number_text)] + number_text


def number(x: float, decimals: int = 2) -> str:
    """A number as a person writes it in a message: at most ``decimals`` decimals, no trailing
    zeros, no thousands dots (``40.599999999999994`` -> ``40,6``; ``1082072.0`` -> ``1082072``)."""
    if isinstance(x, bool) or not isinstance(x, (int, float)):
        return str(x)
    if x != x or x in (float("inf"), float("-inf")):
        return "non finito"
    return format_italian(round(float(x), decimals) + 0.0, decimals=None, grouping=False)


def bounds(lo: float | None, hi: float | None) -> str:
    """A range as a message says it: ``tra 0 e 100``, ``maggiore o uguale a 0``, ``minore o uguale a 5``."""
    if lo is not None and hi is not None:
        return f"tra {number(lo)} e {number(hi)}"
    if lo is not None:
        return f"maggiore o uguale a {number(lo)}"
    return f"minore o uguale a {number(hi)}"


def percent(x: float, decimals: int = 2) -> str:
    """``85`` -> ``85,00 %`` (the Relazione's way: fixed decimals, a space before the sign)."""
    return f"{format_italian(x, decimals=decimals)} %"


def shorten(text: str, width: int) -> str:
    """``text`` whole when it fits in ``width`` characters, else cut at a word boundary and ended
    with "…" (never mid-word, unless a single word is longer than ``width``)."""
    text = " ".join(str(text).split())
    if len(text) <= width:
        return text
    cut = text[: width - 1]
    if " " in cut and text[width - 1] != " ":
        cut = cut.rsplit(" ", 1)[0]
    return cut.rstrip(" ,;:.-–") + ELLIPSIS


def quoted(text: str, width: int = 80) -> str:
    """A name inside a message: «…», shortened only with "…" at a word boundary."""
    return f"«{shorten(text, width)}»"


def wrap(text: str, width: int = 100, indent: str = "", first_indent: str | None = None) -> str:
    """A long console line broken at spaces into lines of at most ``width`` characters; nothing
    is dropped (a word longer than the line stays whole)."""
    return textwrap.fill(text, width=width, initial_indent=indent if first_indent is None else first_indent,
                         subsequent_indent=indent, break_long_words=False, break_on_hyphens=False)


_OS_REASONS = {
    errno.ENOSPC: "il disco è pieno",
    errno.EDQUOT: "lo spazio disponibile (quota) è esaurito",
    errno.EROFS: "il disco è di sola lettura",
    errno.ENOENT: "il file o la cartella non esiste (spostato o cancellato?)",
    errno.ENOTDIR: "una parte del percorso è un file, non una cartella",
    errno.EEXIST: "esiste già un file con quel nome",
    errno.EISDIR: "è una cartella, non un file",
    errno.EACCES: "accesso negato (permessi insufficienti)",
    errno.EPERM: "accesso negato (permessi insufficienti)",
    errno.ELOOP: "il percorso contiene un collegamento simbolico che rimanda a se stesso",
    errno.ENAMETOOLONG: "il nome o il percorso è troppo lungo",
    errno.EBUSY: "il file è in uso da un altro programma",
    errno.ETXTBSY: "il file è in uso da un altro programma",
    errno.EIO: "errore di lettura o scrittura del disco",
    errno.EINVAL: "il nome o il percorso non è valido in questa posizione",
    errno.EFBIG: "il file supera la dimensione consentita",
    errno.EMFILE: "troppi file aperti contemporaneamente",
    errno.ENFILE: "troppi file aperti contemporaneamente",
    errno.ETIMEDOUT: "la cartella di rete non risponde",
    errno.EHOSTDOWN: "la cartella di rete non risponde",
    errno.ENXIO: "il file non è un file normale (dispositivo o collegamento speciale)",
    errno.ENODEV: "il file non è un file normale (dispositivo o collegamento speciale)",
    errno.ESTALE: "la cartella di rete è stata scollegata (ricollegarla)",
    errno.EPIPE: "il programma che riceveva l'output si è chiuso",
    errno.EADDRINUSE: "l'indirizzo o la porta è già in uso",
}


def os_reason(exc: OSError) -> str:
    """Why a file operation failed, in Italian (never the system's English ``strerror``)."""
    reason = _OS_REASONS.get(exc.errno)
    if reason:
        return reason
    if exc.errno:
        return f"errore del sistema operativo n. {exc.errno}"
    return "errore del sistema operativo"


_PREPOSITIONS = ("SULL'", "SULLA ", "SULLE ", "SULLO ", "SUGLI ", "SUI ", "SUL ", "SU ", "DELL'", "DELLA ")
_ACRONYMS = {"PA", "UE", "PNRR", "ICT", "SDGS"}


def short_area_name(name: str) -> str:
    """``LINEA STRATEGICA SULLO SVILUPPO DELLA COMUNITA'`` -> ``Sviluppo della comunità``."""
    s = re.sub(r"^LINEA STRATEGICA\s+", "", name.strip(), flags=re.IGNORECASE)
    for p in _PREPOSITIONS:
        if s.upper().startswith(p):
            s = s[len(p):]
            break
    s = re.sub(r"([AEIOUaeiou])'(?=\s|$)", lambda m: {"a": "à", "e": "è", "i": "ì", "o": "ò", "u": "ù"}[m.group(1).lower()], s)
    words = [w if w.upper().strip(",.") in _ACRONYMS else w.lower() for w in s.split()]
    out = " ".join(words)
    return out[:1].upper() + out[1:]


_APOSTROPHES = str.maketrans({c: "'" for c in "\u2019\u2018\u02bc\u0060\u00b4\u2032"})


@functools.lru_cache(maxsize=8192)
def as_read(text: str) -> str:
    """A name as a person reads it, for matching: case, typographic apostrophes (as Word and Outlook
    write them), runs of spaces and non-breaking spaces do not count. ``LINEA STRATEGICA SULL’AMBIENTE``
    and ``linea strategica sull'ambiente`` are one area; ``Settore  Sport`` and ``settore sport`` one
    settore. The one rule for names matched across workbooks (areas, settori). Remembered: the same
    sheet names, labels and areas are read again in every workbook of a run."""
    text = unicodedata.normalize("NFKC", str(text or "")).translate(_APOSTROPHES)
    return re.sub(r"'\s+", "'", " ".join(text.split())).casefold()


_DIGITS = re.compile(r"\d+")


def _padded(m: re.Match) -> str:
    return m.group().zfill(12)


def natural_key(code: str) -> str:
    """A sort key that puts OB2 before OB10, as a plain string (cheap to keep and to compare)."""
    return _DIGITS.sub(_padded, code)
