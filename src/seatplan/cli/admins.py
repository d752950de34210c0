"""`seatplan admin`: administrator accounts of the portal (create, list, set, delete, demo)."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from seatplan.cli import output
from seatplan.cli.context import Json, database
from seatplan.services import admins, setup, transaction
from seatplan.services.errors import BadRequest

app = typer.Typer(help="Administrator accounts of the portal.", no_args_is_help=True)

#: Accounts `seatplan admin demo` creates, with passwords anyone can read: demos only.
DEMO_ACCOUNTS = (
    ("admin", admins.GLOBAL_ADMINISTRATOR, "contoso-admin-demo"),
    ("licenses", admins.LICENSE_ADMINISTRATOR, "contoso-licenses-demo"),
    ("reader", admins.GLOBAL_READER, "contoso-reader-demo"),
)


def _read_password() -> str:
    if not sys.stdin.isatty():
        return sys.stdin.readline().rstrip("\r\n")
    password: str = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    return password


@app.command("create")
def create(
    username: Annotated[str, typer.Option("--username", help="The sign-in name.")],
    role: Annotated[
        str, typer.Option("--role", help=f"One of: {', '.join(admins.ROLES)}.")
    ] = admins.GLOBAL_READER,
) -> None:
    """Create an administrator. The password is prompted, or read from stdin's first line."""
    admins.role_named(role)  # a wrong role fails before the password is asked
    password = _read_password()
    db = database()
    setup.initialize(db)
    with transaction.writing(db) as session:
        info = admins.create(session, username=username, role=role, password=password)
    output.say(f"Administrator '{info.username}' created: {info.role}.", output.OK)


Username = Annotated[str, typer.Option("--username", help="The administrator's sign-in name.")]


@app.command("set")
def set_account(
    username: Username,
    role: Annotated[
        str | None, typer.Option("--role", help=f"One of: {', '.join(admins.ROLES)}.")
    ] = None,
    password: Annotated[
        bool,
        typer.Option(
            "--password",
            help="Set a new password (prompted, or stdin's first line); ends their sessions.",
        ),
    ] = False,
) -> None:
    """Change an administrator's role or password."""
    if role is None and not password:
        raise BadRequest("Nothing to change: give --role, --password or both.")
    if role is not None:
        admins.role_named(role)  # a wrong role fails before the password is asked
    new_password = _read_password() if password else None
    with transaction.writing(database()) as session:
        info = admins.update(session, username=username, role=role, password=new_password)
    output.say(f"Administrator '{info.username}' saved: {info.role}.", output.OK)


@app.command("delete")
def delete(username: Username) -> None:
    """Delete an administrator's account (never the last Global Administrator)."""
    with transaction.writing(database()) as session:
        admins.delete(session, username=username)
    output.say(f"Administrator '{username.strip()}' deleted.", output.OK)


@app.command("list")
def list_admins(json: Json = False) -> None:
    """Administrators with their roles."""
    with database().reading() as session:
        items = admins.list_admins(session)
    if json:
        output.print_json(
            [
                {
                    "username": a.username,
                    "role": a.role,
                    "createdDateTime": a.created,
                    "lastSignInDateTime": a.last_sign_in,
                }
                for a in items
            ]
        )
        return
    output.table(
        ["Username", "Role", "Created", "Last sign-in"],
        (
            [
                a.username,
                a.role,
                output.iso(a.created),
                output.iso(a.last_sign_in) if a.last_sign_in else "-",
            ]
            for a in items
        ),
        title="Administrators",
    )


@app.command("demo")
def demo() -> None:
    """Create the demo administrators when missing, and print their credentials."""
    db = database()
    setup.initialize(db)
    with transaction.writing(db) as session:
        for username, role, password in DEMO_ACCOUNTS:
            if admins.find(session, username) is None:
                admins.create(session, username=username, role=role, password=password)
    output.say("Portal sign-in (demo accounts):", output.OK)
    for username, role, password in DEMO_ACCOUNTS:
        typer.echo(f"  {role:<22} {username} / {password}")
