"""The `seatplan` command: Typer commands over the same services as the API."""
