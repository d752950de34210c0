"""Named points of a batch where a test makes the worker die as `kill -9` would.

`SEATPLAN_FAILPOINT=after-write:2` kills the process the second time a batch reaches
"after-write" (its rows written, not yet committed). Webhook deliveries have
"before-send" (an endpoint leased, its delivery not sent) and "after-send" (sent, the
answer not recorded). Nothing happens when it is unset.
Crash-safety tests use this to stop a worker at an exact point; nothing else should.
"""

from __future__ import annotations

import os
import signal

_reached: dict[str, int] = {}


def reach(name: str) -> None:
    setting = os.environ.get("SEATPLAN_FAILPOINT")
    if not setting:
        return
    point, _, nth = setting.partition(":")
    if point != name:
        return
    _reached[name] = _reached.get(name, 0) + 1
    if _reached[name] >= int(nth or 1):
        os.kill(os.getpid(), signal.SIGKILL)
