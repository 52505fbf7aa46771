"""A service's Django ValidationError is answered 400 once, for every view
(claims.api.errors), in DRF's shape."""

from django.core.exceptions import ValidationError

from claims.api.errors import api_exception_handler


def test_a_validation_error_naming_fields_is_a_400_by_field():
    response = api_exception_handler(ValidationError({"url": "Refused: a private address."}), {})
    assert response.status_code == 400
    assert response.data == {"url": ["Refused: a private address."]}


def test_a_validation_error_naming_no_field_is_a_400_of_non_field_errors():
    response = api_exception_handler(ValidationError(["Nothing to submit.", "Really."]), {})
    assert response.status_code == 400
    assert response.data == {"non_field_errors": ["Nothing to submit.", "Really."]}
