"""Reading and writing files: the settore workbooks read and their templates written, the
outputs (Relazione workbook, JSON, CSV, findings report), the nightly cache, the store of objective parts,
and safe writing (atomic replace, output lock).

Not the only code that touches files: the runs in ``app/`` (the nightly's reports folder,
the importer's text and workbooks) and ``excel/`` (the Consolidatore .xlsm, its Config
sheet) read and write too, with the helpers of :mod:`perf_xl.io.atomic`.
"""
