"""The admin portal: server-rendered pages over the services (see `mount_portal`)."""

from seatplan.web.portal import mount_portal

__all__ = ["mount_portal"]
