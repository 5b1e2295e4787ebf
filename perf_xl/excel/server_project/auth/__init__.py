"""perf_xl's auth providers for xlwings Server (``XLWINGS_AUTH_PROVIDERS=["perf_xl"]``)."""
