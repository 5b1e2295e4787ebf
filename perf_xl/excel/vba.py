"""Rename the one macro of xlwings' standalone VBA project, so that the button runs ``Consolida``.

No library writes a VBA project on Linux, and none is written here: xlwings' own
``vbaProject.bin`` (from its standalone quickstart template) is kept whole, and only the
source of its small ``Module1`` (``Sub SampleCall()`` → ``Sub Consolida()``) is replaced,
compressed with the MS-OVBA algorithm (``ms-ovba-compression``) and written back into
the same stream with ``olefile``. olefile replaces a stream only with one of the same
size, so a comment line is added until the compressed source has the old length.

Excel compiles the module from this source: the template's ``_VBA_PROJECT`` stream
already has version 0xFFFF and no performance cache, which MS-OVBA says a writer
must write and which makes Office ignore the compiled p-code of every module.
"""

from __future__ import annotations

import io
import struct

import olefile
from ms_ovba_compression.ms_ovba import MsOvba

MODULENAME = 0x0019  # MS-OVBA 2.3.4.2.3.2.1: the record that opens a module's entry in the dir stream
MODULEOFFSET = 0x0031  # 2.3.4.2.3.2.5: where the compressed source starts in the module's stream
NO_CACHE_VERSION = b"\xff\xff"  # 2.3.4.1: _VBA_PROJECT's Version as a writer writes it


class VbaProjectError(ValueError):
    """The VBA project is not the one this module knows how to change."""


def _source_offset(dir_data: bytes, module: str) -> int:
    name = module.encode("latin-1")
    at = dir_data.find(struct.pack("<HI", MODULENAME, len(name)) + name)
    if at < 0:
        raise VbaProjectError(f"no module {module} in the VBA project")
    rec = dir_data.find(struct.pack("<HI", MODULEOFFSET, 4), at)
    if rec < 0:
        raise VbaProjectError(f"no source offset for module {module}")
    return struct.unpack("<I", dir_data[rec + 6:rec + 10])[0]


def rename_macro(vba_project: bytes, module: str, old: str, new: str) -> bytes:
    """``vba_project`` with ``Sub old()`` of ``module`` renamed ``Sub new()``; nothing else changes."""
    ovba = MsOvba()
    buf = io.BytesIO(vba_project)
    with olefile.OleFileIO(buf, write_mode=True) as ole:
        if ole.openstream("VBA/_VBA_PROJECT").read()[2:4] != NO_CACHE_VERSION:
            raise VbaProjectError("the VBA project carries compiled code: its source would not be used")
        stream = ole.openstream(f"VBA/{module}").read()
        offset = _source_offset(ovba.decompress(ole.openstream("VBA/dir").read()), module)
        source = ovba.decompress(stream[offset:])
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
        ole.write_stream(f"VBA/{module}", stream[:offset] + packed)
    return buf.getvalue()
