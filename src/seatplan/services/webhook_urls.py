"""Which URLs a webhook may be sent to: the guard against server-side request forgery.

Only http(s) URLs, and only to public addresses, unless the setting
`SEATPLAN_WEBHOOK_ALLOW_PRIVATE=true` allows loopback, private and link-local ones too.
The name is resolved when the endpoint is saved and again before every send, and the
request goes to the very address that was checked (`Target`), so a name that resolves
to a public address when saved and to an internal one later is refused then.
"""

from __future__ import annotations

import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import SplitResult, urlsplit

from seatplan.services.errors import BadRequest

IpAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


class UrlRefused(BadRequest):
    """A URL webhooks may not be sent to, and why."""


@dataclass(frozen=True, slots=True)
class Target:
    """Where to connect for a URL: its checked address, and the name it was resolved from."""

    #: The URL with its host replaced by the checked address.
    url: str
    #: The URL's host name: the `Host` header, and the name TLS verifies.
    host: str


def check_url(url: str, *, allow_private: bool) -> Target:
    """The target of `url`, or `UrlRefused` saying why webhooks may not go there."""
    parts = _parts(url)
    host = parts.hostname or ""
    addresses = _resolve(host, parts.port or (443 if parts.scheme == "https" else 80))
    if not allow_private:
        for address in addresses:
            if not _public(address):
                raise UrlRefused(
                    f"The webhook URL's host {host} is at {address}, a loopback, private, "
                    "link-local or reserved address; set SEATPLAN_WEBHOOK_ALLOW_PRIVATE=true "
                    "to allow such addresses."
                )
    chosen = addresses[0]
    literal = f"[{chosen}]" if chosen.version == 6 else str(chosen)
    netloc = f"{literal}:{parts.port}" if parts.port else literal
    return Target(parts._replace(netloc=netloc).geturl(), host)


def _parts(url: str) -> SplitResult:
    try:
        parts = urlsplit(url.strip())
        parts.port  # noqa: B018 - reading it checks the port
    except ValueError as error:
        raise UrlRefused(f"The webhook URL is not valid: {error}.") from error
    if parts.scheme not in ("http", "https"):
        raise UrlRefused("A webhook URL must start with http:// or https://.")
    if not parts.hostname:
        raise UrlRefused("A webhook URL must name a host.")
    if parts.username is not None or parts.password is not None:
        raise UrlRefused("A webhook URL may not hold a user name or password.")
    return parts


def _resolve(host: str, port: int) -> list[IpAddress]:
    try:
        return [ipaddress.ip_address(host)]
    except ValueError:
        pass
    try:
        found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as error:
        raise UrlRefused(f"The webhook URL's host {host} cannot be resolved ({error}).") from error
    addresses: list[IpAddress] = []
    for *_, sockaddr in found:
        address = ipaddress.ip_address(str(sockaddr[0]).split("%", 1)[0])
        if address not in addresses:
            addresses.append(address)
    if not addresses:
        raise UrlRefused(f"The webhook URL's host {host} has no address.")
    return addresses


def _public(address: IpAddress) -> bool:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return address.is_global and not address.is_multicast
