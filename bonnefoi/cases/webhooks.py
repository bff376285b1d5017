"""Webhooks: an administration's system is told of every state change of the cases of a
structure subtree (WebhookEndpoint), by a signed JSON POST, retried with backoff.

Contract for receivers (also in docs: the OpenAPI description of the agent API):

- Body: JSON, UTF-8, no personal data: the case reference, its state, the event kind and
  timestamps (never the e-mail, the file identifier or the text of the declaration).
- Headers: ``X-BonneFoi-Event`` (event kind), ``X-BonneFoi-Delivery`` (delivery id: the same
  id on every retry, so a receiver can ignore a duplicate), ``X-BonneFoi-Timestamp`` (Unix time
  in seconds of this attempt) and ``X-BonneFoi-Signature: sha256=<hex>``, the HMAC-SHA256, keyed
  with the endpoint's secret, of ``<timestamp>.<raw body>``. A receiver recomputes it over the
  raw bytes, compares in constant time, and refuses a timestamp more than 5 minutes away from
  its clock (replay protection: an old request replayed has an old timestamp, and changing the
  timestamp breaks the signature).
- Success: any 2xx answer within the timeout. Anything else (3xx included: redirects are not
  followed) is retried after 1 min, 5 min, 30 min, 2 h and 12 h, then the delivery is failed.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import json
import logging
import secrets
import socket
import time
import urllib.error
import urllib.request
from datetime import timedelta
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.utils import timezone

from bonnefoi.cases import hooks
from bonnefoi.cases.models import (
    Case,
    CaseEvent,
    DeliveryStatus,
    EventKind,
    WebhookDelivery,
    WebhookEndpoint,
)
from bonnefoi.core.audit import audit_log
from bonnefoi.structures.abilities import permissions_on
from bonnefoi.structures.models import Structure

logger = logging.getLogger(__name__)

SIGNATURE_HEADER = "X-BonneFoi-Signature"
TIMESTAMP_HEADER = "X-BonneFoi-Timestamp"
EVENT_HEADER = "X-BonneFoi-Event"
DELIVERY_HEADER = "X-BonneFoi-Delivery"
# Waits after failed attempts 1, 2, … 5; the 6th failure gives up.
BACKOFF = (
    timedelta(minutes=1),
    timedelta(minutes=5),
    timedelta(minutes=30),
    timedelta(hours=2),
    timedelta(hours=12),
)
MAX_ATTEMPTS = len(BACKOFF) + 1
# While one worker sends a delivery, others leave it alone for this long (longer than a timeout).
CLAIM = timedelta(minutes=2)
REPLAY_WINDOW_SECONDS = 300  # advised to receivers

# The state a case is in right after each event that moves it.
STATE_AFTER = {
    EventKind.SUBMITTED: "submitted",
    EventKind.TAKEN: "in_review",
    EventKind.INVITATION: "awaiting_person",
    EventKind.PERSON_MESSAGE: "in_review",
    EventKind.DOCUMENT_ADDED: "in_review",
    EventKind.DECIDED: "decided",
    EventKind.CLOSED: "closed",
    EventKind.REDIRECTED: "submitted",
}
PERSON_ANSWERS = (EventKind.PERSON_MESSAGE, EventKind.DOCUMENT_ADDED)


def timeout_seconds() -> float:
    return float(getattr(settings, "CASE_WEBHOOK_TIMEOUT_SECONDS", 10))


def is_webhook_event(kind: str, data: dict | None) -> bool:
    """State changes only: a person's answer counts when it put the case back in review
    (services.case_person_answer records the move in the event's data)."""
    if kind in PERSON_ANSWERS:
        return (data or {}).get("state_to") == "in_review"
    return kind in STATE_AFTER


# --- endpoints (managed by administrators: webhook.manage) --------------------------------------


def webhook_abilities(user, structure: Structure) -> dict[str, bool]:
    return {"manage": "webhook.manage" in permissions_on(user, structure)}


def endpoints_manageable_by(user):
    from bonnefoi.cases.selectors import roles_with
    from bonnefoi.structures.selectors import structures_visible_to

    structures = structures_visible_to(user, roles_with("webhook.manage"))
    return WebhookEndpoint.objects.filter(structure__in=structures).select_related("structure")


def new_endpoint_secret() -> str:
    return secrets.token_hex(32)  # 64 characters: WebhookEndpoint.secret


def private_addresses_allowed() -> bool:
    """CASE_WEBHOOK_ALLOW_PRIVATE: true only for development and tests (a local receiver)."""
    return bool(getattr(settings, "CASE_WEBHOOK_ALLOW_PRIVATE", False))


def _is_internal(address: str) -> bool:
    ip = ipaddress.ip_address(address)
    return (
        ip.is_private
        or ip.is_loopback
        or ip.is_link_local
        or ip.is_reserved
        or ip.is_multicast
        or ip.is_unspecified
    )


def check_endpoint_url(url: str) -> None:
    """HTTPS to a public address only: an administration's system, never the platform's own
    network (no requests forged towards internal services). Plain HTTP and internal addresses
    are accepted only when CASE_WEBHOOK_ALLOW_PRIVATE is set (development, tests)."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    allowed_private = private_addresses_allowed()
    if not host or parts.scheme not in ("https", "http"):
        raise ValidationError({"url": ["Indiquez une adresse complète en https://."]})
    if parts.scheme == "http" and not (allowed_private and _is_loopback(host)):
        raise ValidationError(
            {"url": ["Indiquez une adresse en https:// (le http n'est accepté qu'en local)."]}
        )
    literal = _ip_literal(host)
    if literal is not None and _is_internal(literal) and not allowed_private:
        raise ValidationError(
            {"url": ["Cette adresse est interne (réseau privé, boucle locale) : refusée."]}
        )


def _ip_literal(host: str) -> str | None:
    try:
        return str(ipaddress.ip_address(host))
    except ValueError:
        return None


def resolves_to_internal(url: str) -> bool:
    """True when the host of `url` resolves to an internal address (checked again at each
    send: a public name may later point inside)."""
    host = urlsplit(url).hostname or ""
    try:
        addresses = {info[4][0] for info in socket.getaddrinfo(host, None)}
    except OSError:
        return False  # the send will fail and say so
    return any(_is_internal(address.split("%")[0]) for address in addresses)


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@transaction.atomic
def webhook_endpoint_save(
    *, actor, endpoint: WebhookEndpoint, changed_fields: list[str] | None = None
) -> WebhookEndpoint:
    """Create or change an endpoint of a structure the actor manages (audited, secret never
    written to the log). A new endpoint gets a random secret if none was given."""
    if not webhook_abilities(actor, endpoint.structure)["manage"]:
        raise PermissionDenied("Vous ne gérez pas les webhooks de cette structure.")
    check_endpoint_url(endpoint.url)
    created = endpoint.pk is None
    if created and not endpoint.secret:
        endpoint.secret = new_endpoint_secret()
    endpoint.save()
    audit_log(
        actor=actor,
        action="webhook.create" if created else "webhook.update",
        obj=endpoint,
        structure=endpoint.structure,
        details={
            "url": endpoint.url,
            "active": endpoint.is_active,
            "fields": [f for f in (changed_fields or []) if f != "secret"],
            "secret_changed": "secret" in (changed_fields or []),
        },
    )
    return endpoint


@transaction.atomic
def webhook_endpoint_delete(*, actor, endpoint: WebhookEndpoint) -> None:
    if not webhook_abilities(actor, endpoint.structure)["manage"]:
        raise PermissionDenied("Vous ne gérez pas les webhooks de cette structure.")
    audit_log(
        actor=actor,
        action="webhook.delete",
        obj=endpoint,
        structure=endpoint.structure,
        details={"url": endpoint.url},
    )
    endpoint.delete()


# --- deliveries ---------------------------------------------------------------------------------


def _iso(value) -> str | None:
    return value.isoformat() if value else None


def structure_at(case: Case, event: CaseEvent) -> int:
    """The structure in charge right after `event`, read from the history: a task may run
    after the case was redirected again."""
    if event.kind == EventKind.REDIRECTED and event.data.get("to"):
        return event.data["to"]
    later = case.events.filter(kind=EventKind.REDIRECTED, pk__gt=event.pk).order_by("pk").first()
    return later.data.get("from", case.structure_id) if later else case.structure_id


def payload_for(case: Case, event: CaseEvent) -> dict:
    """What a receiver is told: identifiers, state and dates. No personal data."""
    return {
        "event": event.kind,
        "event_id": event.pk,
        "occurred_at": _iso(event.at),
        "case": {
            "reference": case.reference,
            "state": STATE_AFTER[event.kind],
            "structure_id": structure_at(case, event),
            "procedure_id": case.procedure_id,
            "submitted_at": _iso(case.submitted_at),
            "decided_at": _iso(case.decided_at),
            "closed_at": _iso(case.closed_at),
        },
    }


def _with_ancestors(structure_ids: list[int]) -> list[int]:
    ids: list[int] = []
    for structure in Structure.objects.filter(pk__in=structure_ids):
        ids += [*structure.ancestor_ids, structure.pk]
    return ids


def _structures_concerned(case: Case, event: CaseEvent) -> list[int]:
    """The structure in charge after the event and its ancestors; for a redirection, also
    those of the structure the case left (its system must learn that the case is gone)."""
    concerned = [structure_at(case, event)]
    if event.kind == EventKind.REDIRECTED and event.data.get("from"):
        concerned.append(event.data["from"])
    return _with_ancestors(concerned)


def queue_deliveries(case_id: int, event_id: int) -> list[WebhookDelivery]:
    """One pending delivery per active endpoint concerned (once per event and endpoint), each
    sent at once by a task; retries are the job of deliver_due()."""
    case = Case.objects.select_related("structure").filter(pk=case_id).first()
    event = CaseEvent.objects.filter(pk=event_id, case_id=case_id).first()
    if case is None or event is None or not is_webhook_event(event.kind, event.data):
        return []
    endpoints = WebhookEndpoint.objects.filter(
        is_active=True, structure_id__in=_structures_concerned(case, event)
    )
    payload = payload_for(case, event)
    created = []
    with transaction.atomic():
        for endpoint in endpoints:
            if endpoint.deliveries.filter(case=case, payload__event_id=event.pk).exists():
                continue  # the task ran twice
            created.append(
                WebhookDelivery.objects.create(
                    endpoint=endpoint,
                    case=case,
                    event=event.kind,
                    payload=payload,
                    next_attempt_at=timezone.now(),
                )
            )
        for delivery in created:
            delivery_id = delivery.pk
            transaction.on_commit(
                lambda delivery_id=delivery_id: hooks.enqueue_delivery(delivery_id)
            )
    return created


def body_bytes(payload: dict) -> bytes:
    return json.dumps(payload, cls=DjangoJSONEncoder, ensure_ascii=False, sort_keys=True).encode()


def signature(secret: str, timestamp: str, body: bytes) -> str:
    """ "sha256=<hex>" over "<timestamp>.<body>" (what X-BonneFoi-Signature carries)."""
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return "sha256=" + digest.hexdigest()


def verify_signature(
    secret: str, timestamp: str, body: bytes, header: str, *, now: float | None = None
) -> bool:
    """What a receiver does (kept here as the reference implementation, and for tests)."""
    try:
        age = abs((now if now is not None else time.time()) - int(timestamp))
    except ValueError:
        return False
    if age > REPLAY_WINDOW_SECONDS:
        return False
    return hmac.compare_digest(signature(secret, timestamp, body), header)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None  # a 3xx is an answer like another: not a success


_opener = urllib.request.build_opener(_NoRedirect)


def _post(delivery: WebhookDelivery) -> str | None:
    """Send once; None on success (2xx), else a short French reason."""
    if not private_addresses_allowed() and resolves_to_internal(delivery.endpoint.url):
        return "Adresse interne refusée : le point d'appel doit être joignable sur Internet"
    body = body_bytes(delivery.payload)
    timestamp = str(int(time.time()))
    request = urllib.request.Request(  # noqa: S310 - scheme checked by check_endpoint_url
        delivery.endpoint.url,
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json; charset=utf-8",
            "User-Agent": "BonneFoi-Webhooks/1",
            EVENT_HEADER: delivery.event,
            DELIVERY_HEADER: str(delivery.pk),
            TIMESTAMP_HEADER: timestamp,
            SIGNATURE_HEADER: signature(delivery.endpoint.secret, timestamp, body),
        },
    )
    try:
        with _opener.open(request, timeout=timeout_seconds()) as response:
            status = response.status
    except urllib.error.HTTPError as error:
        return f"Réponse HTTP {error.code}"
    except TimeoutError:
        return f"Pas de réponse en {timeout_seconds():g} s"
    except urllib.error.URLError as error:
        if isinstance(error.reason, TimeoutError):
            return f"Pas de réponse en {timeout_seconds():g} s"
        return f"Connexion impossible : {error.reason}"[:300]
    except OSError as error:
        return f"Erreur réseau : {error}"[:300]
    if 200 <= status < 300:
        return None
    return f"Réponse HTTP {status}"


def _claim(delivery_id: int, now) -> WebhookDelivery | None:
    """Take a due delivery for this worker (conditional update: two workers never both send
    the same attempt)."""
    claimed = WebhookDelivery.objects.filter(
        pk=delivery_id, status=DeliveryStatus.PENDING, next_attempt_at__lte=now
    ).update(next_attempt_at=now + CLAIM)
    if not claimed:
        return None
    return WebhookDelivery.objects.select_related("endpoint").get(pk=delivery_id)


def attempt_delivery(delivery_id: int, *, now=None) -> str:
    """One attempt if the delivery is due; returns its status afterwards."""
    now = now or timezone.now()
    delivery = _claim(delivery_id, now)
    if delivery is None:
        status = WebhookDelivery.objects.filter(pk=delivery_id).values_list("status", flat=True)
        return status.first() or "missing"
    active = delivery.endpoint.is_active
    error = _post(delivery) if active else "Point d'appel désactivé"
    delivery.attempts += 1
    if error is None:
        delivery.status, delivery.last_error = DeliveryStatus.DELIVERED, ""
    elif delivery.attempts >= MAX_ATTEMPTS or not active:
        delivery.status, delivery.last_error = DeliveryStatus.FAILED, error
        logger.warning("Webhook delivery %s failed for good: %s", delivery.pk, error)
    else:
        delivery.last_error = error
        delivery.next_attempt_at = now + BACKOFF[delivery.attempts - 1]
    delivery.save(update_fields=["status", "attempts", "last_error", "next_attempt_at"])
    return delivery.status


def deliver_due(*, now=None, limit: int = 100) -> dict[str, int]:
    """Attempt every pending delivery that is due (oldest first); counts by resulting status."""
    now = now or timezone.now()
    due = list(
        WebhookDelivery.objects.filter(status=DeliveryStatus.PENDING, next_attempt_at__lte=now)
        .order_by("next_attempt_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )
    counts = {"delivered": 0, "pending": 0, "failed": 0}
    for delivery_id in due:
        status = attempt_delivery(delivery_id, now=now)
        if status in counts:
            counts[status] += 1
    return counts
