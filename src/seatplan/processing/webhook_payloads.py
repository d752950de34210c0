"""The body of a webhook request: the standard JSON event, or a Slack or Teams message.

Standard: `{"type", "timestamp", "data"}`, as the Standard Webhooks specification lays
it out. Slack and Microsoft Teams: one sentence a person reads in a channel ("3 users in
Marketing are in error: not enough Power BI Pro"), in the JSON their incoming webhooks
take (Slack's `text`; for Teams a message with one Adaptive Card, which Teams' workflows
for incoming webhooks post). Graph change notifications: Graph's `{"value": [...]}`.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

STANDARD = "standard"
SLACK = "slack"
TEAMS = "teams"
#: A Graph subscription's notifications: the event's data is Graph's whole body.
GRAPH = "graph"


def body(format_: str, event_type: str, occurred: datetime, data: dict[str, Any]) -> str:
    """The request body, as the text that is signed and sent."""
    if format_ == GRAPH:
        return json.dumps(data, separators=(",", ":"), ensure_ascii=False)  # {"value": [...]}
    if format_ == SLACK:
        payload: dict[str, Any] = {"text": message(event_type, data)}
    elif format_ == TEAMS:
        payload = _teams_card(message(event_type, data))
    else:
        stamp = occurred.isoformat().replace("+00:00", "Z")
        payload = {"type": event_type, "timestamp": stamp, "data": data}
    return json.dumps(payload, separators=(",", ":"), ensure_ascii=False)


def _teams_card(text: str) -> dict[str, Any]:
    return {
        "type": "message",
        "attachments": [
            {
                "contentType": "application/vnd.microsoft.card.adaptive",
                "content": {
                    "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
                    "type": "AdaptiveCard",
                    "version": "1.4",
                    "body": [{"type": "TextBlock", "text": text, "wrap": True}],
                },
            }
        ],
    }


_ERRORS = {
    "CountViolation": "not enough {product}",
    "MutuallyExclusiveViolation": "{product} conflicts with a license they hold",
    "DependencyViolation": "{product} depends on a license they do not have",
    "ProhibitedInUsageLocationViolation": "{product} is not available in their usage location",
    "Other": "{product} could not be applied",
}


def _users(count: int) -> str:
    return f"{count} user" if count == 1 else f"{count} users"


def _who(data: dict[str, Any]) -> str:
    """'3 users in Marketing' or '1 user with a direct license'."""
    source = data.get("source", {})
    count = int(data.get("userCount", 0))
    if source.get("type") == "group":
        return f"{_users(count)} in {source.get('displayName') or source.get('id')}"
    return f"{_users(count)} with a direct license"


def message(event_type: str, data: dict[str, Any]) -> str:
    """One sentence saying what happened, for people."""
    product = data.get("product", {}).get("displayName", "")
    who = _who(data)
    verb = "is" if data.get("userCount") == 1 else "are"
    if event_type == "license.error":
        reason = _ERRORS.get(data.get("error", ""), _ERRORS["Other"]).format(product=product)
        return f"{who} {verb} in error: {reason}"
    if event_type == "license.errorResolved":
        return f"{who} {verb} no longer in error for {product} ({data.get('error')})"
    if event_type == "license.active":
        return f"{product} is now active for {who}"
    if event_type == "license.removed":
        return f"{product} was removed from {who}"
    if event_type == "group.processingFinished":
        group = data.get("group", {}).get("displayName", "")
        return (
            f"{group} finished processing: {_users(int(data.get('succeeded', 0)))} licensed, "
            f"{int(data.get('failed', 0))} in error"
        )
    if event_type == "seats.low":
        return (
            f"{product} has {data.get('available')} seat(s) left, under the alert at "
            f"{data.get('below')}"
        )
    if event_type == "seats.exhausted":
        return f"{product} has no seats left"
    if event_type == "subscription.changed":
        before, after = data.get("previousEnabledUnits"), data.get("enabledUnits")
        if before is None:
            return f"A {product} subscription of {after} seat(s) was added"
        if after is None:
            return f"A {product} subscription of {before} seat(s) was removed"
        return f"A {product} subscription changed from {before} to {after} seat(s)"
    if event_type == "webhook.test":
        return "Test event from Seatplan: this endpoint receives its events."
    return event_type
