"""Italian wording of counts, articles, numbers and names (perf_xl.wording)."""

import errno

from perf_xl.wording import count, number, os_reason, percent, shorten, with_article, wrap


def test_singular_and_plural():
    assert count(1, "errore", "errori") == "1 errore"
    assert count(0, "errore", "errori") == "0 errori"
    assert count(2, "cartella di lavoro", "cartelle di lavoro") == "2 cartelle di lavoro"


def test_article_before_a_number_follows_how_it_is_read():
    assert with_article("a", percent(85)) == "all'85,00 %"
    assert with_article("a", percent(96.25)) == "al 96,25 %"
    assert with_article("a", percent(11)) == "all'11,00 %"
    assert with_article("a", percent(1)) == "all'1,00 %"
    assert with_article("a", "1.000 %") == "al 1.000 %"  # mille
    assert with_article("di", "8 obiettivi", plural=True) == "degli 8 obiettivi"
    assert with_article("di", "7 obiettivi", plural=True) == "dei 7 obiettivi"


def test_numbers_as_a_person_writes_them():
    assert number(40.599999999999994) == "40,6"
    assert number(1082072.0) == "1082072"
    assert number(24.29) == "24,29"
    assert number(float("nan")) == "non finito"


def test_shorten_only_at_a_word_boundary_with_an_ellipsis():
    name = "Sviluppo della comunità in un'ottica di maggiore inclusione sociale"
    assert shorten(name, 200) == name
    short = shorten(name, 40)
    assert short.endswith("…") and len(short) <= 40
    assert name.startswith(short[:-1]) and name[len(short) - 1] == " "


def test_wrap_keeps_every_word():
    text = "parola " * 50
    assert wrap(text, 30, "  ").split() == text.split()
    assert all(len(line) <= 30 for line in wrap(text, 30, "  ").splitlines())


def test_system_errors_in_italian():
    assert "collegamento simbolico" in os_reason(OSError(errno.ELOOP, "Too many levels of symbolic links"))
    assert os_reason(OSError(12345, "Weird English")) == "errore del sistema operativo n. 12345"
