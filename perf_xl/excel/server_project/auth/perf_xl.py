"""xlwings Server's auth provider ``perf_xl``: every call carries the server's token.

xlwings Server imports ``auth.<provider>`` from the project folder and awaits its
``validate_token`` with the call's ``Authorization`` header; the task pane's ``getAuth``
(``static/js/auth.js``) sends the token the user saved there. The token is the
environment's ``PERF_XL_SERVER_TOKEN``: without one every call is refused, so a server
started without ``perf-xl serve`` is not open either.
"""

import logging
import os

from fastapi import HTTPException, status
from xlwings_server.models import User

from perf_xl.excel.server import TOKEN_ENV, token_matches, token_problem

logger = logging.getLogger(__name__)

NO_TOKEN = ("Il server di perf_xl non ha un token configurato e rifiuta ogni richiesta: l'ufficio informatico deve "
            f"impostare {TOKEN_ENV} e riavviarlo con perf-xl serve.")
WRONG_TOKEN = ("Token di perf_xl mancante o sbagliato: scriverlo nel riquadro di perf_xl (pulsante «perf_xl» della "
               "barra multifunzione) come lo ha dato l'ufficio informatico, e riprovare.")


async def validate_token(token_string: str):
    expected = os.environ.get(TOKEN_ENV, "")
    if token_problem(expected):
        logger.error("refused: %s is not set or too short", TOKEN_ENV)
        raise HTTPException(status_code=status.HTTP_503_SERVICE_UNAVAILABLE, detail=NO_TOKEN)
    if not token_matches(token_string, expected):
        raise HTTPException(status_code=status.HTTP_401_UNAUTHORIZED, detail=WRONG_TOKEN)
    return User(id="perf_xl", name="perf_xl token")
