"""Issue 15, problem 3: owners' e-mail texts are safe.

After an owner saved an override the mail showed literal `<p>Guten Tag …</p>` and `&amp;amp;`;
a text with a syntax error saved as active; an unknown variable rendered empty ("in einer -Filiale").
"""

from datetime import date, datetime
from decimal import Decimal
from html.parser import HTMLParser
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.test import Client

from messaging.models import ALL_EVENTS, BuyerEvent, EmailTemplateOverride
from messaging.overrides import DESCRIPTIONS, event_variables
from messaging.rendering import forget_overrides, render_event
from messaging.services.sending import outbox_send

pytestmark = pytest.mark.django_db

ADD_URL = "/admin/messaging/emailtemplateoverride/add/"
NASTY = "Leinen & Liebe <Outlet> “Nord”"


class VisibleText(HTMLParser):
    """What a mail client shows of an HTML part: text with entities decoded once, no markup."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts, self._skip = [], 0

    def handle_starttag(self, tag, attrs):
        self._skip += tag in ("style", "title", "head")

    def handle_endtag(self, tag):
        self._skip -= tag in ("style", "title", "head")

    def handle_data(self, data):
        if not self._skip:
            self.parts.append(data)

    @classmethod
    def of(cls, html: str) -> str:
        parser = cls()
        parser.feed(html)
        return "".join(parser.parts)


def owner_posts(owner, shop, **fields):
    client = Client()
    client.force_login(owner)
    data = {"shop": shop.pk, "event": BuyerEvent.CLAIM_RECEIVED, "language": "sv", "active": "on"}
    return client.post(ADD_URL, {**data, **fields})


def test_owners_override_reaches_the_buyer_without_literal_tags_or_double_escaping(
    owner, shop, queued, locmem_mail
):
    shop.name = "Leinen & Liebe"
    shop.save()
    response = owner_posts(
        owner,
        shop,
        subject="{{ shop_name }}: {{ case_reference }}",
        body="{{ greeting }}\n\nvi har fått ditt meddelande om order {{ order_number }}.\n"
        "Följ paketet här: https://example.se/spåra?a=1&b=2\n\nHälsningar\n{{ shop_name }}",
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    forget_overrides()

    outbox_send(message_id=queued.pk)

    [email] = mail.outbox
    html = email.alternatives[0][0]
    visible = VisibleText.of(html)
    assert email.subject.startswith("Leinen & Liebe: ")
    assert email.body.startswith("Hej Karin!\n\nvi har fått ditt meddelande")
    assert "Hej Karin!" in visible and "Hälsningar" in visible
    assert "Leinen & Liebe" in visible
    assert "&amp;" not in visible and "<p>" not in visible and "&lt;" not in visible
    assert "&amp;amp;" not in html
    assert 'href="https://example.se/sp%C3%A5ra?a=1&amp;b=2"' in html


def test_a_syntax_error_is_refused_on_save_with_its_line(owner, shop):
    response = owner_posts(owner, shop, subject="Tack", body="Hej!\n\n{% if carrier_name %}\nDitt paket")

    assert response.status_code == 200
    assert "Line 3:" in response.content.decode()
    assert not EmailTemplateOverride.objects.exists()


def test_an_unknown_variable_is_refused_on_save_with_its_name_and_line(owner, shop):
    response = owner_posts(owner, shop, subject="Tack", body="Hej!\n\nLämna det i en {{ filiale }}-butik.")

    page = response.content.decode()
    assert response.status_code == 200
    assert "Line 3:" in page and "filiale" in page
    assert not EmailTemplateOverride.objects.exists()


def test_an_unknown_variable_in_the_subject_is_refused_too(owner, shop):
    response = owner_posts(owner, shop, subject="Ärende {{ case_ref }}", body="Hej!")

    assert "case_ref" in response.content.decode()
    assert not EmailTemplateOverride.objects.exists()


def test_html_markup_is_refused_because_the_html_part_is_made_from_the_text(owner, shop):
    response = owner_posts(owner, shop, subject="Tack", body="<p>Guten Tag {{ buyer_name }}</p>")

    assert "Line 1:" in response.content.decode()
    assert not EmailTemplateOverride.objects.exists()


def test_tags_beyond_if_for_and_with_are_refused(owner, shop):
    response = owner_posts(owner, shop, subject="Tack", body="Hej!\n{% include 'emails/base.txt' %}")

    assert "include" in response.content.decode()
    assert not EmailTemplateOverride.objects.exists()


def test_the_editor_lists_the_variables_of_the_e_mail(owner, shop):
    override = EmailTemplateOverride.objects.create(
        shop=shop, event=BuyerEvent.REFUND_ISSUED, language="de", subject="x", body="{{ greeting }}"
    )
    client = Client()
    client.force_login(owner)

    page = client.get(f"/admin/messaging/emailtemplateoverride/{override.pk}/change/").content.decode()

    assert "{{ refund_amount }}" in page and "{{ greeting }}" in page and "{{ tracking_number }}" in page


def test_preview_shows_a_real_recent_case_of_the_shop(owner, shop, queued):
    override = EmailTemplateOverride.objects.create(
        shop=shop,
        event=BuyerEvent.CLAIM_RECEIVED,
        language="sv",
        subject="Ärende {{ case_reference }}",
        body="{{ greeting }}\n\nOrder {{ order_number }}",
    )
    client = Client()
    client.force_login(owner)

    page = client.get(f"/admin/messaging/emailtemplateoverride/{override.pk}/change/").content.decode()

    assert f"Ärende {queued.case.reference}" in page
    assert "Hej Karin!" in page
    assert queued.case.order.number in page


def test_an_override_broken_in_the_database_sends_the_default_text(queued, shop, locmem_mail):
    EmailTemplateOverride.objects.create(
        shop=shop, event=BuyerEvent.CLAIM_RECEIVED, language="sv", subject="x", body="{% if %}"
    )
    forget_overrides()

    outbox_send(message_id=queued.pk)

    [email] = mail.outbox
    assert "Vi har tagit emot" in email.subject


# --- every event × language × override ----------------------------------------------------

TYPED = {
    "delivered_at": datetime(2026, 5, 6, 14, 32, tzinfo=ZoneInfo("Europe/Berlin")),
    "refund_expected": date(2026, 5, 12),
    "return_deadline": date(2026, 5, 20),
    "claim_deadline": date(2026, 5, 20),
    "respond_by": datetime(2026, 5, 20, 12, 0, tzinfo=ZoneInfo("Europe/Berlin")),
    "pickup_date": date(2026, 5, 9),
    "pickup_last_day": date(2026, 5, 14),
    "refund_amount": Decimal("59.20"),
    "amount": "59.20",
    "limit": "250.00",
    "currency": "EUR",
    "refund_currency": "EUR",
    "items": [{"title": "Servietten & Läufer <weiß>", "received": 2, "accepted": 1, "note": "O'Brien"}],
    "feedback_links": [{"rating": 5, "stars": "★★★★★", "url": "https://postsale.example/f/x/5/?a=1&b=2"}],
    "attachment_names": ["label & <1>.pdf"],
}


def every_variable_context() -> dict:
    context = {name: f"{name}: {NASTY}" for name in DESCRIPTIONS}
    context.update(TYPED)
    context.update(buyer_name="Ingrid O'Brien & Co", greeting_name="Ingrid O'Brien & Co", buyer_salutation="")
    context.pop("greeting")
    return context


def override_using_every_variable(event: str) -> tuple[str, str]:
    lines = []
    for name in event_variables(event):
        if isinstance(TYPED.get(name), list):
            lines.append(f"{name}: {{% for x in {name} %}}{{{{ x }}}} {{% endfor %}}")
        else:
            lines.append(f"{name}: {{{{ {name} }}}}")
    return "{{ shop_name }} {{ case_reference }} {{ refund_amount }}", "\n".join(lines)


@pytest.mark.parametrize("language", ["de", "sv", "en"])
@pytest.mark.parametrize("event", [event for event, _label in ALL_EVENTS])
def test_every_event_and_language_with_an_override_shows_no_tags_or_entities(event, language):
    subject, body = override_using_every_variable(event)
    override = EmailTemplateOverride(event=event, language=language, subject=subject, body=body)

    rendered = render_event(event, every_variable_context(), language=language, override=override)

    visible = VisibleText.of(rendered.html)
    for part in (rendered.subject, rendered.text, visible):
        assert "{{" not in part and "{%" not in part
        assert "&amp;" not in part and "&lt;" not in part and "&#x27;" not in part and "&quot;" not in part
        assert "<p>" not in part and "<br>" not in part
    assert NASTY in rendered.text and NASTY in visible
    assert "Ingrid O'Brien & Co" not in rendered.subject  # the subject names what it was told to
    assert "&amp;amp;" not in rendered.html


@pytest.mark.parametrize("event", [event for event, _label in ALL_EVENTS])
def test_every_variable_offered_is_described(event):
    assert [name for name in event_variables(event) if name not in DESCRIPTIONS] == []


@pytest.mark.parametrize("event", [event for event, _label in ALL_EVENTS])
def test_every_offered_variable_passes_the_save_check(event):
    from messaging.overrides import problems

    _subject, body = override_using_every_variable(event)

    assert problems(body, event=event) == []
