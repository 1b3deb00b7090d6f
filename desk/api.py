"""Cases API: list, read with its timeline, act on it."""

import django_filters
from django.contrib.auth import get_user_model
from django.db.models import Q
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from cases import refunds
from cases import services as cases
from cases.choices import ClaimType
from cases.models import Case, CaseKind, CaseStatus, Refund
from claims import services as claims
from claims.api import decision_summary
from claims.models import CarrierClaim, CarrierClaimStatus
from claims.playbooks import playbook_for
from config.permissions import has_perms

from . import selectors


class CaseFilter(django_filters.FilterSet):
    status = django_filters.MultipleChoiceFilter(choices=CaseStatus.choices)
    kind = django_filters.ChoiceFilter(choices=CaseKind.choices)
    type = django_filters.ChoiceFilter(field_name="claim__type", choices=ClaimType.choices)
    shop = django_filters.CharFilter(field_name="shop__slug")
    assignee = django_filters.CharFilter(method="filter_assignee", help_text="a user name, `me` or `none`")
    open = django_filters.BooleanFilter(method="filter_open")

    class Meta:
        model = Case
        fields = ["status", "kind", "type", "shop", "assignee"]

    def filter_assignee(self, queryset, name, value):
        if value == "none":
            return queryset.filter(assignee__isnull=True)
        if value == "me":
            return queryset.filter(assignee=self.request.user)
        return queryset.filter(assignee__username=value)

    def filter_open(self, queryset, name, value):
        open_q = ~Q(status__in=[CaseStatus.RESOLVED, CaseStatus.CLOSED])
        return queryset.filter(open_q if value else ~open_q)


class CaseListSerializer(serializers.ModelSerializer):
    shop = serializers.CharField(source="shop.slug")
    order = serializers.SerializerMethodField()
    buyer = serializers.SerializerMethodField()
    assignee = serializers.CharField(source="assignee.username", default=None)
    type = serializers.CharField(source="claim.type", default=None)
    net_loss = serializers.DecimalField(max_digits=12, decimal_places=2, read_only=True)

    class Meta:
        model = Case
        fields = [
            "reference",
            "kind",
            "type",
            "status",
            "priority",
            "shop",
            "order",
            "buyer",
            "assignee",
            "language",
            "opened_via",
            "order_value",
            "currency",
            "needed_by",
            "first_response_due",
            "opened_at",
            "resolved_at",
            "cost_total",
            "recovered_total",
            "net_loss",
        ]

    def get_order(self, case) -> dict | None:
        return {"id": case.order_id, "number": case.order.number} if case.order else None

    def get_buyer(self, case) -> dict | None:
        return {"email": case.buyer.email, "name": case.buyer.name} if case.buyer else None


class CaseDetailSerializer(CaseListSerializer):
    timeline = serializers.SerializerMethodField()
    notes = serializers.SerializerMethodField()
    claim = serializers.SerializerMethodField()
    decision = serializers.SerializerMethodField()
    resolutions = serializers.SerializerMethodField()
    refunds = serializers.SerializerMethodField()

    class Meta(CaseListSerializer.Meta):
        fields = [
            *CaseListSerializer.Meta.fields,
            "timeline",
            "notes",
            "claim",
            "decision",
            "resolutions",
            "refunds",
        ]

    def get_timeline(self, case) -> list:
        return [
            {
                "at": e.at,
                "who": e.actor.username if e.actor else None,
                "what": e.verb,
                "old": e.old,
                "new": e.new,
                "data": e.data,
            }
            for e in case.events.all()
        ]

    def get_notes(self, case) -> list:
        return [
            {"at": n.created_at, "author": n.author.username if n.author else None, "body": n.body}
            for n in case.notes.all()
        ]

    def get_claim(self, case) -> dict | None:
        claim = getattr(case, "claim", None)
        if claim is None:
            return None
        done = {step.key for step in claim.steps_done.all()}
        return {
            "type": claim.type,
            "statement": claim.statement,
            "lines": [
                {"position": cl.order_line.position, "sku": cl.order_line.sku, "quantity": cl.quantity}
                for cl in claim.lines.all()
            ],
            "evidence": claim.evidence,
            "playbook": [
                {"key": s.key, "title": str(s.title), "email_event": s.email_event, "done": s.key in done}
                for s in playbook_for(claim.type)
            ],
            "carrier_claims": [
                {
                    "id": cc.pk,
                    "carrier": cc.carrier.code,
                    "reference": cc.reference,
                    "status": cc.status,
                    "claimed_amount": cc.claimed_amount,
                    "recovered_amount": cc.recovered_amount,
                    "deadline": cc.deadline,
                }
                for cc in claim.carrier_claims.all()
            ],
            "dispute": {
                "provider": claim.dispute_provider,
                "reference": claim.dispute_reference,
                "respond_by": claim.respond_by,
            }
            if claim.dispute_provider
            else None,
        }

    def get_decision(self, case) -> dict | None:
        return decision_summary(case)

    def get_resolutions(self, case) -> list:
        return [
            {
                "action": r.action,
                "amount": r.amount,
                "goods_cost": r.goods_cost,
                "shipping_cost": r.shipping_cost,
                "reason": r.reason,
                "at": r.created_at,
            }
            for r in case.resolutions.all()
        ]

    def get_refunds(self, case) -> list:
        return [
            {"id": r.pk, "amount": r.amount, "currency": r.currency, "method": r.method, "status": r.status}
            for r in case.refunds.all()
        ]


class CaseList(generics.ListAPIView):
    serializer_class = CaseListSerializer
    permission_classes = [has_perms("cases.view_case")]
    filterset_class = CaseFilter

    def get_queryset(self):
        return selectors.cases_list()


class CaseDetail(generics.RetrieveAPIView):
    serializer_class = CaseDetailSerializer
    permission_classes = [has_perms("cases.view_case")]
    lookup_field = "reference"

    def get_queryset(self):
        return selectors.case_detail()


class ReplacementSerializer(serializers.Serializer):
    carrier = serializers.CharField(max_length=32)
    tracking_number = serializers.CharField(max_length=64)


class ResolveSerializer(serializers.Serializer):
    action = serializers.ChoiceField(choices=sorted(claims.RESOLVE_ACTIONS))
    amount = serializers.DecimalField(max_digits=12, decimal_places=2, min_value=0, required=False)
    percent = serializers.IntegerField(min_value=0, max_value=100, required=False)
    reason = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")
    goods_cost = serializers.DecimalField(max_digits=12, decimal_places=2, min_value=0, required=False)
    shipping_cost = serializers.DecimalField(max_digits=12, decimal_places=2, min_value=0, required=False)
    goodwill = serializers.BooleanField(required=False, default=True)
    replacement = ReplacementSerializer(required=False)
    idempotency_key = serializers.CharField(max_length=100, required=False)


def _case_response(case):
    case = selectors.case_detail().get(pk=case.pk)
    return CaseDetailSerializer(case).data


class CaseResolve(APIView):
    permission_classes = [has_perms("claims.add_resolution")]

    @extend_schema(request=ResolveSerializer, responses={200: CaseDetailSerializer})
    def post(self, request, reference):
        case = get_object_or_404(Case, reference=reference)
        serializer = ResolveSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        result = claims.claim_act(case=case, actor=request.user, **serializer.validated_data)
        body = _case_response(result.case)
        body["escalated_for_limit"] = result.escalated_for_limit
        return Response(body)


class NoteSerializer(serializers.Serializer):
    body = serializers.CharField(max_length=10000)


class CaseNoteCreate(APIView):
    permission_classes = [has_perms("cases.add_casenote")]

    @extend_schema(request=NoteSerializer, responses={201: dict})
    def post(self, request, reference):
        case = get_object_or_404(Case, reference=reference)
        serializer = NoteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        note = cases.case_note_add(case=case, author=request.user, body=serializer.validated_data["body"])
        return Response({"id": note.pk, "body": note.body}, status=201)


class AssignSerializer(serializers.Serializer):
    assignee = serializers.CharField(allow_null=True, help_text="a user name, or null to unassign")


class CaseAssign(APIView):
    permission_classes = [has_perms("cases.change_case")]

    @extend_schema(request=AssignSerializer, responses={200: CaseListSerializer})
    def post(self, request, reference):
        case = get_object_or_404(Case, reference=reference)
        serializer = AssignSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        username = serializer.validated_data["assignee"]
        assignee = None
        if username:
            assignee = get_user_model().objects.filter(username=username, is_active=True).first()
            if assignee is None or not assignee.has_perm("cases.view_case"):
                raise serializers.ValidationError({"assignee": ["No agent with this user name."]})
        case = cases.case_assign(case=case, assignee=assignee, actor=request.user)
        return Response(CaseListSerializer(selectors.cases_list().get(pk=case.pk)).data)


class RefundConfirmSerializer(serializers.Serializer):
    gateway_reference = serializers.CharField(max_length=120, required=False, allow_blank=True, default="")


class RefundConfirm(APIView):
    permission_classes = [has_perms("cases.change_refund")]

    @extend_schema(request=RefundConfirmSerializer, responses={200: dict})
    def post(self, request, pk):
        refund = get_object_or_404(Refund, pk=pk)
        serializer = RefundConfirmSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        refund = refunds.refund_confirm(refund=refund, actor=request.user, **serializer.validated_data)
        return Response({"id": refund.pk, "status": refund.status, "completed_at": refund.completed_at})


class CarrierClaimUpdateSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=CarrierClaimStatus.choices)
    reference = serializers.CharField(max_length=120, required=False, allow_blank=True, default="")
    recovered_amount = serializers.DecimalField(max_digits=12, decimal_places=2, min_value=0, required=False)


class CarrierClaimUpdate(APIView):
    permission_classes = [has_perms("claims.change_carrierclaim")]

    @extend_schema(request=CarrierClaimUpdateSerializer, responses={200: dict})
    def post(self, request, pk):
        carrier_claim = get_object_or_404(CarrierClaim, pk=pk)
        serializer = CarrierClaimUpdateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        carrier_claim = claims.carrier_claim_update(
            carrier_claim=carrier_claim, actor=request.user, **serializer.validated_data
        )
        return Response(
            {
                "id": carrier_claim.pk,
                "status": carrier_claim.status,
                "recovered_amount": carrier_claim.recovered_amount,
            }
        )
