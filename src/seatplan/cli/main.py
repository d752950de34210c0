"""The `seatplan` command, and the one place where errors become a red line and exit 1."""

from __future__ import annotations

from typing import Any

import typer
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, OperationalError, ProgrammingError
from typer.core import TyperGroup

from seatplan.cli import (
    admins,
    bulk,
    catalog,
    doctor,
    group_licenses,
    groups,
    org,
    processing,
    rule_preview,
    serve,
    setup,
    skus,
    tokens,
    user_licenses,
    users,
    webhooks,
)
from seatplan.cli.context import close_database
from seatplan.cli.output import fail_lines
from seatplan.services.errors import ServiceError
from seatplan.settings import get_settings


def _safe_url() -> str:
    try:
        return make_url(get_settings().database_url).render_as_string(hide_password=True)
    except ArgumentError:
        return "(invalid URL)"


def _first_line(error: Exception) -> str:
    cause = getattr(error, "orig", None) or error
    return (str(cause).strip().splitlines() or [type(cause).__name__])[0]


class SeatplanGroup(TyperGroup):
    """Domain and database errors: one red line on stderr and exit code 1, no traceback.

    Services run inside `transaction.writing(db)`, so a failed command wrote nothing.
    """

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except ServiceError as error:
            fail_lines(error.message)
        except OperationalError as error:
            hint = " (run `seatplan db upgrade`)" if "no such table" in str(error) else ""
            fail_lines(f"Cannot use the database {_safe_url()}: {_first_line(error)}{hint}")
        except ProgrammingError as error:
            fail_lines(
                f"The database {_safe_url()} is not ready ({_first_line(error)}): "
                "run `seatplan db upgrade`."
            )
        except ArgumentError as error:
            fail_lines(f"Invalid SEATPLAN_DATABASE_URL: {_first_line(error)}")
        except ModuleNotFoundError as error:
            fail_lines(f"The database driver for {_safe_url()} is not installed ({error.name}).")
        finally:
            close_database()
        raise typer.Exit(1)


app = typer.Typer(
    name="seatplan",
    cls=SeatplanGroup,
    help="Seatplan: group-based licensing, self-hosted. "
    "The database is SEATPLAN_DATABASE_URL (SQLite ./seatplan.db by default).",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_show_locals=False,
)

app.add_typer(setup.db_app, name="db")
app.command("demo")(setup.demo)
app.add_typer(org.app, name="org")
app.command("skus")(skus.list_skus)
app.command("licensed-users")(skus.licensed_users)
app.add_typer(skus.subscriptions_app, name="subscriptions")
user_licenses.register(users.app)
bulk.register_users(users.app)
app.add_typer(users.app, name="users")
group_licenses.register(groups.app)
rule_preview.register(groups.app)
bulk.register_groups(groups.app)
app.add_typer(groups.app, name="groups")
app.add_typer(catalog.app, name="catalog")
app.command("process")(processing.process)
app.command("worker")(processing.run_worker)
app.command("serve")(serve.serve)
app.add_typer(tokens.app, name="token")
app.command("doctor")(doctor.doctor)
app.add_typer(admins.app, name="admin")
app.add_typer(webhooks.app, name="webhooks")
