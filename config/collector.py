"""The garbage collector of the WebSocket process (config.asgi calls `collector_tune()` once
start-up is done).

What start-up made (Django, the apps, the URLconfs: about 155,000 objects) lives as long as the
process. Python's collector walked all of it in every full collection. It is frozen (after its
own garbage goes), and the collector walks it no more. Full collections come after 100
collections of the middle generation instead of 10.

Measured (docs/performance.md):
- B3(a), the WebSocket process with 1,000 sockets: full collections took 150-280 ms, middle
  ones 30-50 ms, and the messages that arrived 100-400 ms late lined up with them. p99 went
  from 66-155 ms to 18-21 ms.
- The gunicorn web workers keep Python's settings. Tuned the same way, their full collections
  through a kiosk surge (B6) took 155 ms of wall time on average instead of 260, but the
  filings went no faster, and B9's workers grew 13 % over 10,000 requests instead of 2.6 %.
"""

from __future__ import annotations

import gc

FULL_COLLECTION_AFTER = 100  # middle-generation collections (Python's default: 10)


def collector_tune() -> None:
    gc.collect()
    gc.freeze()
    youngest, middle, _oldest = gc.get_threshold()
    gc.set_threshold(youngest, middle, FULL_COLLECTION_AFTER)
