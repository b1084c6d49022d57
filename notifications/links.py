"""Links in emails are absolute, under PUBLIC_BASE_URL.

An email is read away from the site, where a path such as /orders/4 leads nowhere; a job
(provisioning, the GDAP and OSPA notices) has no request to take a host from; and a
request's Host header is the client's to choose, so it never names the site in a mail.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import current_app

from config.errors import ConfigError
from config.settings import public_base_url


def base_url() -> str:
    """The site's address, e.g. https://shop.example.com (no trailing slash)."""
    url = public_base_url(current_app.config)
    if not url:
        raise ConfigError("PUBLIC_BASE_URL is not set: emails cannot link to the site. Set "
                          "it to the address customers open, e.g. https://shop.example.com")
    return url


def public_url(link: str) -> str:
    """A path of the site (/orders/4) as the absolute URL an email carries; a link that is
    already absolute (a Microsoft page) is kept as it is."""
    if urlsplit(link).scheme:
        return link
    return f"{base_url()}/{link.lstrip('/')}"


def public_url_for(endpoint: str, **values) -> str:
    """A page's absolute URL by its endpoint, built from PUBLIC_BASE_URL without a request
    (a worker has none)."""
    site = urlsplit(base_url())
    adapter = current_app.url_map.bind(site.netloc, script_name=site.path or "/",
                                       url_scheme=site.scheme)
    return adapter.build(endpoint, values, force_external=True)
