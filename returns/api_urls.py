from django.urls import path

from . import api

urlpatterns = [
    path("returns/", api.ReturnCreate.as_view(), name="api-returns"),
    path("returns/<str:rma>/", api.ReturnDetail.as_view(), name="api-return-detail"),
    path("returns/<str:rma>/label.pdf", api.ReturnLabel.as_view(), name="api-return-label"),
    path("returns/<str:rma>/approve/", api.ReturnApprove.as_view(), name="api-return-approve"),
    path("returns/<str:rma>/reject/", api.ReturnReject.as_view(), name="api-return-reject"),
    path("returns/<str:rma>/receive/", api.ReturnReceive.as_view(), name="api-return-receive"),
    path("returns/<str:rma>/inspect/", api.ReturnInspect.as_view(), name="api-return-inspect"),
    path("returns/<str:rma>/refund/", api.ReturnRefundApprove.as_view(), name="api-return-refund"),
    path("returns/<str:rma>/close/", api.ReturnClose.as_view(), name="api-return-close"),
    path("returns/<str:rma>/in-transit/", api.ReturnInTransit.as_view(), name="api-return-in-transit"),
    path("analytics/returns/", api.ReturnAnalytics.as_view(), name="api-analytics-returns"),
]
