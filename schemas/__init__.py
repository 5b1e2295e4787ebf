"""The settore workbook layout and the scoring settings, shipped as package data (perf_xl.schemas)."""
