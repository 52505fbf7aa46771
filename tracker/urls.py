from django.contrib import admin
from django.urls import include, path

from claims.admin_site import TrackerAdminSite

# Every ModelAdmin registers on admin.site; this makes that site require 2FA.
admin.site.__class__ = TrackerAdminSite

# A body Django could not read (a multipart upload cut off) is told why.
handler400 = "claims.views.bad_request"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/", include("claims.api.urls")),
    path("", include("claims.urls")),
]
