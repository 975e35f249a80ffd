"""Who may talk to the dashboard: loopback binding, Host and Origin checks.

A server on ``127.0.0.1`` is still reachable by every web page open in the
user's browser: a hostile page can POST a form to it (cross-site request
forgery) or point a DNS name at 127.0.0.1 and read the answers (DNS
rebinding). So the dashboard

* binds loopback addresses only, unless the user asks for more
  (``--host 0.0.0.0 --allow-remote``), see :func:`check_bind_host`;
* answers only requests whose ``Host`` header names the server itself
  (:func:`host_allowed`, the defence against DNS rebinding recommended in the
  OWASP "DNS rebinding" notes and by the Chromium team for local servers);
* accepts a POST only from its own pages: the ``Origin`` header, which every
  current browser sends with a POST (Fetch standard, "append a request
  `Origin` header"), must equal the server's own origin, and
  ``Sec-Fetch-Site`` (W3C Fetch Metadata), when sent, must be ``same-origin``
  or ``none`` (:func:`post_allowed`). A client that sends neither (curl, a
  script) is not a browser and cannot be driven by a web page, so it is let in.
"""

from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urlsplit

from runform.errors import UsageError

__all__ = ["check_bind_host", "host_allowed", "is_loopback", "post_allowed"]


def is_loopback(host: str) -> bool:
    """True when every address ``host`` resolves to is a loopback address.

    Parameters
    ----------
    host : str
        An IP address (``127.0.0.1``, ``::1``) or a host name (``localhost``) [-].
    """
    name = host.strip("[]")
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        pass
    try:
        infos = socket.getaddrinfo(name, None, proto=socket.IPPROTO_TCP)
    except (OSError, UnicodeError):
        return False
    addrs = {str(info[4][0]).split("%")[0] for info in infos}
    return bool(addrs) and all(ipaddress.ip_address(a).is_loopback for a in addrs)


def check_bind_host(host: str, *, allow_remote: bool) -> None:
    """Refuse a non-loopback bind address unless ``allow_remote`` is set.

    Raises
    ------
    UsageError
        One line naming the address and the option that allows it.
    """
    if allow_remote or is_loopback(host):
        return
    raise UsageError(
        f"--host {host}: not a loopback address, so the dashboard (your training data, and "
        "an import form) would be open to your network; add --allow-remote if you mean it"
    )


def _host_key(value: str) -> str:
    return value.strip().lower().rstrip(".")


def allowed_hosts(bound_host: str, port: int) -> frozenset[str]:
    """The ``Host`` header values that name this server [-]."""
    names = {"127.0.0.1", "localhost", "[::1]", bound_host.lower()}
    if ":" in bound_host and not bound_host.startswith("["):
        names.add(f"[{bound_host.lower()}]")
    return frozenset(f"{n}:{port}" for n in names)


def host_allowed(host_header: str | None, allowed: frozenset[str], *, allow_remote: bool) -> bool:
    """True when the request's ``Host`` names this server (DNS-rebinding defence).

    With ``allow_remote`` the server may be reached under any name of the machine,
    which it cannot know, so every Host is accepted.
    """
    if allow_remote:
        return True
    if not host_header:
        return False
    return _host_key(host_header) in allowed


def post_allowed(
    origin: str | None, fetch_site: str | None, host_header: str | None
) -> tuple[bool, str]:
    """Whether a state-changing request comes from the dashboard's own pages.

    Parameters
    ----------
    origin : str or None
        The ``Origin`` request header [-].
    fetch_site : str or None
        The ``Sec-Fetch-Site`` request header [-].
    host_header : str or None
        The ``Host`` request header [-].

    Returns
    -------
    (bool, str)
        Allowed or not, and the reason when not [-].
    """
    if fetch_site is not None and fetch_site.lower() not in ("same-origin", "none"):
        return False, f"cross-site request refused (Sec-Fetch-Site: {fetch_site})"
    if origin is None:
        return True, ""
    if origin == "null":
        return False, "request from an opaque origin refused"
    parts = urlsplit(origin)
    if parts.scheme != "http" or not host_header:
        return False, f"request from another origin refused ({origin})"
    if _host_key(parts.netloc) != _host_key(host_header):
        return False, f"request from another origin refused ({origin})"
    return True, ""
