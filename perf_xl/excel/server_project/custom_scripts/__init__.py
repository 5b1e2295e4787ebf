"""perf_xl's custom scripts for xlwings Server: ``consolida``, the Office.js Consolida button."""

import xlwings as xw
from xlwings.server import script

from perf_xl.excel import button


@script
def consolida(book: xw.Book):
    """Read the Config sheet, consolidate, write the result into the Consolida sheet."""
    button.main(book)
