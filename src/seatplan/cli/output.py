"""Printing: Rich tables for people, plain JSON (stable camelCase keys) for programs."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

import typer
from rich.console import Console
from rich.table import Column, Table
from rich.text import Text

WARN = "yellow"
ERROR = "red"
OK = "green"


def console() -> Console:
    # Made per call: the output stream and its width are those of the moment.
    return Console(highlight=False, soft_wrap=False)


def _default(value: object) -> object:
    if isinstance(value, UUID):
        return str(value)
    if isinstance(value, datetime):
        return iso(value)
    if isinstance(value, frozenset | set | tuple):
        return sorted(map(str, value))
    raise TypeError(f"not JSON serializable: {type(value).__name__}")


def iso(value: datetime) -> str:
    """Graph's DateTimeOffset: UTC with a Z."""
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


def print_json(data: Any) -> None:
    typer.echo(json.dumps(data, indent=2, default=_default))


def table(
    columns: Sequence[str], rows: Iterable[Sequence[str | Text]], *, title: str | None = None
) -> None:
    # Fold, never truncate: a plan name cut short is no use to anyone.
    heads = [Column(name, overflow="fold") for name in columns]
    grid = Table(*heads, title=title, title_justify="left", show_lines=False)
    for row in rows:
        grid.add_row(*row)
    console().print(grid)


def fields(pairs: Iterable[tuple[str, object]], *, title: str | None = None) -> None:
    """A two-column list of `label: value`."""
    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="bold")
    grid.add_column()
    for label, value in pairs:
        grid.add_row(label, value if isinstance(value, Text) else text(value))
    if title:
        console().print(Text(title, style="bold underline"))
    console().print(grid)


def text(value: object, style: str = "") -> Text:
    """A value as plain text (never Rich markup), `-` for nothing."""
    if value is None or value == "":
        return Text("-", style="dim")
    if isinstance(value, bool):
        return Text("yes" if value else "no", style=style)
    if isinstance(value, datetime):
        return Text(iso(value), style=style)
    return Text(str(value), style=style)


def error_text(error: str | None) -> Text:
    return Text(error, style=ERROR) if error else text(None)


def state_text(state: str) -> Text:
    style = {"Active": OK, "ActiveWithError": WARN, "Error": ERROR, "Disabled": WARN}
    return Text(state, style=style.get(state, ""))


def say(message: str, style: str = "") -> None:
    console().print(Text(message, style=style), soft_wrap=True)


def paragraph(message: str) -> None:
    """Text wrapped at word boundaries to the terminal's width."""
    console().print(Text(message))


def fail_lines(message: str) -> None:
    """An error on stderr, in red: one line per line of the message."""
    for line in message.splitlines() or [""]:
        typer.secho(f"Error: {line}", fg=typer.colors.RED, err=True)
