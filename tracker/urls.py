from django.contrib import admin
from django.urls import include, path

# admin.site is claims.admin_site.TrackerAdminSite (claims.apps.TrackerAdminConfig).

# A body Django could not read (a multipart upload cut off) is told why.
handler400 = "claims.views.bad_request"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/", include("claims.api.urls")),
    path("", include("claims.urls")),
    path("", include("claims.workspace.urls")),
]
