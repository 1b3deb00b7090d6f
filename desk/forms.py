from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from cases.choices import RESOLUTIONS, WAITING, choices_of
from cases.models import CaseStatus
from claims.models import CarrierClaimStatus
from orders.models import RiskFlag

# What an agent may do on a claim: first what settles it, then what keeps it waiting.
# Between them the two groups hold every action, each once.
ACTION_CHOICES = choices_of((*RESOLUTIONS, *WAITING))


class ActForm(forms.Form):
    action = forms.ChoiceField(label=_("Action"), choices=ACTION_CHOICES)
    amount = forms.DecimalField(
        label=_("Amount"), max_digits=12, decimal_places=2, min_value=0, required=False
    )
    reason = forms.CharField(
        label=_("Internal reason"), widget=forms.Textarea(attrs={"rows": 2}), required=False, max_length=2000
    )
    buyer_message = forms.CharField(
        label=_("Message to the buyer"),
        widget=forms.Textarea(attrs={"rows": 6}),
        required=False,
        max_length=5000,
    )
    goodwill = forms.BooleanField(label=_("Goodwill (the shop pays)"), required=False, initial=True)
    replacement_carrier = forms.CharField(label=_("Replacement carrier"), required=False, max_length=32)
    replacement_tracking = forms.CharField(
        label=_("Replacement tracking number"), required=False, max_length=64
    )
    idempotency_key = forms.CharField(widget=forms.HiddenInput, required=False, max_length=100)

    def service_kwargs(self) -> dict:
        data = self.cleaned_data
        kwargs = {
            "action": data["action"],
            "reason": data["reason"],
            "buyer_message": data["buyer_message"],
            "goodwill": data["goodwill"],
        }
        if data["amount"] is not None:
            kwargs["amount"] = data["amount"]
        if data["idempotency_key"]:
            kwargs["idempotency_key"] = data["idempotency_key"]
        if data["replacement_carrier"] and data["replacement_tracking"]:
            kwargs["replacement"] = {
                "carrier": data["replacement_carrier"],
                "tracking_number": data["replacement_tracking"],
            }
        return kwargs


class MoveForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), choices=CaseStatus.choices)
    reason = forms.CharField(label=_("Reason"), required=False, max_length=500)


class NoteForm(forms.Form):
    body = forms.CharField(
        label=_("Private note"), widget=forms.Textarea(attrs={"rows": 2}), max_length=10000
    )


class RiskForm(forms.Form):
    flag = forms.ChoiceField(label=_("Risk flag"), choices=RiskFlag.choices)
    reason = forms.CharField(label=_("Reason"), required=False, max_length=1000)


class CarrierClaimForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), choices=CarrierClaimStatus.choices)
    reference = forms.CharField(label=_("Carrier reference"), required=False, max_length=120)
    recovered_amount = forms.DecimalField(
        label=_("Recovered"), max_digits=12, decimal_places=2, min_value=0, required=False
    )
    claimed_amount = forms.DecimalField(
        label=_("Claimed"), max_digits=12, decimal_places=2, min_value=0, required=False
    )

    def service_kwargs(self) -> dict:
        # An amount left out is left as it is, not set to nothing.
        return {key: value for key, value in self.cleaned_data.items() if value is not None}


class LanguageForm(forms.Form):
    language = forms.ChoiceField(
        label=_("Desk language"), choices=[("", _("As my browser says")), *settings.LANGUAGES], required=False
    )


class SignatureForm(forms.Form):
    """The name and signature the buyers of one shop read under this agent's e-mails."""

    shop = forms.ModelChoiceField(label=_("Shop"), queryset=None)
    language = forms.ChoiceField(
        label=_("Language"), choices=[("", _("Every language")), *settings.LANGUAGES], required=False
    )
    display_name = forms.CharField(
        label=_("Name the buyer reads"),
        max_length=120,
        required=False,
        help_text=_(
            "For example your first name. Empty: your signature for this shop and language is removed."
        ),
    )
    signature = forms.CharField(
        label=_("Signature"), widget=forms.Textarea(attrs={"rows": 3}), max_length=1000, required=False
    )

    def __init__(self, *args, shops, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["shop"].queryset = shops
