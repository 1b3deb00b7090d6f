"""Cases API: list, read with its timeline, act on it."""

import django_filters
from django.contrib.auth import get_user_model
from django.db.models import Subquery
from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from cases import refunds
from cases import services as cases
from cases.choices import ClaimType
from cases.models import OPEN_STATUSES, Case, CaseKind, CaseStatus, Refund
from claims import services as claims
from claims.models import CarrierClaim
from config.api import Idempotent, has_perms, validated
from orders import tenancy
from orders.models import Shop

from . import selectors
from .serializers import (
    AssignSerializer,
    CarrierClaimUpdatedSerializer,
    CarrierClaimUpdateSerializer,
    CaseDetailSerializer,
    CaseListSerializer,
    CaseResolvedSerializer,
    NoteCreatedSerializer,
    NoteSerializer,
    RefundConfirmedSerializer,
    RefundConfirmSerializer,
    ResolveSerializer,
)


def _case(request, reference) -> Case:
    """A case of one of the caller's shops; another shop's answers 404, as if it did not exist."""
    return tenancy.get_in_shops_or_404(Case.objects.select_related("shop"), request.user, reference=reference)


class CaseFilter(django_filters.FilterSet):
    """Filters that keep the list on an index: no DISTINCT, names turned into ids by subqueries.

    `MultipleChoiceFilter` adds DISTINCT by default, which stops PostgreSQL from walking
    the primary key backwards and makes it read and sort every case that matches.
    """

    status = django_filters.MultipleChoiceFilter(choices=CaseStatus.choices, distinct=False)
    kind = django_filters.ChoiceFilter(choices=CaseKind.choices)
    type = django_filters.ChoiceFilter(field_name="claim_type", choices=ClaimType.choices)
    shop = django_filters.CharFilter(method="filter_shop", help_text="a shop's slug")
    assignee = django_filters.CharFilter(method="filter_assignee", help_text="a user name, `me` or `none`")
    open = django_filters.BooleanFilter(method="filter_open")

    class Meta:
        model = Case
        fields = ["status", "kind", "type", "shop", "assignee"]

    def filter_shop(self, queryset, name, value):
        return queryset.filter(shop_id=Subquery(Shop.objects.filter(slug=value).order_by().values("pk")[:1]))

    def filter_assignee(self, queryset, name, value):
        if value == "none":
            return queryset.filter(assignee__isnull=True)
        if value == "me":
            return queryset.filter(assignee=self.request.user)
        users = get_user_model().objects.filter(username=value).order_by().values("pk")[:1]
        return queryset.filter(assignee_id=Subquery(users))

    def filter_open(self, queryset, name, value):
        # Listed, not negated: `status IN (…open…)` is the partial index's own predicate.
        return queryset.filter(
            status__in=list(OPEN_STATUSES) if value else [CaseStatus.RESOLVED, CaseStatus.CLOSED]
        )


class CaseList(generics.ListAPIView):
    serializer_class = CaseListSerializer
    permission_classes = [has_perms("cases.view_case")]
    filterset_class = CaseFilter

    def get_queryset(self):
        return tenancy.in_shops(selectors.cases_list(), self.request.user)


class CaseDetail(generics.RetrieveAPIView):
    serializer_class = CaseDetailSerializer
    permission_classes = [has_perms("cases.view_case")]
    lookup_field = "reference"

    def get_queryset(self):
        return tenancy.in_shops(selectors.case_detail(), self.request.user)


class CaseResolve(Idempotent, APIView):
    permission_classes = [has_perms("claims.add_resolution")]

    @extend_schema(request=ResolveSerializer, responses={200: CaseResolvedSerializer})
    def post(self, request, reference):
        case = _case(request, reference)
        values = validated(ResolveSerializer, request.data)
        result = claims.claim_act(case=case, actor=request.user, **values)
        case = selectors.case_detail().get(pk=result.case.pk)
        context = {"escalated_for_limit": result.escalated_for_limit}
        return Response(CaseResolvedSerializer(case, context=context).data)


class CaseNoteCreate(Idempotent, APIView):
    permission_classes = [has_perms("cases.add_casenote")]

    @extend_schema(request=NoteSerializer, responses={201: NoteCreatedSerializer})
    def post(self, request, reference):
        case = _case(request, reference)
        values = validated(NoteSerializer, request.data)
        note = cases.case_note_add(case=case, author=request.user, body=values["body"])
        return Response(NoteCreatedSerializer(note).data, status=status.HTTP_201_CREATED)


class CaseAssign(Idempotent, APIView):
    permission_classes = [has_perms("cases.change_case")]

    @extend_schema(request=AssignSerializer, responses={200: CaseListSerializer})
    def post(self, request, reference):
        case = _case(request, reference)
        username = validated(AssignSerializer, request.data)["assignee"]
        assignee = None
        if username:
            # Only the case's own shop's people: an agent of another shop is answered as unknown.
            staff = tenancy.members(case.shop_id, roles=tenancy.STAFF_ROLES)
            assignee = staff.filter(username=username).first()
            if assignee is None or not assignee.has_perm("cases.view_case"):
                raise serializers.ValidationError({"assignee": ["No agent with this user name."]})
        case = cases.case_assign(case=case, assignee=assignee, actor=request.user)
        return Response(CaseListSerializer(selectors.cases_list().get(pk=case.pk)).data)


class RefundConfirm(Idempotent, APIView):
    permission_classes = [has_perms("cases.change_refund")]

    @extend_schema(request=RefundConfirmSerializer, responses={200: RefundConfirmedSerializer})
    def post(self, request, pk):
        refund = tenancy.get_in_shops_or_404(Refund.objects.all(), request.user, pk=pk)
        values = validated(RefundConfirmSerializer, request.data)
        refund = refunds.refund_confirm(refund=refund, actor=request.user, **values)
        return Response(RefundConfirmedSerializer(refund).data)


class CarrierClaimUpdate(Idempotent, APIView):
    permission_classes = [has_perms("claims.change_carrierclaim")]

    @extend_schema(request=CarrierClaimUpdateSerializer, responses={200: CarrierClaimUpdatedSerializer})
    def post(self, request, pk):
        carrier_claim = tenancy.get_in_shops_or_404(CarrierClaim.objects.all(), request.user, pk=pk)
        values = validated(CarrierClaimUpdateSerializer, request.data)
        carrier_claim = claims.carrier_claim_update(carrier_claim=carrier_claim, actor=request.user, **values)
        return Response(CarrierClaimUpdatedSerializer(carrier_claim).data)
