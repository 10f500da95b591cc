"""The what-if page as an ASGI application (Starlette), and `run`, which serves it (uvicorn).

Safe by default, for a page that anyone able to reach the port could otherwise drive:

- it listens on 127.0.0.1 unless told otherwise;
- a request whose Host header does not name the address it listens on is refused (400):
  another site cannot reach it through a DNS name it re-points at 127.0.0.1;
- every POST carries the process's token, from the page's `<meta name="csrf-token">`, in an
  `X-CSRF-Token` header (403 without it), and an Origin, when sent, must be the page's;
- a body above 1 MB is refused (413), whether its length is announced or not;
- requests name no file path: a scenario is saved under a plain file name in the folder
  chosen at start, and no plan file is ever written.

Every error is JSON: `{"problems": [{"code", "message", "file", "line", "field"}]}`.
"""

from __future__ import annotations

import errno
import hmac
import ipaddress
import json
import secrets
import socket
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from ..core.files import OutputError, OutputExists
from ..core.model import InvalidInput, InvalidRequest, Problem
from ..engine.allocation import AllocationError
from ..views.allocation import allocation_json
from ..views.render import problem_json, to_json
from .workspace import DEFAULT_FILE, Download, Workspace

#: The largest request body accepted, in bytes.
MAX_BODY = 1_000_000
BODY_KEYS = {"/api/allocate": ("scenario", "file"), "/api/save": ("scenario", "file", "overwrite"),
             "/api/workbook": ("scenario", "file"), "/api/report": ("scenario", "file")}
SECURITY_HEADERS = [(b"x-content-type-options", b"nosniff"), (b"x-frame-options", b"DENY"),
                    (b"referrer-policy", b"no-referrer"), (b"cache-control", b"no-store")]


def is_loopback(host: str) -> bool:
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def host_check(host: str, port: int) -> Callable[[str], bool]:
    """Whether a Host header names the address the server listens on (with its port).

    On a loopback address, `localhost` too. On every address (0.0.0.0, ::), any address
    literal and this machine's names: a DNS name someone else controls is never one of them.
    """
    def name(value: str) -> str:
        return value.strip("[]").lower()

    allowed = {name(host)}
    if is_loopback(host):
        allowed.add("localhost")
    wildcard = name(host) in ("0.0.0.0", "::")
    if wildcard:
        allowed.update(name(each) for each in (socket.gethostname(), socket.getfqdn(),
                                               "localhost"))

    def check(header: str) -> bool:
        parts = urlsplit(f"//{header}")
        try:
            if parts.port != port or parts.hostname is None:
                return False
        except ValueError:  # a port that is no number
            return False
        if name(parts.hostname) in allowed:
            return True
        if wildcard:
            try:
                ipaddress.ip_address(parts.hostname)
                return True
            except ValueError:
                return False
        return False

    return check


def _refusal(status: int, code: str, message: str) -> tuple[int, bytes]:
    body = to_json({"problems": [problem_json(Problem("", "", code, message))]})
    return status, body.encode("utf-8")


class Guard:
    """ASGI middleware: the Host check on every request; the token and Origin checks and the
    announced body size on every request that can change something; safety headers on every
    answer."""

    def __init__(self, app: Any, host: str, port: int, token: str):
        self.app, self.token = app, token
        self.host_allowed = host_check(host, port)

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        refused = self.refusal(scope)
        if refused is not None:
            status, body = refused
            await send({"type": "http.response.start", "status": status,
                        "headers": [(b"content-type", b"application/json"),
                                    (b"content-length", str(len(body)).encode()),
                                    (b"connection", b"close"), *SECURITY_HEADERS]})
            await send({"type": "http.response.body", "body": body})
            return

        async def send_with_headers(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), *SECURITY_HEADERS]
            await send(message)

        await self.app(scope, receive, send_with_headers)

    def refusal(self, scope: dict[str, Any]) -> tuple[int, bytes] | None:
        headers = {key.decode("latin-1").lower(): value.decode("latin-1")
                   for key, value in scope["headers"]}
        host = headers.get("host", "")
        if not self.host_allowed(host):
            return _refusal(400, "host-refused",
                            f"this server answers to the address it listens on, not to "
                            f"{host!r}")
        if scope["method"] in ("GET", "HEAD", "OPTIONS"):
            return None
        origin = headers.get("origin")
        if origin is not None and (urlsplit(origin).netloc != host or origin == "null"):
            return _refusal(403, "origin-refused", f"a request from {origin!r} is refused")
        if not hmac.compare_digest(headers.get("x-csrf-token", "").encode(),
                                   self.token.encode()):
            return _refusal(403, "csrf-token", "the X-CSRF-Token header is missing or wrong; "
                                               "reload the page")
        length = headers.get("content-length")
        if length is not None and (not length.isdigit() or int(length) > MAX_BODY):
            return _refusal(413, "body-too-large",
                            f"a request body may hold at most {MAX_BODY:,} bytes")
        return None


def create_app(workspace: Workspace, host: str = "127.0.0.1", port: int = 8765,
               token: str | None = None) -> Any:
    """The page and its JSON API for `workspace`, answering to `host`:`port` only."""
    from starlette.applications import Starlette
    from starlette.concurrency import run_in_threadpool
    from starlette.requests import Request
    from starlette.responses import HTMLResponse, JSONResponse, Response
    from starlette.routing import Route

    from ..views.templates import template_environment

    token = token or secrets.token_urlsafe(32)

    def problems(status: int, found: list[Problem]) -> Response:
        return Response(to_json({"problems": [problem_json(each) for each in found]}),
                        status_code=status, media_type="application/json")

    async def body(request: Request) -> dict[str, Any]:
        """The JSON body, read up to MAX_BODY bytes however it is sent; InvalidInput with
        every problem of its form."""
        received = bytearray()
        async for chunk in request.stream():
            received += chunk
            if len(received) > MAX_BODY:
                raise _TooLarge
        try:
            data = json.loads(received)
        except (UnicodeDecodeError, ValueError, RecursionError) as error:
            raise InvalidInput([Problem("request", "", "json-invalid",
                                        f"the body is not JSON: {error}")]) from None
        keys = BODY_KEYS[request.url.path]
        found = []
        if not isinstance(data, dict):
            raise InvalidInput([Problem("request", "", "wrong-type",
                                        'expected a JSON object such as {"scenario": "..."}')])
        for key in data:
            if key not in keys:
                found.append(Problem("request", key, "unknown-key",
                                     f"unknown key {key!r}; expected {', '.join(keys)}"))
        kinds = {"scenario": (str, "string"), "file": (str, "string"),
                 "overwrite": (bool, "boolean")}
        for key, (kind, name) in kinds.items():
            if key in data and not isinstance(data[key], kind):
                found.append(Problem("request", key, "wrong-type",
                                     f"{key!r} must be a JSON {name}"))
        if "scenario" not in data:
            found.append(Problem("request", "scenario", "missing-field",
                                 "'scenario' (the scenario file's text; empty for the baseline) "
                                 "is missing"))
        if found:
            raise InvalidInput(found)
        data.setdefault("file", DEFAULT_FILE)
        return data

    async def answer(request: Request, work: Callable[[dict[str, Any]], Response]) -> Response:
        try:
            data = await body(request)
            return await run_in_threadpool(work, data)
        except _TooLarge:
            return problems(413, [Problem("request", "", "body-too-large",
                                          f"a request body may hold at most {MAX_BODY:,} bytes")])
        except OutputExists as exists:
            path = exists.problem.file
            return JSONResponse({"exists": path, "message": f"{path} exists; replace it?"},
                                status_code=409)
        except InvalidInput as invalid:
            return problems(422, list(invalid.problems))
        except (AllocationError, OutputError) as error:  # the server's trouble, not the request's
            return problems(500, [getattr(error, "problem", None)
                                  or Problem("", "", "server-error", str(error))])
        except InvalidRequest as invalid:
            status = 500 if invalid.problem.code == "solver-error" else 422
            return problems(status, [invalid.problem])

    template = template_environment(autoescape=True).get_template("serve.html.j2")

    async def page(request: Request) -> Response:
        nonce = secrets.token_urlsafe(16)
        html = template.render(data=workspace.page_data(), token=token, nonce=nonce)
        policy = (f"default-src 'none'; script-src 'nonce-{nonce}'; style-src 'nonce-{nonce}'; "
                  "img-src data:; connect-src 'self'; base-uri 'none'; form-action 'none'; "
                  "frame-ancestors 'none'")
        return HTMLResponse(html, headers={"content-security-policy": policy})

    async def allocate(request: Request) -> Response:
        def work(data: dict[str, Any]) -> Response:
            result = workspace.allocation(data["scenario"], data["file"])
            return Response(to_json(allocation_json(result)), media_type="application/json")

        return await answer(request, work)

    async def save(request: Request) -> Response:
        def work(data: dict[str, Any]) -> Response:
            path = workspace.save(data["scenario"], data["file"], data.get("overwrite", False))
            return JSONResponse({"saved": str(path)}, status_code=201)

        return await answer(request, work)

    def download(make: Callable[[Workspace, str, str], Download]) -> Callable[..., Any]:
        async def endpoint(request: Request) -> Response:
            def work(data: dict[str, Any]) -> Response:
                made = make(workspace, data["scenario"], data["file"])
                return Response(made.data, media_type=made.media_type, headers={
                    "content-disposition": f'attachment; filename="{made.name}"'})

            return await answer(request, work)

        return endpoint

    routes = [Route("/", page, methods=["GET"]),
              Route("/api/allocate", allocate, methods=["POST"]),
              Route("/api/save", save, methods=["POST"]),
              Route("/api/workbook", download(Workspace.workbook), methods=["POST"]),
              Route("/api/report", download(Workspace.report), methods=["POST"])]
    return Guard(Starlette(routes=routes), host, port, token)


class _TooLarge(Exception):
    """A body that grew past MAX_BODY while it was read."""


def listen(host: str, port: int) -> socket.socket:
    """A socket bound to `host`:`port` (0: any free port) and listening; InvalidRequest when
    the address is not this machine's or the port is taken."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    try:
        found = socket.getaddrinfo(host, port, family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    except socket.gaierror as error:
        raise InvalidRequest(Problem("--host", host, "cannot-listen", "not an address of this "
                                     f"machine ({error.strerror})")) from None
    # The protocol named, not 0: asyncio turns Nagle's algorithm off (TCP_NODELAY) only on
    # connections of a socket that says it is TCP, and with it on, the body of every answer
    # after the first on a connection waits some 40 ms for the client's delayed ACK.
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(found[0][4])
        sock.listen(128)
    except OSError as error:
        sock.close()
        hint = "; choose another port with --port" if error.errno == errno.EADDRINUSE else ""
        raise InvalidRequest(Problem(f"{host}:{port}", "", "cannot-listen",
                                     f"cannot listen: {error.strerror or error}{hint}")) from None
    return sock


def url_of(host: str, port: int) -> str:
    return f"http://{'[' + host + ']' if ':' in host else host}:{port}/"


def run(workspace: Workspace, sock: socket.socket, host: str,
        on_start: Callable[[str], None] = lambda url: None) -> None:
    """Serve the page on the listening socket until interrupted (Ctrl+C)."""
    import uvicorn

    port = sock.getsockname()[1]
    app = create_app(workspace, host, port)
    config = uvicorn.Config(app, log_level="warning", access_log=False, lifespan="off",
                            proxy_headers=False, server_header=False, limit_concurrency=64,
                            timeout_keep_alive=5)
    on_start(url_of(host, port))
    uvicorn.Server(config).run(sockets=[sock])
