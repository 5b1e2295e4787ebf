"""perf_xl: a spreadsheet-native pipeline for a comune's performance plan.

Settore workbooks (one per department) are read, scored with the rules of the
comune's measurement system, and consolidated into the area summary workbook,
the *Relazione sulla Performance*.
"""

__version__ = "0.1.0"
