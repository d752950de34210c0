"""Options that several commands share, taken as one parameter.

A bundle is a frozen dataclass whose fields are Typer options (`Annotated[..., typer.Option()]`
with a default). `@with_bundle("profile", Profile)` lists those options where the command's
`profile` parameter stands, so `--help` shows them in that place, and hands the command
one `Profile` built from what was given.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from dataclasses import fields, is_dataclass
from typing import Any, get_type_hints

Command = Callable[..., None]


def with_bundle(parameter: str, bundle: type[Any]) -> Callable[[Command], Command]:
    """A decorator: the command's `parameter` becomes the options of `bundle`."""
    if not is_dataclass(bundle):
        raise TypeError(f"{bundle.__name__} is not a dataclass")
    hints = get_type_hints(bundle, include_extras=True)
    names = [field.name for field in fields(bundle)]
    options = [
        inspect.Parameter(
            field.name,
            inspect.Parameter.POSITIONAL_OR_KEYWORD,
            annotation=hints[field.name],
            default=field.default,
        )
        for field in fields(bundle)
    ]

    def decorate(command: Command) -> Command:
        signature = inspect.signature(command, eval_str=True)
        if parameter not in signature.parameters:
            raise TypeError(f"{command.__name__} has no parameter {parameter!r}")
        clash = set(names) & set(signature.parameters)
        if clash:
            raise TypeError(f"{command.__name__} already has {', '.join(sorted(clash))}")
        parameters: list[inspect.Parameter] = []
        for given in signature.parameters.values():
            parameters.extend(options if given.name == parameter else [given])

        @functools.wraps(command)
        def run(**given: Any) -> None:
            values = {name: given.pop(name) for name in names}
            command(**given, **{parameter: bundle(**values)})

        # Typer reads the options from the signature and their types from the annotations.
        run.__signature__ = signature.replace(parameters=parameters)  # type: ignore[attr-defined]
        run.__annotations__ = {given.name: given.annotation for given in parameters} | {
            "return": signature.return_annotation
        }
        return run

    return decorate
