"""Stable identifiers of the buttons and forms the core offers to adapters."""

from typing import Final

ACK_CAP: Final = "cap.ack"  # value: cap version id
LOG_RESULT: Final = "quickwin.log.open"  # value: quick-win number or ""
SHARE_RETEX: Final = "retex.open"  # value: quick-win number or ""
SUBMIT_RESULT: Final = "quickwin.log.submit"  # form fields: quickwin, value, note
SUBMIT_RETEX: Final = "retex.submit"  # form fields: text, quickwin, anonymous
