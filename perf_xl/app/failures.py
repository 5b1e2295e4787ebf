"""What a user reads when a file cannot be read or written, in Italian: one wording for every shell.

The command line, the Consolida button and xlwings Server's script all turn an ``OSError``
(an output open in Excel on Windows, a full disk, a folder that vanished) into the same
sentence: which file, why, what to do, and whether the previous file is still there.
"""

from __future__ import annotations

import errno
import os
from pathlib import Path

from ..io.atomic import OutputNotWritten
from ..io.outputs import Snapshot
from ..wording import os_reason


def os_error_message(exc: OSError, outputs: Snapshot | None = None) -> str:
    """What a user reads when a file cannot be read or written: which file, why, what to do, and
    (with ``outputs``) which of the command's outputs were written before it and which were not."""
    reason = os_reason(exc)
    if isinstance(exc, OutputNotWritten):
        written = outputs.written() if outputs is not None else []
        where = f"«{exc.target.name}» in «{Path(os.path.abspath(exc.target)).parent}»"
        if exc.previous_kept:
            kept = "il file precedente è rimasto intatto"
        elif written:
            kept = f"«{exc.target.name}» non è stato creato"
        else:
            kept = "non è stato scritto nulla"
        cause = exc.cause
        if isinstance(cause, PermissionError) or cause.errno in (errno.EACCES, errno.EPERM):
            text = (f"Impossibile scrivere {where}: il file è aperto in un altro programma (Excel?) o la cartella "
                    f"non è scrivibile. Chiuderlo e riprovare: {kept}.")
        elif cause.errno in (errno.ENOSPC, errno.EDQUOT):
            text = f"Impossibile scrivere {where}: {os_reason(cause)}. Liberare spazio e riprovare: {kept}."
        else:
            text = f"Impossibile scrivere {where}: {os_reason(cause)}. Controllare il percorso e riprovare: {kept}."
        if written:
            text += " " + outputs.summary(exc.target)
        return text
    name = f" «{exc.filename}»" if exc.filename else ""
    return f"Impossibile accedere a{name}: {reason}."
