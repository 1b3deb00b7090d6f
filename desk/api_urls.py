from django.urls import path

from . import api

urlpatterns = [
    path("cases/", api.CaseList.as_view(), name="api-cases"),
    path("cases/<str:reference>/", api.CaseDetail.as_view(), name="api-case-detail"),
    path("cases/<str:reference>/resolve/", api.CaseResolve.as_view(), name="api-case-resolve"),
    path("cases/<str:reference>/notes/", api.CaseNoteCreate.as_view(), name="api-case-notes"),
    path("cases/<str:reference>/assign/", api.CaseAssign.as_view(), name="api-case-assign"),
    path("refunds/<int:pk>/confirm/", api.RefundConfirm.as_view(), name="api-refund-confirm"),
    path("carrier-claims/<int:pk>/", api.CarrierClaimUpdate.as_view(), name="api-carrier-claim"),
]
