"""Behind nginx every request comes from 127.0.0.1: with TRUSTED_PROXY_COUNT=1 (what
deploy/gunicorn.conf.py sets) the app takes the client's address from nginx's
X-Forwarded-For, for the throttles and the records that keep it; with 0, the default, a
client's own X-Forwarded-For is ignored, so nobody can pose as another address."""

from __future__ import annotations

import pytest

from connectors.graph.app_client import KEY as GRAPH_KEY
from connectors.graph.app_client import SIGN_IN_KEY
from connectors.partner_center.app_client import KEY
from persistence import db
from storefront import create_app
from subscriptions.models import KeyAccess
from tests.api.factories import make_subscription
from tests.conftest import login, on_database, post_form
from tests.subscriptions.recorded_keys import record_test_key


@pytest.fixture
def app(tmp_path, pc_client, graph_client, sign_in_proof, hops):
    """The shared app fixture's app, behind `hops` trusted proxies."""
    settings = on_database(f"sqlite:///{tmp_path / 'test.sqlite'}")
    app = create_app(type("BehindProxies", (settings,), {"TRUSTED_PROXY_COUNT": hops}))
    app.extensions |= {KEY: pc_client, GRAPH_KEY: graph_client, SIGN_IN_KEY: sign_in_proof}
    with app.app_context():
        db.create_all()
        yield app
        db.session.remove()
        db.engine.dispose()


@pytest.mark.parametrize(("hops", "recorded"), [(1, "203.0.113.9"), (0, "127.0.0.1")])
def test_the_client_address_comes_from_the_proxy_only_when_one_is_trusted(
        client, world, hops, recorded):
    sub = make_subscription(world.customer_a, world.price)
    record_test_key(sub)
    world.reseller_a_user.admin_agent = True
    db.session.commit()
    client.environ_base["HTTP_X_FORWARDED_FOR"] = "203.0.113.9"  # what nginx sends
    login(client, world.reseller_a_user)
    post_form(client, f"/subscriptions/{sub.id}/key", {}, token_url=f"/subscriptions/{sub.id}")
    assert [row.ip for row in db.session.query(KeyAccess)] == [recorded]
