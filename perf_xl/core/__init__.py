"""The pure core: rules on plain data (:mod:`perf_xl.model` records), with no file access.

Consolidation of indicator rows into areas, the copies of one workbook (``duplicates``),
and the published Relazione's text (``relazione``: its parser and audit).
"""
