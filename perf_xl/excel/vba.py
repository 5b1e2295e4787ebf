"""Rename the one macro of xlwings' standalone VBA project, so that the button runs ``Consolida``.

No library writes a VBA project on Linux, and none is written here: xlwings' own
``vbaProject.bin`` (from its standalone quickstart template) is kept whole, and only the
source of its small ``Module1`` (``Sub SampleCall()`` → ``Sub Consolida()``) is replaced,
compressed with the MS-OVBA algorithm (``ms-ovba-compression``; read back with
oletools, :mod:`perf_xl.io.vba`) and written back into
the same stream with ``olefile``. olefile replaces a stream only with one of the same
size, so a comment line is added until the compressed source has the old length.

Excel compiles the module from this source: the template's ``_VBA_PROJECT`` stream
already has version 0xFFFF and no performance cache, which MS-OVBA says a writer
must write and which makes Office ignore the compiled p-code of every module.
"""

from __future__ import annotations

import io

import olefile
from ms_ovba_compression.ms_ovba import MsOvba

from ..io.vba import decompress, source_offsets

NO_CACHE_VERSION = b"\xff\xff"  # MS-OVBA 2.3.4.1: _VBA_PROJECT's Version as a writer writes it


class VbaProjectError(ValueError):
    """The VBA project is not the one this module knows how to change."""


def rename_macro(vba_project: bytes, module: str, old: str, new: str) -> bytes:
    """``vba_project`` with ``Sub old()`` of ``module`` renamed ``Sub new()``; nothing else changes."""
    ovba = MsOvba()
    buf = io.BytesIO(vba_project)
    with olefile.OleFileIO(buf, write_mode=True) as ole:
        if ole.openstream("VBA/_VBA_PROJECT").read()[2:4] != NO_CACHE_VERSION:
            raise VbaProjectError("the VBA project carries compiled code: its source would not be used")
        offsets = source_offsets(decompress(ole.openstream("VBA/dir").read()))
        if module not in offsets:
            raise VbaProjectError(f"no module {module} in the VBA project")
        name, offset = offsets[module]
        stream = ole.openstream(f"VBA/{name}").read()
        source = decompress(stream[offset:])
        before, after = f"Sub {old}()".encode(), f"Sub {new}()".encode()
        if source.count(before) != 1:
            raise VbaProjectError(f"Sub {old}() is not in module {module} once")
        renamed = source.replace(before, after).rstrip(b"\r\n") + b"\r\n"
        size = len(stream) - offset
        filler = f"' {new}: perf_xl, pulsante Consolida (RunPython)".encode()
        for n in range(len(filler) + 1):
            packed = ovba.compress(renamed + filler[:n] + b"\r\n")
            if len(packed) == size:
                break
        else:
            raise VbaProjectError(f"the renamed source of {module} does not fit its stream")
        ole.write_stream(f"VBA/{name}", stream[:offset] + packed)
    return buf.getvalue()
