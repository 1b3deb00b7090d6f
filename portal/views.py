"""The buyer portal's pages. Thin: check the scope, read through selectors, write through services."""

from __future__ import annotations

from datetime import date
from functools import wraps

from django.conf import settings
from django.conf.locale import LANG_INFO
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.cache import add_never_cache_headers, patch_vary_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from cases.refunds import order_owed_amount
from cases.uploads import MAX_PHOTO_BYTES, MAX_PHOTOS
from claims import services as claims
from orders import links
from orders.files import file_response
from orders.models import Shop
from returns import eligibility, labels
from returns import selectors as return_selectors
from returns.models import Condition, ReturnMethod
from returns.services import RefundLine, refund_compute
from returns.services.carrier_label import pickup_context

from . import access, ratelimit, selectors
from .forms import LookupForm, PhotosForm, ProblemForm, ReturnForm
from .language import LANGUAGES, page_language
from .services import portal_photos_add, portal_problem_report, portal_return_start

# Six photos of at most 8 MB and a statement; anything bigger is not a buyer with a phone.
MAX_UPLOAD_BYTES = MAX_PHOTOS * MAX_PHOTO_BYTES + 1024 * 1024


def _finish(request, response, language: str, remember: bool):
    if remember:
        response.set_cookie(
            settings.LANGUAGE_COOKIE_NAME, language, max_age=365 * 24 * 3600, samesite="Lax", path="/"
        )
    response.headers["Content-Language"] = language
    patch_vary_headers(response, ("Cookie", "Accept-Language"))
    # Orders, addresses and labels: never kept by a shared computer's browser or a proxy.
    add_never_cache_headers(response)
    return response


def portal_page(view):
    """Finds the shop, speaks the buyer's language, keeps the page out of caches."""

    @wraps(view)
    def wrapper(request, shop, **kwargs):
        shop = get_object_or_404(Shop, slug=shop)
        language, remember = page_language(request, shop)
        translation.activate(language)
        request.LANGUAGE_CODE = language
        return _finish(request, view(request, shop, **kwargs), language, remember)

    return wrapper


def order_page(view):
    """A portal page of one order: only for the session that was scoped to exactly this order."""

    @portal_page
    @wraps(view)
    def wrapper(request, shop, number, **kwargs):
        order = selectors.scoped_order(request, shop, number)
        if order is None:
            # The same answer for an order that is not ours and one that does not exist.
            return redirect("portal:lookup", shop=shop.slug)
        return view(request, shop, order, **kwargs)

    return wrapper


def _render(request, template, context, *, shop=None, status=200):
    languages = [(code, LANG_INFO[code]["name_local"].capitalize()) for code in LANGUAGES]
    return render(
        request,
        template,
        {"shop": shop, "languages": languages, "current_language": translation.get_language(), **context},
        status=status,
    )


# --- finding the order -----------------------------------------------------------------


@require_GET
def shops_view(request):
    language, remember = page_language(request, None)
    translation.activate(language)
    # No list of shops: which shops run on this Postsale is nobody's business; each shop links its
    # own portal address from its e-mails and help page.
    response = _render(request, "portal/shops.html", {})
    return _finish(request, response, language, remember)


@require_http_methods(["GET", "POST"])
@portal_page
def lookup_view(request, shop):
    if request.method == "GET":
        return _render(request, "portal/lookup.html", {"form": LookupForm()}, shop=shop)
    form = LookupForm(request.POST)
    # Keyed on the number as typed, never on whether it exists: counting must not tell which orders do.
    number = access.normalise_number(request.POST.get("number", ""))[:64].casefold()
    ip = ratelimit.client_ip(request)
    if ratelimit.lookup_refused(ip=ip, order_key=f"order:{shop.pk}:{number}"):
        return _render(
            request, "portal/lookup.html", {"form": form, "problem": "too_many"}, shop=shop, status=429
        )
    order = None
    if form.is_valid():
        order = access.order_lookup(shop=shop, **form.cleaned_data)
    if order is None:
        ratelimit.lookup_failed(ip=ip, order_key=f"order:{shop.pk}:{number}")
        # Not "wrong e-mail" or "no such order": the answer must not tell which orders exist.
        return _render(request, "portal/lookup.html", {"form": form, "problem": "not_found"}, shop=shop)
    access.scope_to(request, order)
    return redirect("portal:order", shop=shop.slug, number=order.number)


@require_GET
@portal_page
def signed_link_view(request, shop, token):
    try:
        order = links.order_from_token(token, shop=shop)
    except links.LinkExpired:
        problem = "link_expired"
    except links.LinkInvalid:
        problem = "link_invalid"
    else:
        access.scope_to(request, order)
        # Off the signed URL at once: it must not stay in the address bar, history or a Referer.
        reference = request.GET.get("photos", "")
        if reference and selectors.buyer_case(order, reference[:20]) is not None:
            # The "send us photos" e-mail opens the page that takes them; only a case of this order.
            return redirect("portal:problem_photos", shop=shop.slug, number=order.number, reference=reference)
        return redirect("portal:order", shop=shop.slug, number=order.number)
    return _render(
        request, "portal/lookup.html", {"form": LookupForm(), "problem": problem}, shop=shop, status=403
    )


@require_POST
@portal_page
def leave_view(request, shop):
    access.forget(request, shop)
    return redirect("portal:lookup", shop=shop.slug)


# --- the order --------------------------------------------------------------------------


@require_GET
@order_page
def order_view(request, shop, order):
    order = selectors.order_page(order)
    policy = return_selectors.policy_or_default(shop)
    rows = eligibility.order_returnable_lines(order, policy)
    return _render(
        request,
        "portal/order.html",
        {
            "order": order,
            "lines": rows,
            "any_returnable": any(row["returnable_quantity"] for row in rows),
            "window_ends_on": rows[0]["window_ends_on"] if rows else None,
            "cases": selectors.buyer_cases(order),
            # An invoice not paid yet is reduced, not refunded: the page must not promise money back.
            "owes_invoice": order_owed_amount(order) > 0,
            "policy": policy,
        },
        shop=shop,
    )


@require_http_methods(["GET", "POST"])
@order_page
def problem_view(request, shop, order):
    if request.method == "POST" and int(request.META.get("CONTENT_LENGTH") or 0) > MAX_UPLOAD_BYTES:
        return HttpResponse(
            _("The photos are too large together; please send fewer or smaller ones."), status=413
        )
    if request.method == "POST":
        form = ProblemForm(request.POST, request.FILES, order=order)
    else:
        form = ProblemForm(order=order)
    if request.method == "POST" and form.is_valid():
        try:
            claim, opened = portal_problem_report(
                order=order,
                type=form.cleaned_data["type"],
                lines=[claims.LineIn(order_line=line, quantity=qty) for line, qty in form.chosen_lines()],
                statement=form.cleaned_data["statement"],
                photos=form.cleaned_data["photos"],
                needed_by=form.cleaned_data["needed_by"],
            )
        except ValidationError as exc:
            for key in exc.message_dict:
                if key.startswith("lines"):
                    form.add_error(None, _("Please tell us which items are affected and how many."))
                elif key == "photos":
                    form.add_error("photos", _("We could not accept these photos."))
                else:
                    form.add_error(None, _("We could not take this report. Please check what you entered."))
        else:
            done = reverse(
                "portal:problem_done",
                kwargs={"shop": shop.slug, "number": order.number, "reference": claim.case.reference},
            )
            # Reported before: the page says so instead of thanking for a new report.
            return redirect(done if opened else f"{done}?again=1")
    return _render(request, "portal/problem.html", {"order": order, "form": form}, shop=shop)


@require_GET
@order_page
def problem_done_view(request, shop, order, reference):
    row = selectors.buyer_case(order, reference)
    if row is None or row.claim is None:
        raise Http404
    return _render(
        request,
        "portal/problem_done.html",
        {
            "order": order,
            "row": row,
            "reported_again": request.GET.get("again") == "1",
            "photos_added": request.GET.get("photos") == "1",
        },
        shop=shop,
    )


@require_http_methods(["GET", "POST"])
@order_page
def problem_photos_view(request, shop, order, reference):
    row = selectors.buyer_case(order, reference)
    if row is None or row.claim is None:
        raise Http404
    if request.method == "POST" and int(request.META.get("CONTENT_LENGTH") or 0) > MAX_UPLOAD_BYTES:
        return HttpResponse(
            _("The photos are too large together; please send fewer or smaller ones."), status=413
        )
    form = PhotosForm(request.POST, request.FILES) if request.method == "POST" else PhotosForm()
    if not row.case.is_open:
        form = None  # settled: nothing to add photos to
    elif request.method == "POST" and form.is_valid():
        try:
            portal_photos_add(claim=row.claim, photos=form.cleaned_data["photos"])
        except ValidationError:
            form.add_error("photos", _("We could not accept these photos."))
        else:
            return redirect(
                reverse(
                    "portal:problem_done",
                    kwargs={"shop": shop.slug, "number": order.number, "reference": reference},
                )
                + "?photos=1"
            )
    return _render(
        request, "portal/problem_photos.html", {"order": order, "row": row, "form": form}, shop=shop
    )


# Why the services refused, in the buyer's words (the services speak English to agents and APIs).
def _return_refusal(key: str) -> str:
    if key == "method":
        return _("Pickup is for heavier parcels; please hand this one in at a service point.")
    if key == "resolution":
        return _("This shop does not exchange items; please choose a refund.")
    if key.endswith(".sku"):
        return _("One of the items cannot be returned.")
    if key.endswith(".quantity") or key.startswith("lines"):
        return _("You chose more than can still be returned of an item.")
    return _("This order can no longer be returned online. Please contact us.")


@require_http_methods(["GET", "POST"])
@order_page
def return_view(request, shop, order):
    policy = return_selectors.policy_or_default(shop)
    rows = eligibility.order_returnable_lines(order, policy)
    if request.method == "POST":
        form = ReturnForm(request.POST, rows=rows, policy=policy)
    else:
        form = ReturnForm(rows=rows, policy=policy)
    if request.method == "POST" and form.is_valid():
        try:
            return_request = portal_return_start(
                order=order,
                lines=form.lines,
                method=form.cleaned_data["method"],
                resolution=form.cleaned_data["resolution"],
                condition=form.cleaned_data["condition"],
            )
        except ValidationError as exc:
            for message in dict.fromkeys(_return_refusal(key) for key in exc.message_dict):
                form.add_error(None, message)
        else:
            return redirect("portal:return_done", shop=shop.slug, number=order.number, rma=return_request.rma)
    return _render(
        request,
        "portal/return.html",
        {
            "order": order,
            "form": form,
            "policy": policy,
            "any_returnable": bool(form.returnable),
            "restocking": [
                (label, policy.restocking_percent(value))
                for value, label in Condition.choices
                if policy.restocking_percent(value)
            ],
            "pickup_kg": f"{policy.pickup_weight_threshold_g / 1000:g}",
            "drop_off_steps": return_selectors.packing_steps(policy, method=ReturnMethod.DROP_OFF),
            "pickup_steps": return_selectors.packing_steps(policy, method=ReturnMethod.PICKUP),
        },
        shop=shop,
    )


def _pickup(return_request) -> dict:
    pickup = pickup_context(return_request)
    if pickup:
        pickup["pickup_date"] = date.fromisoformat(pickup["pickup_date"])
    return pickup


@require_GET
@order_page
def return_done_view(request, shop, order, rma):
    return_request = selectors.order_return(order, rma)
    if return_request is None:
        raise Http404
    condition = selectors.stated_condition(return_request)
    lines = list(return_request.lines.all())
    # What comes back if the items arrive as the buyer describes them; the inspection decides.
    estimate = refund_compute(
        lines=[
            RefundLine(
                unit_price=line.order_line.unit_price,
                accepted_quantity=line.quantity,
                condition=condition or Condition.AS_NEW,
            )
            for line in lines
        ],
        terms=return_request.terms,
    )
    return _render(
        request,
        "portal/return_done.html",
        {
            "order": order,
            "rr": return_request,
            "pickup": _pickup(return_request),
            "lines": lines,
            "estimate": estimate,
            "fees": estimate.restocking_fee + estimate.return_fee,
            "processing_days": return_request.terms.get("refund_processing_days", 5),
            "steps": return_selectors.packing_steps(
                return_selectors.policy_or_default(shop), method=return_request.method
            ),
            "label_url": reverse(
                "portal:return_label", kwargs={"shop": shop.slug, "number": order.number, "rma": rma}
            )
            if return_request.label_pdf
            else "",
        },
        shop=shop,
    )


@require_GET
@order_page
def return_label_view(request, shop, order, rma):
    return_request = selectors.order_return(order, rma)
    if return_request is None or not return_request.label_pdf:
        raise Http404
    return file_response(return_request.label_pdf, filename=return_request.label_filename)


@require_GET
@order_page
def photo_view(request, shop, order, pk):
    """A photo the buyer sent with a problem report on this order; any other answers 404."""
    photo = selectors.order_photo(order, pk)
    if photo is None:
        raise Http404
    return file_response(photo.file)


@require_GET
@order_page
def return_qr_view(request, shop, order, rma):
    return_request = selectors.order_return(order, rma)
    if return_request is None or not return_request.label_pdf:
        raise Http404
    return HttpResponse(labels.qr_png(labels.qr_payload(return_request)), content_type="image/png")
