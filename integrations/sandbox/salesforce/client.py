"""How a simple-salesforce client reaches the sandbox (used by tests and the demo).

simple-salesforce 1.12.10 builds its SOAP login URL as
``https://{domain}.salesforce.com/services/Soap/u/{version}`` and always speaks
``https://`` to the instance. So the session gets one adapter that:

- sends ``https://login.salesforce.com`` / ``https://test.salesforce.com``
  (the login hosts) to the sandbox's ``login_url``; the SOAP answer's
  ``serverUrl`` then points every later call at the sandbox itself;
- verifies TLS with the sandbox CA on every request, whatever
  ``REQUESTS_CA_BUNDLE`` says (that variable overrides ``session.verify``).

Usage::

    from simple_salesforce import Salesforce
    info = sandbox_info["salesforce"]
    sf = Salesforce(
        username=info["username"], password=info["password"],
        security_token=info["security_token"], version=info["api_version"],
        session=sandbox_session(info),
    )
    # or, with a session id from an earlier login / OAuth token call:
    sf = Salesforce(session_id=..., instance_url=info["instance_url"],
                    version=info["api_version"], session=sandbox_session(info))
"""

from __future__ import annotations

from typing import Any

import requests
from requests.adapters import HTTPAdapter

LOGIN_HOSTS = ("https://login.salesforce.com", "https://test.salesforce.com")


class SandboxAdapter(HTTPAdapter):
    """Rewrites Salesforce login hosts to the sandbox and pins its CA."""

    def __init__(self, login_url: str, ca_bundle: str, **kwargs: Any):
        super().__init__(**kwargs)
        self.login_url = login_url.rstrip("/")
        self.ca_bundle = ca_bundle

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:
        url = request.url or ""
        for host in LOGIN_HOSTS:
            if url.startswith(host + "/"):
                request.url = self.login_url + url[len(host) :]
                request.headers.pop("Host", None)
        kwargs["verify"] = self.ca_bundle
        return super().send(request, **kwargs)


def sandbox_session(info: dict[str, Any]) -> requests.Session:
    """A ``requests.Session`` for ``Salesforce(session=...)`` against the sandbox."""
    session = requests.Session()
    adapter = SandboxAdapter(info["login_url"], info["ca_bundle"])
    session.mount("https://", adapter)
    return session
