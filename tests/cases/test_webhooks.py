"""Webhooks on state changes, sent to a real local HTTP server: signed bodies a receiver can
verify, no personal data, one delivery per change, retries with backoff on errors and timeouts."""

import json
import threading
import time
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from io import StringIO
from itertools import pairwise

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.utils import timezone

from bonnefoi.accounts.models import Role
from bonnefoi.cases import services, webhooks
from bonnefoi.cases.models import (
    CaseEvent,
    DeliveryStatus,
    EventKind,
    WebhookDelivery,
    WebhookEndpoint,
)
from bonnefoi.core.models import AuditLogEntry
from tests.accounts.factories import UserFactory
from tests.cases.factories import agent_in, api_headers, api_post, in_review, submit, world

pytestmark = pytest.mark.django_db

SECRET = "s" * 64


class Receiver:
    """A local HTTP server answering the programmed statuses in turn (then 200); "sleep"
    answers after the client's timeout."""

    def __init__(self):
        self.requests: list[dict] = []
        self.answers: list = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.requests.append({"headers": self.headers, "body": body})
                answer = receiver.answers.pop(0) if receiver.answers else 200
                if answer == "sleep":
                    time.sleep(1.0)
                    answer = 200
                try:
                    self.send_response(answer)
                    self.end_headers()
                except OSError:  # the client gave up (timeout)
                    pass

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_port}/bonnefoi"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver():
    server = Receiver()
    yield server
    server.close()


@pytest.fixture
def w():
    return world()


@pytest.fixture
def endpoint(w, receiver):
    return WebhookEndpoint.objects.create(structure=w.network, url=receiver.url, secret=SECRET)


def test_a_state_change_is_posted_once_signed_and_without_personal_data(
    w, endpoint, receiver, django_capture_on_commit_callbacks
):
    """Submitting a case posts one signed JSON body: the receiver verifies the HMAC over
    "<timestamp>.<body>"; the body names the case by reference and holds no e-mail, identifier
    or declaration text; a 200 marks the delivery delivered, never sent again."""
    with django_capture_on_commit_callbacks(execute=True):
        case = submit(
            w.procedure,
            identifier_kind="caf_allocataire",
            identifier="1234567",
            contact_email="camille@exemple.test",
        )
    assert len(receiver.requests) == 1
    request = receiver.requests[0]
    headers, body = request["headers"], request["body"]
    assert webhooks.verify_signature(
        SECRET, headers["X-BonneFoi-Timestamp"], body, headers["X-BonneFoi-Signature"]
    )
    assert headers["X-BonneFoi-Event"] == "submitted"
    payload = json.loads(body)
    assert payload["case"]["reference"] == case.reference
    assert payload["case"]["state"] == "submitted"
    assert payload["event"] == "submitted"
    text = body.decode()
    for personal in ("camille@exemple.test", "1234567", "1 800", "2 100", case.identifier_hmac):
        assert personal not in text
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == DeliveryStatus.DELIVERED
    assert delivery.attempts == 1
    assert headers["X-BonneFoi-Delivery"] == str(delivery.pk)

    call_command("deliver_webhooks", "--once", stdout=StringIO())
    assert len(receiver.requests) == 1


def test_signature_refuses_tampering_and_replays():
    """The reference check: a changed body, a changed timestamp or an old request fail."""
    body = b'{"event": "taken"}'
    now = int(time.time())
    header = webhooks.signature(SECRET, str(now), body)
    assert webhooks.verify_signature(SECRET, str(now), body, header)
    assert not webhooks.verify_signature(SECRET, str(now), body + b" ", header)
    assert not webhooks.verify_signature(SECRET, str(now + 1), body, header)
    assert not webhooks.verify_signature("autre" * 13, str(now), body, header)
    old = str(now - 600)
    assert not webhooks.verify_signature(SECRET, old, body, webhooks.signature(SECRET, old, body))


def test_errors_are_retried_with_backoff_then_failed(
    w, endpoint, receiver, django_capture_on_commit_callbacks
):
    """A 500 keeps the delivery pending; it is retried after 1 min, 5 min, 30 min, 2 h and
    12 h, each time with the same delivery id, then given up after the sixth failure."""
    receiver.answers = [500] * 6
    with django_capture_on_commit_callbacks(execute=True):
        submit(w.procedure)
    delivery = WebhookDelivery.objects.get()
    waits = []
    for _retry in range(5):
        assert delivery.status == DeliveryStatus.PENDING
        assert delivery.last_error == "Réponse HTTP 500"
        started = timezone.now()
        waits.append(delivery.next_attempt_at)
        assert webhooks.deliver_due(now=started) == {"delivered": 0, "pending": 0, "failed": 0}
        webhooks.deliver_due(now=delivery.next_attempt_at)
        delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.FAILED
    assert delivery.attempts == 6
    assert len(receiver.requests) == 6
    assert {r["headers"]["X-BonneFoi-Delivery"] for r in receiver.requests} == {str(delivery.pk)}
    assert timedelta(seconds=55) < waits[0] - delivery.created_at < timedelta(seconds=65)
    gaps = [later - earlier for earlier, later in pairwise(waits)]
    assert gaps == [
        timedelta(minutes=5),
        timedelta(minutes=30),
        timedelta(hours=2),
        timedelta(hours=12),
    ]


def test_a_timeout_is_retried_and_then_delivered(
    w, endpoint, receiver, settings, django_capture_on_commit_callbacks
):
    """No answer within the timeout counts as a failure; the next pass of the cron command
    delivers it."""
    settings.CASE_WEBHOOK_TIMEOUT_SECONDS = 0.2
    receiver.answers = ["sleep"]
    with django_capture_on_commit_callbacks(execute=True):
        submit(w.procedure)
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == DeliveryStatus.PENDING
    assert delivery.last_error.startswith("Pas de réponse en 0.2 s")
    assert delivery.next_attempt_at - timezone.now() > timedelta(seconds=50)

    WebhookDelivery.objects.filter(pk=delivery.pk).update(next_attempt_at=timezone.now())
    out = StringIO()
    call_command("deliver_webhooks", "--once", stdout=out)
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.DELIVERED
    assert delivery.attempts == 2
    assert "Reçus : 1" in out.getvalue()


def test_only_state_changes_are_sent(w, endpoint, receiver, django_capture_on_commit_callbacks):
    """Taken, invited, answered (back in review), decided, closed: each sent with its state;
    a message to the person, an internal note and a second answer are not."""
    agent = agent_in(w.gard)
    with django_capture_on_commit_callbacks(execute=True):
        case = in_review(w.procedure, agent)
        services.case_message(case=case, user=agent, body="Bonjour.", expected_version=None)
        services.case_note(case=case, user=agent, body="Note.")
        services.case_invite(
            case=case,
            user=agent,
            requested="Envoyez le bulletin.",
            rule="P30D",
            expected_version=None,
        )
        services.case_person_answer(case=case, body="Voici le bulletin.", files=[], limit=10)
        services.case_person_answer(case=case, body="J'oubliais : merci.", files=[], limit=10)
    sent = [(d.event, d.payload["case"]["state"]) for d in WebhookDelivery.objects.order_by("pk")]
    assert sent == [
        ("submitted", "submitted"),
        ("taken", "in_review"),
        ("invitation", "awaiting_person"),
        ("person_message", "in_review"),
    ]
    answer = CaseEvent.objects.filter(kind=EventKind.PERSON_MESSAGE).order_by("pk").first()
    assert answer.data == {"state_from": "awaiting_person", "state_to": "in_review"}


def test_endpoints_match_the_subtree_and_redirections_tell_both_sides(
    w, receiver, django_capture_on_commit_callbacks
):
    """A Moselle endpoint hears nothing of a Gard case until the case is redirected to the
    Moselle; then both the Gard and the Moselle endpoints are told. Inactive endpoints hear
    nothing. (The queueing tasks run late here, after the redirection: each event still goes
    to the structure in charge at its time.)"""
    gard = WebhookEndpoint.objects.create(structure=w.gard, url=receiver.url, secret=SECRET)
    moselle = WebhookEndpoint.objects.create(structure=w.moselle, url=receiver.url, secret=SECRET)
    WebhookEndpoint.objects.create(
        structure=w.gard, url=receiver.url, secret=SECRET, is_active=False
    )
    agent = agent_in(w.gard)
    with django_capture_on_commit_callbacks(execute=True):
        case = submit(w.procedure, postal_code="30900")
        services.case_redirect(
            case=case,
            user=agent,
            to=w.moselle,
            reason="Domicile en Moselle.",
            expected_version=None,
        )
    assert list(gard.deliveries.values_list("event", flat=True).order_by("pk")) == [
        "submitted",
        "redirected",
    ]
    assert list(moselle.deliveries.values_list("event", flat=True)) == ["redirected"]
    assert WebhookDelivery.objects.count() == 3


def test_queueing_twice_makes_no_duplicate(w, endpoint, django_capture_on_commit_callbacks):
    """The queueing task may run twice for one event: one delivery per endpoint and event."""
    case = submit(w.procedure)
    event = CaseEvent.objects.get(case=case, kind=EventKind.SUBMITTED)
    with django_capture_on_commit_callbacks(execute=False):
        webhooks.queue_deliveries(case.pk, event.pk)
        webhooks.queue_deliveries(case.pk, event.pk)
    assert WebhookDelivery.objects.count() == 1


@pytest.mark.parametrize(
    ("url", "valid"),
    [
        ("https://si.caf.example/hooks", True),
        ("http://127.0.0.1:8080/hooks", True),
        ("http://localhost/hooks", True),
        ("http://si.caf.example/hooks", False),
        ("ftp://si.caf.example/hooks", False),
    ],
)
def test_endpoint_addresses_must_be_https(url, valid):
    """HTTPS only, except plain HTTP on the loopback when internal addresses are allowed
    (development, tests: CASE_WEBHOOK_ALLOW_PRIVATE)."""
    if valid:
        webhooks.check_endpoint_url(url)
    else:
        with pytest.raises(ValidationError):
            webhooks.check_endpoint_url(url)


def test_only_administrators_manage_endpoints_and_it_is_audited(w):
    """webhook.manage: an administrator of the Gard creates an endpoint (random secret, audit
    without the secret); an agent of the Gard and an administrator of the Moselle cannot."""
    admin = agent_in(w.gard, Role.ADMINISTRATOR)
    endpoint = webhooks.webhook_endpoint_save(
        actor=admin, endpoint=WebhookEndpoint(structure=w.gard, url="https://si.example/hooks")
    )
    assert len(endpoint.secret) == 64
    entry = AuditLogEntry.objects.get(action="webhook.create")
    assert endpoint.secret not in json.dumps(entry.details)
    for outsider in (agent_in(w.gard), agent_in(w.moselle, Role.ADMINISTRATOR)):
        with pytest.raises(PermissionDenied):
            webhooks.webhook_endpoint_save(
                actor=outsider,
                endpoint=WebhookEndpoint(structure=w.gard, url="https://si.example/autre"),
            )
    assert set(webhooks.endpoints_manageable_by(admin)) == {endpoint}
    assert not webhooks.endpoints_manageable_by(agent_in(w.gard)).exists()


def test_superusers_manage_endpoints_in_the_admin(client, w):
    """/gestion/ (superusers only): adding an endpoint goes through the service (random secret,
    audit), the secret is shown on its page for the receiver; a plain-HTTP address is refused
    with a French message."""
    superuser = UserFactory(superuser=True)
    client.force_login(superuser)
    add = "/gestion/cases/webhookendpoint/add/"
    assert client.get(add).status_code == 200
    response = client.post(
        add, {"structure": w.gard.pk, "url": "http://si.example/hooks", "is_active": "on"}
    )
    assert response.status_code == 200
    assert "https://" in response.content.decode()
    response = client.post(
        add, {"structure": w.gard.pk, "url": "https://si.example/hooks", "is_active": "on"}
    )
    assert response.status_code == 302
    endpoint = WebhookEndpoint.objects.get()
    assert len(endpoint.secret) == 64
    page = client.get(f"/gestion/cases/webhookendpoint/{endpoint.pk}/change/")
    assert endpoint.secret in page.content.decode()
    assert AuditLogEntry.objects.filter(action="webhook.create", actor=superuser).exists()


def test_administrators_manage_endpoints_through_the_agent_api(client, w):
    """/api/v1/agent/webhooks/: an administrator of the Gard creates an endpoint (secret given
    once), lists and deactivates it; an agent gets an empty list and a 403 on creation; an
    administrator of the Moselle cannot see it (404)."""
    bearer, post = api_headers, api_post
    admin_headers = bearer(agent_in(w.gard, Role.ADMINISTRATOR))
    url = "/api/v1/agent/webhooks/"
    data = {"structure": w.gard.pk, "url": "https://si.example/hooks"}
    response = post(client, url, admin_headers, data)
    assert response.status_code == 201, response.content
    created = response.json()
    assert len(created["secret"]) == 64
    detail = f"{url}{created['id']}/"
    assert "secret" not in client.get(detail, headers=admin_headers).json()
    assert [row["id"] for row in client.get(url, headers=admin_headers).json()["results"]] == [
        created["id"]
    ]
    response = client.patch(
        detail, {"is_active": False}, content_type="application/json", headers=admin_headers
    )
    assert response.status_code == 200
    assert WebhookEndpoint.objects.get().is_active is False
    response = post(client, url, admin_headers, {**data, "url": "http://si.example/hooks"})
    assert response.status_code == 400
    assert "url" in response.json()["errors"]

    agent_headers = bearer(agent_in(w.gard))
    assert client.get(url, headers=agent_headers).json()["results"] == []
    assert post(client, url, agent_headers, data).status_code == 403
    moselle_headers = bearer(agent_in(w.moselle, Role.ADMINISTRATOR))
    assert client.get(detail, headers=moselle_headers).status_code == 404


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8080/hooks",
        "http://localhost/hooks",
        "https://127.0.0.1/hooks",
        "https://10.1.2.3/hooks",
        "https://192.168.0.10/hooks",
        "https://169.254.169.254/latest/meta-data",
        "https://[::1]/hooks",
    ],
)
def test_production_refuses_internal_addresses(settings, url):
    """In production (CASE_WEBHOOK_ALLOW_PRIVATE off), an administrator cannot point the
    platform's signed POSTs at its own network: loopback, private and link-local addresses
    are refused in French."""
    settings.CASE_WEBHOOK_ALLOW_PRIVATE = False
    with pytest.raises(ValidationError) as error:
        webhooks.check_endpoint_url(url)
    assert "url" in error.value.message_dict


def test_a_public_name_resolving_inside_is_not_posted_to(
    settings, w, endpoint, monkeypatch, django_capture_on_commit_callbacks
):
    """A name that resolves to an internal address at send time is not called: the delivery
    records why and is retried later, like any failure."""
    settings.CASE_WEBHOOK_ALLOW_PRIVATE = False
    monkeypatch.setattr(
        webhooks.socket, "getaddrinfo", lambda *args, **kwargs: [(0, 0, 0, "", ("10.0.0.5", 0))]
    )
    with django_capture_on_commit_callbacks(execute=True):
        submit(w.procedure)
    delivery = WebhookDelivery.objects.get()
    assert delivery.status != "delivered"
    assert "Adresse interne refusée" in delivery.last_error
