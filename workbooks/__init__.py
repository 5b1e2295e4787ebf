"""The shipped settore workbooks, by year, as package data (perf_xl.workbooks)."""
