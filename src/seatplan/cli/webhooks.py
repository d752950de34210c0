"""`seatplan webhooks`: endpoints, their delivery log, test events, redeliveries, seat alerts."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

import typer

from seatplan.cli import output
from seatplan.cli.context import Json, database
from seatplan.processing import delivery
from seatplan.services import transaction, webhooks
from seatplan.services.unset import UNSET, Unset
from seatplan.shapes import webhooks as shapes

app = typer.Typer(
    help="Webhook endpoints: where events are sent, their delivery log, seat alerts.",
    no_args_is_help=True,
)

EndpointId = Annotated[UUID, typer.Argument(help="The endpoint's id.")]
Events = Annotated[
    list[str] | None,
    typer.Option(
        "--event",
        help="An event type (repeat the option), or '*' for all: "
        + ", ".join(webhooks.SUBSCRIBABLE),
    ),
]
Format = Annotated[
    str | None, typer.Option("--format", help="standard (JSON), slack or teams (a message).")
]
Sku = Annotated[
    str | None, typer.Option("--sku", help="Only the events of this product (skuPartNumber).")
]
GroupRef = Annotated[
    str | None, typer.Option("--group", help="Only the events of this group (name or id).")
]


def _print(endpoint: shapes.Endpoint) -> None:
    output.fields(
        [
            ("Id", endpoint["id"]),
            ("URL", endpoint["url"]),
            ("Events", " ".join(endpoint["events"])),
            ("Format", endpoint["format"]),
            ("Product", endpoint["skuId"] or "any"),
            ("Group", endpoint["groupId"] or "any"),
            ("Enabled", "yes" if endpoint["enabled"] else "no"),
            ("Disabled because", endpoint["disabledReason"] or ""),
            ("Failing since", endpoint["failingSinceDateTime"] or ""),
        ]
    )


@app.command("list")
def list_endpoints(json: Json = False) -> None:
    """Every endpoint, and why a disabled one is disabled."""
    with database().reading() as session:
        items = [shapes.endpoint(row) for row in webhooks.list_endpoints(session)]
    if json:
        output.print_json(items)
        return
    output.table(
        ["Id", "URL", "Events", "Format", "Enabled", "Disabled because"],
        (
            [
                e["id"],
                e["url"],
                " ".join(e["events"]),
                e["format"],
                "yes" if e["enabled"] else "no",
                e["disabledReason"] or "",
            ]
            for e in items
        ),
    )


@app.command("create")
def create(
    url: Annotated[str, typer.Argument(help="http(s) URL of the receiver.")],
    event: Events = None,
    format_: Format = None,
    sku: Sku = None,
    group: GroupRef = None,
    description: Annotated[str, typer.Option("--description")] = "",
    json: Json = False,
) -> None:
    """Register an endpoint. Its signing secret is printed once, as the last line."""
    checked = webhooks.check_url(url)  # before the transaction: it may resolve a name
    with transaction.writing(database()) as session:
        row = webhooks.create(
            session,
            url=checked,
            event_types=event or ["*"],
            format_=format_ or webhooks.STANDARD,
            sku=sku,
            group=group,
            description=description,
        )
        created = shapes.created_endpoint(row)
    if json:
        output.print_json(created)
        return
    _print(created)
    output.say("Copy the signing secret now: it is not shown again.", output.WARN)
    typer.echo(created["secret"])


@app.command("show")
def show(endpoint_id: EndpointId, json: Json = False) -> None:
    with database().reading() as session:
        found = shapes.endpoint(webhooks.get(session, endpoint_id))
    if json:
        output.print_json(found)
    else:
        _print(found)


@app.command("update")
def update(
    endpoint_id: EndpointId,
    url: Annotated[str | None, typer.Option("--url")] = None,
    event: Events = None,
    format_: Format = None,
    sku: Sku = None,
    group: GroupRef = None,
    any_sku: Annotated[bool, typer.Option("--any-sku", help="Drop the product filter.")] = False,
    any_group: Annotated[bool, typer.Option("--any-group", help="Drop the group filter.")] = False,
    enable: Annotated[
        bool | None,
        typer.Option("--enable/--disable", help="Turn on (pending deliveries first) or off."),
    ] = None,
) -> None:
    """Change what is given."""
    sku_change: str | Unset | None = None if any_sku else (sku if sku is not None else UNSET)
    group_change: str | Unset | None = (
        None if any_group else (group if group is not None else UNSET)
    )
    # Checked before the transaction: it may resolve a name.
    checked = webhooks.check_url(url) if url is not None else UNSET
    with transaction.writing(database()) as session:
        row = webhooks.update(
            session,
            webhooks.get(session, endpoint_id),
            url=checked,
            event_types=event if event else UNSET,
            format_=format_ if format_ is not None else UNSET,
            sku=sku_change,
            group=group_change,
            enabled=enable if enable is not None else UNSET,
        )
        found = shapes.endpoint(row)
    _print(found)


@app.command("delete")
def delete(endpoint_id: EndpointId) -> None:
    """Delete an endpoint and its delivery log."""
    with transaction.writing(database()) as session:
        webhooks.delete_endpoint(session, webhooks.get(session, endpoint_id))
    output.say(f"Endpoint {endpoint_id} deleted.", output.OK)


@app.command("rotate-secret")
def rotate_secret(endpoint_id: EndpointId) -> None:
    """A new signing secret, printed once as the last line."""
    with transaction.writing(database()) as session:
        secret = webhooks.rotate_secret(session, webhooks.get(session, endpoint_id))
    output.say("Copy the new signing secret now: it is not shown again.", output.WARN)
    typer.echo(secret)


@app.command("deliveries")
def deliveries(
    endpoint_id: EndpointId,
    top: Annotated[int, typer.Option("--top", min=1, max=webhooks.MAX_LOG)] = 20,
    json: Json = False,
) -> None:
    """The endpoint's delivery log, newest first."""
    with database().reading() as session:
        found = webhooks.deliveries(session, webhooks.get(session, endpoint_id), top=top)
        items = [shapes.delivery(row, event) for row, event in found]
    if json:
        output.print_json(items)
        return
    output.table(
        ["Id", "Event", "Status", "Attempts", "Answer", "ms", "Last attempt", "Error"],
        (
            [
                str(d["id"]),
                d["eventType"],
                d["status"],
                str(d["attempts"]),
                str(d["responseStatus"] or ""),
                str(d["responseMilliseconds"] if d["responseMilliseconds"] is not None else ""),
                d["lastAttemptDateTime"] or "",
                d["error"] or "",
            ]
            for d in items
        ),
    )


@app.command("test")
def send_test(endpoint_id: EndpointId) -> None:
    """Queue a test event for this endpoint (a worker sends it; see `deliveries`)."""
    with transaction.writing(database()) as session:
        row, _ = webhooks.send_test(session, webhooks.get(session, endpoint_id))
        queued = row.id
    output.say(f"Test event queued as delivery {queued}.", output.OK)


@app.command("redeliver")
def redeliver(
    endpoint_id: EndpointId,
    delivery_id: Annotated[int, typer.Argument(help="The delivery's id (see `deliveries`).")],
) -> None:
    """Send a delivery's event again, with the same webhook-id."""
    with transaction.writing(database()) as session:
        row, _ = webhooks.redeliver(session, webhooks.get(session, endpoint_id), delivery_id)
        queued = row.id
    output.say(f"Event queued again as delivery {queued}.", output.OK)


@app.command("deliver")
def deliver() -> None:
    """Send every delivery due now, then return (a running worker does this on its own)."""
    db = database()
    sender = delivery.Sender.from_settings()
    try:
        attempts = delivery.deliver_due(db, sender)
    finally:
        sender.client.close()
    output.say(f"{attempts} delivery attempt(s) made.", output.OK)


@app.command("seat-alert")
def seat_alert(
    sku: Annotated[str, typer.Argument(help="The product (skuPartNumber or skuId).")],
    below: Annotated[int | None, typer.Option("--below", help="Alert under this many.")] = None,
    clear: Annotated[bool, typer.Option("--clear", help="Remove the alert.")] = False,
) -> None:
    """A seats.low event when the product's available seats fall under --below."""
    if clear == (below is not None):
        output.fail_lines("Give either --below N or --clear.")
        raise typer.Exit(1)
    with transaction.writing(database()) as session:
        if below is None:
            webhooks.clear_seat_alert(session, sku=sku)
            output.say(f"Seat alert of {sku} removed.", output.OK)
            return
        _, part = webhooks.set_seat_alert(session, sku=sku, below=below)
    output.say(f"{part}: an event when fewer than {below} seats are available.", output.OK)


@app.command("seat-alerts")
def seat_alerts(json: Json = False) -> None:
    with database().reading() as session:
        items = [shapes.seat_alert(row, part) for row, part in webhooks.seat_alerts(session)]
    if json:
        output.print_json(items)
        return
    output.table(["Product", "Alert under"], ([a["skuPartNumber"], str(a["below"])] for a in items))
