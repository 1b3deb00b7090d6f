"""The portal's forms. They check what a buyer typed; the services decide what is allowed."""

from __future__ import annotations

from datetime import timedelta

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import prefetch_related_objects
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cases.choices import ClaimType
from cases.uploads import MAX_PHOTO_BYTES, MAX_PHOTOS, validate_photo
from returns import eligibility
from returns.eligibility import LineIn
from returns.models import Condition, Resolution, ReturnMethod, ReturnPolicy, ReturnReason

# How far ahead a buyer's date may lie: further is a typo (2062 for 2026).
MAX_DAYS_AHEAD = 365

# What a buyer would say, in the order a buyer thinks of it; chargebacks and payment reviews are not theirs.
BUYER_CLAIM_TYPES = [
    (ClaimType.LOST_IN_TRANSIT, _("My parcel has not arrived")),
    (ClaimType.DELIVERED_NOT_RECEIVED, _("The tracking says delivered, but I have not received it")),
    (ClaimType.DAMAGED, _("Something arrived damaged")),
    (ClaimType.MISSING_ITEMS, _("Something is missing from the parcel")),
    (ClaimType.WRONG_ITEM, _("I received the wrong item")),
    (ClaimType.PERSONALISATION_ERROR, _("The personalisation is not what I ordered")),
    (ClaimType.LATE_FOR_NEEDED_BY, _("It will not arrive in time for my date")),
]


class LookupForm(forms.Form):
    number = forms.CharField(label=_("Order number"), max_length=64)
    email = forms.EmailField(label=_("E-mail address"), max_length=254)


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class PhotosField(forms.FileField):
    """Several photos in one input, each checked by what its bytes are and by its size."""

    widget = MultipleFileInput(attrs={"accept": "image/jpeg,image/png,image/webp,image/gif"})

    def clean(self, data, initial=None):
        files = [f for f in (data if isinstance(data, list | tuple) else [data]) if f]
        if len(files) > MAX_PHOTOS:
            raise ValidationError(_("Please send at most %(count)s photos.") % {"count": MAX_PHOTOS})
        problems = []
        for upload in files:
            if upload.size > MAX_PHOTO_BYTES:
                problems.append(
                    _("%(name)s is larger than %(mb)s MB.")
                    % {"name": upload.name, "mb": MAX_PHOTO_BYTES >> 20}
                )
                continue
            try:
                validate_photo(upload)
            except ValidationError:
                problems.append(
                    _("%(name)s is not a photo we can open (JPEG, PNG, WebP or GIF).") % {"name": upload.name}
                )
        if problems:
            raise ValidationError(problems)
        return files


class PhotosForm(forms.Form):
    """Photos for a case already open, when we asked for them."""

    photos = PhotosField(label=_("Photos"))


class ProblemForm(forms.Form):
    type = forms.ChoiceField(label=_("What happened?"), choices=BUYER_CLAIM_TYPES, widget=forms.RadioSelect)
    statement = forms.CharField(
        label=_("Tell us in your own words"),
        widget=forms.Textarea(attrs={"rows": 5}),
        max_length=4000,
        required=False,
    )
    photos = PhotosField(label=_("Photos (optional)"), required=False)
    # Asked for the late-for-a-date problem only; it makes the case as urgent as the date is near.
    needed_by = forms.DateField(
        label=_("The date you need it by"),
        required=False,
        widget=forms.DateInput(
            attrs={"type": "date", "aria-describedby": "needed-by-help"}, format="%Y-%m-%d"
        ),
        input_formats=["%Y-%m-%d", "%d.%m.%Y"],
    )

    def __init__(self, *args, order, **kwargs):
        super().__init__(*args, **kwargs)
        self.order = order
        # Kept on the order: opening the claim reads the same lines for its evidence.
        prefetch_related_objects([order], "lines")
        self.order_lines = list(order.lines.all())
        self.fields["needed_by"].initial = order.needed_by
        for line in self.order_lines:
            self.fields[f"qty_{line.pk}"] = forms.TypedChoiceField(
                label=line.title,
                choices=[(n, str(n)) for n in range(line.quantity + 1)],
                coerce=int,
                initial=0,
                required=False,
                empty_value=0,
            )

    def line_fields(self):
        return [(line, self[f"qty_{line.pk}"]) for line in self.order_lines]

    def clean(self):
        data = super().clean()
        if data.get("type") != ClaimType.LATE_FOR_NEEDED_BY:
            data["needed_by"] = None  # a date left in the field for another problem means nothing
            return data
        needed_by = data.get("needed_by")
        if "needed_by" in self.errors:
            return data
        today = timezone.localdate()
        if needed_by is None:
            self.add_error("needed_by", _("Please tell us the date you need it by."))
        elif needed_by < today:
            self.add_error("needed_by", _("This date has passed; please give a date from today on."))
        elif needed_by > today + timedelta(days=MAX_DAYS_AHEAD):
            self.add_error("needed_by", _("Please give a date within the next year."))
        return data

    def chosen_lines(self) -> list[tuple]:
        return [
            (line, self.cleaned_data.get(f"qty_{line.pk}") or 0)
            for line in self.order_lines
            if self.cleaned_data.get(f"qty_{line.pk}")
        ]


class ReturnForm(forms.Form):
    condition = forms.ChoiceField(
        label=_("What condition are the items in?"), choices=Condition.choices, widget=forms.RadioSelect
    )
    resolution = forms.ChoiceField(
        label=_("What would you like?"), choices=Resolution.choices, widget=forms.RadioSelect
    )
    method = forms.ChoiceField(
        label=_("How will you send it?"), choices=ReturnMethod.choices, widget=forms.RadioSelect
    )

    def __init__(self, *args, rows: list[dict], policy: ReturnPolicy, **kwargs):
        super().__init__(*args, **kwargs)
        self.policy = policy
        self.rows = rows
        self.returnable = [row for row in rows if row["returnable_quantity"] > 0]
        for row in self.returnable:
            line = row["order_line"]
            self.fields[f"qty_{line.pk}"] = forms.TypedChoiceField(
                label=line.title,
                choices=[(n, str(n)) for n in range(row["returnable_quantity"] + 1)],
                coerce=int,
                initial=0,
                required=False,
                empty_value=0,
            )
            self.fields[f"reason_{line.pk}"] = forms.ChoiceField(
                label=_("Why?"), choices=[("", "—"), *ReturnReason.choices], required=False
            )
        if not policy.exchanges_allowed:
            self.fields["resolution"].choices = [(Resolution.REFUND, Resolution.REFUND.label)]
        self.fields["resolution"].initial = Resolution.REFUND
        self.fields["method"].initial = ReturnMethod.DROP_OFF
        # Pickup only where a parcel could weigh enough for it; the choice is checked again on submit.
        everything = [
            LineIn(order_line=row["order_line"], quantity=row["returnable_quantity"], reason="")
            for row in self.returnable
        ]
        self.pickup_possible = eligibility.pickup_offered(policy, everything)
        if not self.pickup_possible:
            self.fields["method"].choices = [(ReturnMethod.DROP_OFF, ReturnMethod.DROP_OFF.label)]

    def line_rows(self):
        """Every order line, with its fields if it can go back and the reason why not otherwise."""
        out = []
        for row in self.rows:
            pk = row["order_line"].pk
            fields = (self[f"qty_{pk}"], self[f"reason_{pk}"]) if row["returnable_quantity"] else (None, None)
            out.append({**row, "qty_field": fields[0], "reason_field": fields[1]})
        return out

    def clean(self):
        data = super().clean()
        lines = []
        for row in self.returnable:
            line = row["order_line"]
            quantity = data.get(f"qty_{line.pk}") or 0
            if not quantity:
                continue
            reason = data.get(f"reason_{line.pk}")
            if not reason:
                self.add_error(f"reason_{line.pk}", _("Please tell us why you return this item."))
                continue
            lines.append(LineIn(order_line=line, quantity=quantity, reason=reason))
        if not lines and not self.errors:
            raise ValidationError(_("Choose at least one item and how many of it you return."))
        if (
            data.get("method") == ReturnMethod.PICKUP
            and lines
            and not eligibility.pickup_offered(self.policy, lines)
        ):
            self.add_error(
                "method",
                _("Pickup is for parcels over %(kg)s kg; please hand this one in at a service point.")
                % {"kg": _kg(self.policy.pickup_weight_threshold_g)},
            )
        self.lines = lines
        return data


def _kg(grams: int) -> str:
    return f"{grams / 1000:g}"
