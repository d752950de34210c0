"""How often a client may fail to sign in: answered at once, never by sleeping.

Failed sign-ins are counted three ways, each forgotten `window` seconds after its last
failure:

- per account and client address: `pair_free` failures, then each further attempt from
  that address for that account waits `base`, 2 × `base` … up to `cap` seconds;
- per client address, whatever the account: `address_free` failures, then the same waits
  (one address guessing many accounts);
- per account, whatever the address: past `account_free` failures (an attack from many
  addresses), an address that has failed for the account at all waits as above.

An address that never failed for an account is never made to wait for it: an attacker
elsewhere cannot lock the real administrator out. An attempt counts as failed from the
moment it is let through until its password proves right, so parallel guesses cannot
slip past the limit together. A right password forgets the failures of its account from
its address. The counts live in the server process. An IPv6 client is counted by its /64
network: one host usually holds the whole /64, and could otherwise rotate through it.
"""

from __future__ import annotations

import ipaddress
import math
import time
from collections.abc import Callable
from dataclasses import dataclass

#: Entries kept before the forgotten ones are swept out, and at most (the oldest go first).
_SWEEP_AT = 10_000
_MAX_ENTRIES = 100_000


@dataclass(slots=True)
class _Failures:
    count: int
    last: float


class SignInThrottle:
    def __init__(
        self,
        *,
        pair_free: int = 5,
        address_free: int = 20,
        account_free: int = 50,
        base: float = 1.0,
        cap: float = 900.0,
        window: float = 900.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.pair_free, self.address_free, self.account_free = pair_free, address_free, account_free
        self.base, self.cap, self.window, self.clock = base, cap, window, clock
        self._failures: dict[tuple[str, str], _Failures] = {}

    @staticmethod
    def account(username: str) -> str:
        return username.strip().casefold()[:256]

    @staticmethod
    def client(address: str) -> str:
        """The unit an address is counted in: an IPv4 address, an IPv6 /64 network."""
        try:
            parsed = ipaddress.ip_address(address)
        except ValueError:
            return address  # not an address (a test client's name): counted as given
        if isinstance(parsed, ipaddress.IPv6Address):
            if parsed.ipv4_mapped is not None:  # ::ffff:198.51.100.7 is that IPv4 client
                return str(parsed.ipv4_mapped)
            return str(ipaddress.IPv6Network((parsed, 64), strict=False))
        return str(parsed)

    def attempt(self, username: str, address: str) -> int:
        """Seconds to wait before trying again (and nothing counted), or 0: go ahead.

        When 0, the attempt is counted as a failure until `succeeded` says otherwise.
        """
        account, address, now = self.account(username), self.client(address), self.clock()
        pair = self._count(("pair", f"{account}\n{address}"), now)
        free = self.pair_free
        if pair and self._count(("account", account), now) >= self.account_free:
            free = 0  # under attack from many addresses: no free failure for this one
        wait = max(
            self._wait(("pair", f"{account}\n{address}"), free, now),
            self._wait(("address", address), self.address_free, now),
        )
        if wait > 0:
            return max(1, math.ceil(wait))
        for key in (("pair", f"{account}\n{address}"), ("address", address), ("account", account)):
            self._fail(key, now)
        return 0

    def succeeded(self, username: str, address: str) -> None:
        """The password was right: undo the attempt's failure, forget the pair's."""
        account, address = self.account(username), self.client(address)
        self._failures.pop(("pair", f"{account}\n{address}"), None)
        for key in (("address", address), ("account", account)):
            self._undo(key)

    def withdrawn(self, username: str, address: str) -> None:
        """The password could not be checked (the database failed): the attempt counts for
        nothing, and the failures before it stay."""
        account, address = self.account(username), self.client(address)
        for key in (("pair", f"{account}\n{address}"), ("address", address), ("account", account)):
            self._undo(key)

    def _undo(self, key: tuple[str, str]) -> None:
        entry = self._failures.get(key)
        if entry is not None:
            entry.count -= 1
            if entry.count <= 0:
                del self._failures[key]

    def _count(self, key: tuple[str, str], now: float) -> int:
        entry = self._failures.get(key)
        return entry.count if entry is not None and now - entry.last < self.window else 0

    def _wait(self, key: tuple[str, str], free: int, now: float) -> float:
        count = self._count(key, now)
        if count < free or count == 0:
            return 0.0
        entry = self._failures[key]
        doubled = self.base * 2.0 ** min(count - free, 40)  # capped before it overflows
        return min(self.cap, doubled) - (now - entry.last)

    def _fail(self, key: tuple[str, str], now: float) -> None:
        count = self._count(key, now) + 1
        # Re-inserted, so that the dict stays in the order of the last failures.
        self._failures.pop(key, None)
        if len(self._failures) >= _SWEEP_AT:
            self._sweep(now)
        self._failures[key] = _Failures(count, now)

    def _sweep(self, now: float) -> None:
        while self._failures:
            key, entry = next(iter(self._failures.items()))
            if now - entry.last < self.window and len(self._failures) < _MAX_ENTRIES:
                return
            del self._failures[key]
