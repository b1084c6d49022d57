"""CSRF protection on every form."""


from tests.conftest import PASSWORD, login


def test_login_without_a_csrf_token_is_refused(client, world):
    response = client.post("/login", data={"email": "a@test.example", "password": PASSWORD})
    assert response.status_code == 400
    assert "security token" in response.get_data(as_text=True)
    assert client.get("/customers").status_code == 302


def test_creating_a_customer_without_a_csrf_token_is_refused(client, world):
    login(client, world.reseller_a_user)
    response = client.post("/customers/new", data={"company_name": "Sneaky"})
    assert response.status_code == 400


def test_csrf_refusal_is_json_for_json_clients(client, world):
    response = client.post("/login", data={}, headers={"Accept": "application/json"})
    assert response.status_code == 400
    assert response.get_json()["error"]["title"] == "Form expired"
