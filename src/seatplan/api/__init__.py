"""Seatplan's HTTP API: the Microsoft Graph compatible surface and its helpers."""
