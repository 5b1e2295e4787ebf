"""Read the VBA project of a workbook, and tell perf_xl's own macros from any others.

A settore workbook that uses the ``PERF_…`` functions through xlwings is an ``.xlsm``
whose VBA project holds only xlwings' code: the ``xlwings_udfs`` module that xlwings'
*Import Functions* generates (one wrapper per function of ``perf_xl.udf``), and in a
standalone workbook xlwings' own ``xlwings`` and ``Dictionary`` modules; the
Consolidatore adds the one-line ``Consolida`` macro. Such a project is what the README
asks for, so the validator does not tell the user to remove it. Any other code is
reported (``macro-presenti``): perf_xl never runs macros.

The sources are read as MS-OVBA stores them: the ``dir`` stream (compressed) lists each
module's stream and where its compressed source starts; oletools' ``decompress_stream``
decompresses (``ms-ovba-compression`` only compresses here: its decompressor skips two
bytes between chunks), ``olefile`` opens the container. xlwings' modules are compared with those
of the standalone template that the installed xlwings ships; the generated wrappers are
matched line by line against what xlwings' generator writes (``xlwings/udfs.py``).
"""

from __future__ import annotations

import io
import re
import struct
import zipfile
from functools import lru_cache
from pathlib import Path

import olefile

PROJECTVERSION = 0x0009  # its Size field says 4, but 6 bytes follow (MS-OVBA 2.3.4.2.1.10)
MODULENAME = 0x0019
MODULESTREAMNAME = 0x001A
MODULEOFFSET = 0x0031
UDF_MODULE = "perf_xl.udf"  # the only Python module perf_xl's wrappers may call

_F = r"PERF_\w+"
_ARGS = r"\((?:(?:Optional |ParamArray )?\w+(?:\(\))?(?:, (?:Optional |ParamArray )?\w+(?:\(\))?)*)?\)"
# every line xlwings' generate_vba_wrapper writes for a function of perf_xl.udf (comments and
# Attribute lines are dropped before matching)
_WRAPPER_LINES = [re.compile(p) for p in (
    r'#Const App = "Microsoft Excel"',
    rf"Function {_F}{_ARGS}",
    r'If \(Not Application\.CommandBars\("Standard"\)\.Controls\(1\)\.Enabled\) Then Exit Function',
    r"Application\.Volatile",
    r'#If App = "Microsoft Excel" Then', r"#Else", r"#End If",
    r"If TypeOf Application\.Caller Is Range Then On Error GoTo failed",
    rf'(?P<f>{_F}) = XLPy\.CallUDF\("{re.escape(UDF_MODULE)}", "(?P=f)", Array\([\w, ]*\)'
    r"(?:, ThisWorkbook, Application\.Caller)?\)",
    r"Exit Function", r"failed:", rf"{_F} = Err\.Description", r"End Function",
)]


class NotVba(ValueError):
    """The bytes are not a VBA project this module can read."""


def _records(data: bytes):
    """(id, payload) of every record of a decompressed ``dir`` stream."""
    at = 0
    while at + 6 <= len(data):
        rid, size = struct.unpack_from("<HI", data, at)
        if rid == PROJECTVERSION:
            size = 6
        yield rid, data[at + 6:at + 6 + size]
        at += 6 + size


def source_offsets(dir_data: bytes) -> dict[str, tuple[str, int]]:
    """Module name -> (its stream's name, where its compressed source starts), from the ``dir`` stream."""
    out: dict[str, tuple[str, int]] = {}
    name = stream = None
    for rid, payload in _records(dir_data):
        if rid == MODULENAME:
            name, stream = payload.decode("latin-1"), None
        elif rid == MODULESTREAMNAME and name is not None:
            stream = payload.decode("latin-1")
        elif rid == MODULEOFFSET and name is not None:
            out[name] = (stream or name, struct.unpack("<I", payload[:4])[0])
    return out


def decompress(data: bytes) -> bytes:
    """An MS-OVBA compressed container, decompressed (oletools)."""
    from oletools.olevba import decompress_stream

    return bytes(decompress_stream(bytearray(data)))


def module_sources(vba_project: bytes) -> dict[str, str]:
    """Module name -> its VBA source text."""
    try:
        with olefile.OleFileIO(io.BytesIO(vba_project)) as ole:
            offsets = source_offsets(decompress(ole.openstream("VBA/dir").read()))
            if not offsets:
                raise NotVba("no module")
            return {name: decompress(ole.openstream(f"VBA/{stream}").read()[offset:]).decode("cp1252", "replace")
                    for name, (stream, offset) in offsets.items()}
    except NotVba:
        raise
    except Exception as exc:  # noqa: BLE001 - olefile and the decompressor raise many kinds on a damaged file
        raise NotVba(str(exc)) from exc


def _code(source: str) -> list[str]:
    """The source's statements: no Attribute lines, no comments, no blank lines, trimmed."""
    out = []
    for line in source.splitlines():
        line = line.strip()
        if not line or line.startswith("'") or line.startswith("Attribute "):
            continue
        if line.startswith("#Const "):
            line = line.split("'", 1)[0].strip()  # '#Const App = "Microsoft Excel" 'Adjust when …'
        out.append(line)
    return out


def xlwings_template() -> Path:
    import xlwings

    return Path(xlwings.__file__).parent / "quickstart_standalone.xlsm"


@lru_cache(maxsize=1)
def _xlwings_modules() -> tuple[tuple[str, ...], ...]:
    """The statements of every module of the installed xlwings' standalone template (its ``xlwings``
    and ``Dictionary`` modules, the quickstart macro)."""
    with zipfile.ZipFile(xlwings_template()) as zf:
        sources = module_sources(zf.read("xl/vbaProject.bin"))
    known = [tuple(_code(s)) for s in sources.values() if _code(s)]
    # the quickstart macro, and the same macro as the Consolidatore names it
    known += [tuple(line.replace("Sub SampleCall()", "Sub Consolida()") for line in code) for code in list(known)
              if "Sub SampleCall()" in code]
    return tuple(known)


def _is_udf_wrapper(code: list[str]) -> bool:
    return any(line.startswith("Function ") for line in code) and all(
        any(p.fullmatch(line) for p in _WRAPPER_LINES) for line in code)


def only_perf_xl_macros(vba_project: bytes) -> bool:
    """True when every module is xlwings' own code for perf_xl (or holds no code at all)."""
    try:
        sources = module_sources(vba_project)
    except NotVba:
        return False
    known = _xlwings_modules()
    for source in sources.values():
        code = _code(source)
        if code and tuple(code) not in known and not _is_udf_wrapper(code):
            return False
    return True
