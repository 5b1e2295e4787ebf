"""perf_xl's custom scripts for xlwings Server: ``consolida``, the Office.js Consolida button.

The task pane's «Consolida» button and the ribbon's run it. It is the desktop button's
:func:`perf_xl.excel.button.main`, with one difference: the Config's paths are relative to
the server's root folder (``perf-xl serve --root``), and a path that leads out of it is
refused with an Italian sentence in the Consolida sheet.
"""

import xlwings as xw
from xlwings.server import script

from perf_xl.excel import button
from perf_xl.excel.consolida import ERROR_PREFIX, Outcome
from perf_xl.excel.server import ROOT_ENV, server_root


@script
def consolida(book: xw.Book):
    """Read the Config sheet, consolidate inside the server's root, write the result into the Consolida sheet."""
    root = server_root()
    if root is None:  # a server started without perf-xl serve: no folder is open to it
        button.show(book, Outcome(f"{ERROR_PREFIX} il server non ha una cartella di lavoro ({ROOT_ENV}): l'ufficio "
                                  "informatico deve avviarlo con perf-xl serve --root CARTELLA."))
        return
    button.main(book, root=root)
