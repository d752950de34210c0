"""`with_bundle`: a dataclass of Typer options taken by a command as one parameter."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

import pytest
import typer
from typer.testing import CliRunner

from seatplan.cli.option_bundles import with_bundle


@dataclass(frozen=True)
class Colours:
    fore: Annotated[str | None, typer.Option("--fore", help="Text colour.")] = None
    back: Annotated[str, typer.Option("--back")] = "white"


def _app(seen: list[tuple[str, Colours, bool]]) -> typer.Typer:
    app = typer.Typer()

    @app.command()
    @with_bundle("colours", Colours)
    def paint(
        wall: Annotated[str, typer.Argument()],
        colours: Colours = Colours(),
        dry: Annotated[bool, typer.Option("--dry")] = False,
    ) -> None:
        """Paint a wall."""
        seen.append((wall, colours, dry))

    return app


def test_the_bundle_s_options_reach_the_command_as_one_value():
    seen: list[tuple[str, Colours, bool]] = []
    app = _app(seen)
    runner = CliRunner()
    assert runner.invoke(app, ["north", "--fore", "red", "--dry"]).exit_code == 0
    assert runner.invoke(app, ["south"]).exit_code == 0
    assert seen == [
        ("north", Colours(fore="red", back="white"), True),
        ("south", Colours(), False),
    ]


def test_help_lists_the_bundle_s_options_where_its_parameter_stands():
    result = CliRunner().invoke(_app([]), ["--help"], env={"COLUMNS": "100"})
    assert result.exit_code == 0
    assert "Paint a wall." in result.output
    assert "Text colour." in result.output
    places = [result.output.index(option) for option in ("--fore", "--back", "--dry")]
    assert places == sorted(places)


def test_a_command_without_the_parameter_or_with_a_clashing_name_is_refused():
    def no_parameter(wall: str) -> None:
        del wall

    def clash(fore: str, colours: Colours = Colours()) -> None:
        del fore, colours

    with pytest.raises(TypeError, match="no parameter 'colours'"):
        with_bundle("colours", Colours)(no_parameter)
    with pytest.raises(TypeError, match="already has fore"):
        with_bundle("colours", Colours)(clash)
