"""`seatplan token`: API access tokens (create, list, revoke)."""

from __future__ import annotations

from typing import Annotated

import typer

from seatplan.cli import output
from seatplan.cli.context import Json, database
from seatplan.services import tokens, transaction
from seatplan.shapes import admin as shapes

app = typer.Typer(help="API access tokens.", no_args_is_help=True)


@app.command("create", context_settings={"allow_extra_args": True})
def create(
    ctx: typer.Context,
    name: Annotated[str, typer.Option("--name", help="What the token is for.")],
    scope: Annotated[
        list[str],
        typer.Option(
            "--scope",
            help="Permissions: --scope A B, --scope A --scope B or --scope A,B; one of "
            f"{', '.join(tokens.PERMISSIONS)}.",
        ),
    ],
) -> None:
    """Create a token. It is printed once, as the last line: only its hash is kept."""
    given = [*scope, *(str(arg) for arg in ctx.args)]
    scopes = [part for item in given for part in item.replace(",", " ").split()]
    with transaction.writing(database()) as session:
        info, token = tokens.create(session, name=name, scopes=scopes)
    output.say(f"Token {info.id} '{info.name}' created: {' '.join(info.scopes)}", output.OK)
    output.say("Copy it now: it is not shown again.")
    typer.echo(token)


@app.command("list")
def list_tokens(json: Json = False) -> None:
    """Tokens by id (their public prefix), with their permissions."""
    with database().reading() as session:
        items = tokens.list_tokens(session)
    if json:
        output.print_json([shapes.token(t) for t in items])
        return
    output.table(
        ["Id", "Name", "Permissions", "Created", "Revoked"],
        (
            [
                t.id,
                t.name,
                " ".join(t.scopes),
                t.created.strftime("%Y-%m-%d %H:%M"),
                t.revoked.strftime("%Y-%m-%d %H:%M") if t.revoked else "",
            ]
            for t in items
        ),
    )


@app.command("revoke")
def revoke(token_id: Annotated[str, typer.Argument(help="The token's id (or the token).")]) -> None:
    """Revoke a token: servers refuse it within seconds."""
    with transaction.writing(database()) as session:
        info = tokens.revoke(session, token_id=token_id)
    output.say(f"Token {info.id} '{info.name}' revoked.", output.OK)
