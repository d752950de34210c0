"""Graph's subscription (change notifications), as `/v1.0/subscriptions` answers it."""

from __future__ import annotations

from pydantic import with_config
from typing_extensions import TypedDict

from seatplan.shapes.values import EXACT, DateTime, Guid, when
from seatplan.store.tables import GraphSubscription


@with_config(EXACT)
class Subscription(TypedDict):
    id: Guid
    resource: str
    applicationId: str | None
    changeType: str
    clientState: str | None
    notificationUrl: str
    notificationQueryOptions: str | None
    lifecycleNotificationUrl: str | None
    expirationDateTime: DateTime
    creatorId: str | None
    includeResourceData: bool
    latestSupportedTlsVersion: str
    encryptionCertificate: str | None
    encryptionCertificateId: str | None
    notificationUrlAppId: str | None


def subscription(row: GraphSubscription) -> Subscription:
    return {
        "id": str(row.id),
        "resource": row.resource,
        "applicationId": None,
        "changeType": row.change_type,
        "clientState": row.client_state,
        "notificationUrl": row.notification_url,
        "notificationQueryOptions": None,
        "lifecycleNotificationUrl": row.lifecycle_notification_url,
        "expirationDateTime": when(row.expiration),
        "creatorId": row.creator_id,
        "includeResourceData": False,
        "latestSupportedTlsVersion": row.latest_supported_tls_version,
        "encryptionCertificate": None,
        "encryptionCertificateId": None,
        "notificationUrlAppId": None,
    }
