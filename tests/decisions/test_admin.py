"""The owner's admin: edit rules with validation, see dead rules, simulate, activate."""

from decimal import Decimal

from django.contrib.messages import get_messages

from decisions import services
from decisions.engine import DecisionInput
from decisions.models import DecisionMatrix, MatrixStatus
from tests.factories import decided_case

SMALL_PARCEL_GONE = DecisionInput("delivered_not_received", Decimal("60.00"))


def change_url(matrix):
    return f"/admin/decisions/decisionmatrix/{matrix.pk}/change/"


def form_data(response) -> dict:
    """The change form as the browser would post it back unchanged."""
    data = {}
    form = response.context["adminform"].form
    for name in form.fields:
        value = form[name].value()
        if value is not None:
            data[name] = value
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        management = formset.management_form
        for name in management.fields:
            data[f"{formset.prefix}-{name}"] = management[name].value()
        for subform in formset.forms:
            for name in subform.fields:
                value = subform[name].value()
                if value is None or value is False:
                    continue
                data[subform.add_prefix(name)] = value
    return data


def rule_index(response, **match) -> int:
    formset = response.context["inline_admin_formsets"][0].formset
    for index, subform in enumerate(formset.forms):
        if all(getattr(subform.instance, key) == value for key, value in match.items()):
            return index
    raise AssertionError(match)


def test_owner_changes_a_threshold_in_the_admin_and_the_next_decision_follows(owner_client, shop):
    matrix = services.active_matrix(shop)
    assert services.evaluate(shop=shop, inputs=SMALL_PARCEL_GONE).action == "reship"
    page = owner_client.get(change_url(matrix))
    data = form_data(page)
    index = rule_index(page, claim_type="delivered_not_received", max_value=Decimal("50.00"))
    data[f"rules-{index}-max_value"] = "75.00"
    data[f"rules-{index}-action"] = "refund"
    data[f"rules-{index}-refund_percent"] = "100"

    response = owner_client.post(change_url(matrix), data)

    assert response.status_code == 302, response.context["errors"] if response.context else response
    decision = services.evaluate(shop=shop, inputs=SMALL_PARCEL_GONE)
    assert (decision.action, decision.refund_percent) == ("refund", 100)


def test_an_empty_value_band_is_shown_as_an_error_and_not_saved(owner_client, shop):
    matrix = services.active_matrix(shop)
    page = owner_client.get(change_url(matrix))
    data = form_data(page)
    index = rule_index(page, claim_type="delivered_not_received", max_value=Decimal("50.00"))
    data[f"rules-{index}-min_value"] = "80"

    response = owner_client.post(change_url(matrix), data)

    assert response.status_code == 200
    errors = response.context["inline_admin_formsets"][0].formset.forms[index].errors
    assert "upper bound must be above" in str(errors["max_value"])
    assert not matrix.rules.filter(min_value=Decimal("80")).exists()


def test_a_rule_that_can_never_match_is_flagged_as_a_warning(owner_client, shop):
    matrix = services.active_matrix(shop)
    chargeback = matrix.rules.get(claim_type="chargeback")
    matrix.rules.create(
        position=chargeback.position + 1,
        claim_type="chargeback",
        min_value=100,
        action="deny",
        reason="never",
    )

    response = owner_client.get(change_url(matrix))

    texts = [str(m) for m in get_messages(response.wsgi_request)]
    assert any(f"position {chargeback.position + 1} can never match" in text for text in texts), texts


def test_simulate_page_lists_changed_cases_and_the_cost_difference(owner_client, shop, owner):
    record = decided_case(shop, SMALL_PARCEL_GONE)
    draft = services.matrix_create_draft(shop=shop, by=owner)
    draft.rules.filter(
        claim_type="delivered_not_received", min_value=Decimal("50"), max_value=Decimal("250")
    ).update(action="request_info")

    response = owner_client.get(f"/admin/decisions/decisionmatrix/{draft.pk}/simulate/?days=30")

    assert response.status_code == 200
    page = response.content.decode()
    assert record.case.reference in page
    assert "-66.90" in page
    assert "Activate this matrix" in page


def test_activate_button_makes_the_draft_active(owner_client, shop, owner):
    first = services.active_matrix(shop)
    draft = services.matrix_create_draft(shop=shop, by=owner)

    response = owner_client.post(f"/admin/decisions/decisionmatrix/{draft.pk}/activate/", {"confirmed": "1"})

    assert response.status_code == 302
    assert DecisionMatrix.objects.get(pk=first.pk).status == MatrixStatus.RETIRED
    assert DecisionMatrix.objects.get(pk=draft.pk).status == MatrixStatus.ACTIVE


def test_create_draft_button_opens_the_new_draft(owner_client, shop):
    active = services.active_matrix(shop)

    response = owner_client.post(f"/admin/decisions/decisionmatrix/{active.pk}/draft/")

    draft = DecisionMatrix.objects.get(shop=shop, status=MatrixStatus.DRAFT)
    assert response.url == change_url(draft)
    assert draft.rules.count() == active.rules.count()


def test_a_retired_matrix_is_read_only(owner_client, shop, owner):
    first = services.active_matrix(shop)
    services.matrix_activate(matrix=services.matrix_create_draft(shop=shop, by=owner), by=owner)

    page = owner_client.get(change_url(first))

    assert page.status_code == 200
    assert page.context["has_change_permission"] is False


def test_agents_see_but_do_not_change_the_matrix(client, agent, shop):
    matrix = services.active_matrix(shop)
    agent.is_staff = True
    agent.save()
    client.force_login(agent)

    assert client.get(change_url(matrix)).status_code == 200
    assert client.post(f"/admin/decisions/decisionmatrix/{matrix.pk}/draft/").status_code == 403


def test_the_decision_list_pages_show_for_owners(owner_client, shop):
    decided_case(shop, SMALL_PARCEL_GONE)

    for url in (
        "/admin/decisions/decisionmatrix/",
        "/admin/decisions/decisionrecord/",
        "/admin/cases/refundlimit/",
    ):
        assert owner_client.get(url).status_code == 200, url


def test_a_matrix_added_in_the_admin_is_a_draft_in_the_shops_currency(owner_client, shop):
    services.active_matrix(shop)
    data = {
        "shop": shop.pk,
        "auto_apply_limit": "30.00",
        "auto_apply_max_claims": "2",
        "note": "Stricter for Christmas",
        "rules-TOTAL_FORMS": "1",
        "rules-INITIAL_FORMS": "0",
        "rules-MIN_NUM_FORMS": "0",
        "rules-MAX_NUM_FORMS": "1000",
        "rules-0-position": "1",
        "rules-0-claim_type": "any",
        "rules-0-buyer_risk": "any",
        "rules-0-evidence": "any",
        "rules-0-action": "escalate",
        "rules-0-reason": "Everything to the owner in December.",
    }

    response = owner_client.post("/admin/decisions/decisionmatrix/add/", data)

    assert response.status_code == 302
    draft = DecisionMatrix.objects.get(shop=shop, status=MatrixStatus.DRAFT)
    assert (draft.version, draft.currency, draft.auto_apply_limit) == (2, "EUR", Decimal("30.00"))
    assert draft.rules.get().action == "escalate"


def test_a_bookmark_to_the_old_refund_limit_page_leads_to_its_new_place(owner_client):
    response = owner_client.get("/admin/decisions/refundlimit/?shop__id__exact=1")

    assert response.status_code == 301
    assert response["Location"] == "/admin/cases/refundlimit/?shop__id__exact=1"


def test_a_draft_goes_live_only_after_its_simulation_was_read(owner_client, shop, owner):
    first = services.active_matrix(shop)
    draft = services.matrix_create_draft(shop=shop, by=owner)

    response = owner_client.post(f"/admin/decisions/decisionmatrix/{draft.pk}/activate/")

    assert response.url == f"/admin/decisions/decisionmatrix/{draft.pk}/simulate/"
    assert DecisionMatrix.objects.get(pk=first.pk).status == MatrixStatus.ACTIVE
    assert DecisionMatrix.objects.get(pk=draft.pk).status == MatrixStatus.DRAFT
    change_page = owner_client.get(change_url(draft)).content.decode()
    assert "Simulate, then activate" in change_page and "the first rule that matches a case decides it" in change_page


def test_the_simulation_links_each_case_and_shows_what_was_done_in_words(owner_client, shop, owner):
    record = decided_case(shop, SMALL_PARCEL_GONE)
    draft = services.matrix_create_draft(shop=shop, by=owner)
    draft.rules.filter(
        claim_type="delivered_not_received", min_value=Decimal("50"), max_value=Decimal("250")
    ).update(action="request_info")

    page = owner_client.get(f"/admin/decisions/decisionmatrix/{draft.pk}/simulate/?days=30").content.decode()

    assert f'href="/desk/cases/{record.case.reference}/"' in page
    assert "Ask the buyer for information" in page and "request_info" not in page.split('id="result_list"')[1]
    assert "I have read what would change" in page


def test_the_active_version_says_it_is_read_only(owner_client, shop):
    page = owner_client.get(change_url(services.active_matrix(shop))).content.decode()

    assert "This version is active and read-only" in page
