"""Owners and staff confirm a login with the code of their authenticator; agents may."""

import re

import pytest
from django.contrib import admin
from django.test import Client
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.test import APIClient

from cases.choices import ClaimType
from tests.factories import api_token, log_in, make_claim, make_order, totp_code

pytestmark = pytest.mark.django_db

CODE_PAGE = "/accounts/2fa/"
SETUP_PAGE = "/accounts/2fa/setup/"


def wrong_code_for(device) -> str:
    return f"{(int(totp_code(device)) + 1) % 1_000_000:06d}"


@pytest.fixture
def phone(owner):
    """The owner's authenticator app, set up before."""
    return TOTPDevice.objects.create(user=owner, name="Telefon", confirmed=True)


def desk_and_admin_pages(case) -> list[str]:
    pages = ["/", "/desk/", "/desk/me/", "/desk/dashboard/", f"/desk/cases/{case.reference}/", "/admin/"]
    pages += [f"/admin/{model._meta.app_label}/{model._meta.model_name}/" for model in admin.site._registry]
    return pages


def test_an_owner_with_the_password_alone_reaches_no_desk_or_admin_page(owner, phone, shop, carrier):
    case = make_claim(make_order(shop), ClaimType.DAMAGED).case
    client = Client()

    assert log_in(client, "owner", "owner").status_code == 302

    for page in desk_and_admin_pages(case):
        response = client.get(page)
        assert response.status_code == 302, page
        assert response["Location"].startswith(f"{CODE_PAGE}?next="), page
    api = client.get("/api/v1/cases/")
    assert api.status_code == 403 and "code" in api.json()["detail"]


def test_a_wrong_code_is_refused(owner, phone):
    client = Client()
    log_in(client, "owner", "owner")

    response = client.post(CODE_PAGE, {"code": wrong_code_for(phone), "next": "/desk/"})

    assert response.status_code == 200
    assert "not right" in response.content.decode()
    assert client.get("/desk/").status_code == 302


def test_the_right_code_opens_the_desk_and_the_admin(owner, phone):
    client = Client()
    log_in(client, "owner", "owner")

    response = client.post(f"{CODE_PAGE}?next=/admin/", {"code": totp_code(phone), "next": "/admin/"})

    assert response.status_code == 302 and response["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200
    assert client.get("/desk/").status_code == 200


def test_guessing_codes_is_throttled_so_the_right_code_right_after_a_wrong_one_fails(owner, phone):
    client = Client()
    log_in(client, "owner", "owner")
    client.post(CODE_PAGE, {"code": wrong_code_for(phone)})

    response = client.post(CODE_PAGE, {"code": totp_code(phone)})

    assert response.status_code == 200
    assert client.get("/desk/").status_code == 302
    phone.refresh_from_db()
    assert phone.throttling_failure_count == 1  # the second code was not even looked at


def test_a_code_is_not_taken_from_another_page_after_the_login(owner, phone):
    # The code page sends the user on only to a page of this site.
    client = Client()
    log_in(client, "owner", "owner")

    response = client.post(CODE_PAGE, {"code": totp_code(phone), "next": "https://evil.example/"})

    assert response["Location"] == "/desk/"


def test_an_owner_without_an_authenticator_sets_one_up_with_a_qr_code_and_gets_in(owner):
    client = Client()
    log_in(client, "owner", "owner")

    assert client.get("/desk/", follow=True).redirect_chain[-1][0].startswith(SETUP_PAGE)
    page = client.get(SETUP_PAGE)
    body = page.content.decode()
    assert "<svg" in body and "otpauth://totp/Postsale%3Aowner?secret=" in body
    device = TOTPDevice.objects.get(user=owner, confirmed=False)
    secret = re.search(r'<code class="secret">([A-Z2-7 ]+)</code>', body).group(1).replace(" ", "")
    assert "data:" not in page["Content-Security-Policy"]  # the QR code is inline SVG, no image to allow

    done = client.post(SETUP_PAGE, {"code": totp_code(device), "next": "/desk/"})

    assert done.status_code == 200
    assert len(re.findall(r"<li><code>\w+</code></li>", done.content.decode())) == 10  # backup codes, once
    assert client.get("/desk/").status_code == 200
    device.refresh_from_db()
    assert device.confirmed
    assert len(secret) == 32


def test_setting_up_with_a_wrong_code_confirms_nothing(owner):
    client = Client()
    log_in(client, "owner", "owner")
    client.get(SETUP_PAGE)
    device = TOTPDevice.objects.get(user=owner)

    response = client.post(SETUP_PAGE, {"code": wrong_code_for(device)})

    assert response.status_code == 200 and "not right" in response.content.decode()
    assert not TOTPDevice.objects.get(user=owner).confirmed
    assert client.get("/desk/").status_code == 302


def test_a_password_alone_cannot_replace_an_authenticator_already_set_up(owner, phone):
    # Someone who has the owner's password but not the phone tries to set up their own app.
    thief = Client()
    log_in(thief, "owner", "owner")

    response = thief.get(SETUP_PAGE)
    thief.post(SETUP_PAGE, {"code": "123456"})

    assert response.status_code == 302
    assert list(TOTPDevice.objects.filter(user=owner)) == [phone]
    assert thief.get("/desk/").status_code == 302


def test_a_backup_code_works_once(owner, phone):
    backup = StaticDevice.objects.create(user=owner, name="backup", confirmed=True)
    backup.token_set.create(token="abcd1234")
    first, second = Client(), Client()
    log_in(first, "owner", "owner")
    log_in(second, "owner", "owner")

    first.post(CODE_PAGE, {"code": "abcd1234"})
    second.post(CODE_PAGE, {"code": "abcd1234"})

    assert first.get("/desk/").status_code == 200
    assert second.get("/desk/").status_code == 302


def test_a_superuser_gives_a_code_too(superuser):
    client = Client()
    log_in(client, "root", "root", next_="/admin/")

    assert client.get("/admin/")["Location"].startswith(CODE_PAGE)


def test_an_agent_is_not_asked_for_a_code(agent):
    client = Client()
    log_in(client, "agent", "agent")

    assert client.get("/desk/").status_code == 200


def test_an_agent_who_set_up_an_authenticator_is_asked_for_its_code(agent):
    device = TOTPDevice.objects.create(user=agent, name="phone", confirmed=True)
    client = Client()
    log_in(client, "agent", "agent")

    assert client.get("/desk/")["Location"].startswith(CODE_PAGE)
    client.post(CODE_PAGE, {"code": totp_code(device)})
    assert client.get("/desk/").status_code == 200


def test_api_tokens_need_no_code(owner, phone, shop):
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {api_token(owner)}")

    assert api.get("/api/v1/cases/").status_code == 200


def test_with_the_requirement_off_owners_log_in_with_the_password(owner, settings):
    settings.POSTSALE_REQUIRE_2FA = False  # as `make run` starts the laptop demo
    client = Client()
    log_in(client, "owner", "owner")

    assert client.get("/admin/").status_code == 200


def test_an_agent_finds_the_set_up_on_their_settings_page(agent):
    client = Client()
    log_in(client, "agent", "agent")

    page = client.get("/desk/me/").content.decode()

    assert f'href="{SETUP_PAGE}?next=/desk/me/"' in page
