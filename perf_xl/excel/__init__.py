"""The Excel-facing shells: the Consolida button (RunPython) and xlwings Server.

Each is a thin layer over library functions that are tested on their own; only the
parts that need Excel itself (``xw.Book.caller()``) live in ``button.main``.
"""
