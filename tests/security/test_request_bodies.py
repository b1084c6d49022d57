"""Request bodies: a deeply nested JSON body is a 400 that says so (it was a 500 on every
route), a body over MAX_CONTENT_LENGTH is a 413, and a client that must sign in first is
answered before its body is read (the CSRF and NUL checks used to parse it)."""

from __future__ import annotations

import io

from tests.api.factories import bearer
from tests.conftest import csrf_token, login

# Deep enough that Python's json parser raised RecursionError, which get_json(silent=True)
# let escape as a 500.
NESTED = "[" * 100_000 + "]" * 100_000
TOO_BIG = 1024 * 1024 + 1  # one byte over the default MAX_CONTENT_LENGTH of 1 MiB


class Unreadable(io.RawIOBase):
    """A request body that fails the test if the server reads any of it."""

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        raise AssertionError("the server read the body of a client that must sign in first")


def unread_post(client, url: str, content_type: str):
    return client.post(url, content_type=content_type, environ_overrides={
        "wsgi.input": Unreadable(), "CONTENT_LENGTH": "4096"})


def test_a_deeply_nested_json_body_to_a_page_is_a_400_naming_the_fix(client, world):
    login(client, world.reseller_a_user)
    response = client.post("/customers/new", data=NESTED, content_type="application/json",
                           headers={"X-CSRFToken": csrf_token(client, "/customers/new")})
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "nests deeper than 32 levels" in page and "Traceback" not in page


def test_a_deeply_nested_json_body_is_a_400_even_where_no_body_is_expected(client, world):
    response = client.get("/healthz", data=NESTED, content_type="application/json",
                          headers={"Accept": "application/json"})
    assert response.status_code == 400
    assert "nests deeper than 32 levels" in response.get_json()["error"]["detail"]


def test_a_deeply_nested_json_body_to_the_api_is_a_400_naming_the_body(client, world):
    response = client.post("/api/v1/customers", data=NESTED, content_type="application/json",
                           headers=bearer(world.reseller_a_user))
    assert response.status_code == 400
    error = response.get_json()["error"]
    assert "nests deeper than 32 levels" in error["detail"]
    assert error["fields"] == {"body": [error["detail"]]}


def test_json_nested_just_past_the_limit_is_refused_and_at_the_limit_is_read(client, world):
    headers = bearer(world.reseller_a_user)
    past = client.post("/api/v1/customers", data="[" * 33 + "]" * 33,
                       content_type="application/json", headers=headers)
    at = client.post("/api/v1/customers", data="[" * 32 + "]" * 32,
                     content_type="application/json", headers=headers)
    assert past.status_code == 400 and "32 levels" in past.get_json()["error"]["detail"]
    # Read and judged by the schema: not an object, so the schema's own message.
    assert at.status_code == 400 and at.get_json()["error"]["fields"] == {
        "_schema": ["Send a JSON object."]}


def test_a_form_over_the_size_limit_is_a_413_page(client, world):
    response = client.post("/login", data={"email": "a" * TOO_BIG, "password": "x"})
    assert response.status_code == 413
    assert "at most 1 MiB and 1,000 form fields" in response.get_data(as_text=True)


def test_a_multipart_form_of_too_many_fields_is_a_413_page(client, world):
    response = client.post("/login", data={f"field{n}": "x" for n in range(1001)},
                           content_type="multipart/form-data")
    assert response.status_code == 413
    assert "1,000 form fields" in response.get_data(as_text=True)


def test_an_api_body_over_the_size_limit_is_a_413_in_json(client, world):
    response = client.post("/api/v1/customers", data=b"{" + b" " * TOO_BIG + b"}",
                           content_type="application/json",
                           headers=bearer(world.reseller_a_user))
    assert response.status_code == 413
    assert response.get_json()["error"]["status"] == 413


def test_an_anonymous_post_to_a_signed_in_page_is_sent_to_sign_in_unread(client, world):
    response = unread_post(client, "/customers/new", "application/x-www-form-urlencoded")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")


def test_an_anonymous_json_post_to_a_signed_in_page_is_sent_to_sign_in_unread(client, world):
    response = unread_post(client, "/cart/add", "application/json")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")


def test_an_api_call_without_a_token_is_refused_before_its_body_is_read(client, world):
    response = unread_post(client, "/api/v1/customers", "application/json")
    assert response.status_code == 401


def test_a_public_form_is_still_read_and_checked(client, world):
    """Sign-in needs no session, so its body is read: the CSRF check still applies."""
    response = client.post("/login", data={"email": "a@test.example", "password": "x"})
    assert response.status_code == 400
    assert "security token" in response.get_data(as_text=True)
