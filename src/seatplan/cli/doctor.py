"""`seatplan doctor`: check every licensing invariant from the data, and repair."""

from __future__ import annotations

from typing import Annotated

import typer

from seatplan.cli import output
from seatplan.cli.context import Json, NoWait, database, wait_for_processing
from seatplan.services import doctor as doctor_service
from seatplan.services import transaction


def doctor(
    repair: Annotated[
        bool,
        typer.Option(
            "--repair", help="Fix the seat counters and queue the users found inconsistent."
        ),
    ] = False,
    as_json: Json = False,
    no_wait: NoWait = False,
) -> None:
    """Recompute seats and check the rules of licensing for every user; exit 1 on problems."""
    db = database()
    with transaction.writing(db) if repair else db.reading() as session:
        report = doctor_service.check(session)
        requeued = doctor_service.repair(session, report) if repair and not report.ok else 0
    if as_json:
        output.print_json(
            {
                "ok": report.ok,
                "usersChecked": report.users_checked,
                "problems": [
                    {
                        "check": p.check,
                        "detail": p.detail,
                        "userId": p.user_id,
                        "skuId": p.sku_id,
                    }
                    for p in report.problems
                ],
                "repaired": repair,
                "usersRequeued": requeued,
            }
        )
    elif report.ok:
        output.say(f"No problem found ({report.users_checked} users checked).", output.OK)
    else:
        output.table(
            ["Check", "User", "SKU", "Detail"],
            (
                [p.check, str(p.user_id or ""), str(p.sku_id or ""), p.detail]
                for p in report.problems
            ),
            title=f"{len(report.problems)} problem(s)",
        )
        if repair:
            output.say(f"Counters repaired; {requeued} user(s) queued again.", output.OK)
    if repair and requeued:
        wait_for_processing(db, no_wait)
    if not report.ok and not repair:
        raise typer.Exit(1)
