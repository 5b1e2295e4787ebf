"""The project folder of xlwings Server for perf_xl (XLWINGS_PROJECT_DIR): functions, scripts, auth, task pane, manifest."""
