"""``sensorkit serve``: the browser live view, served on this machine.

Web stack: Starlette (a small, widely used ASGI toolkit) served by uvicorn, the standard ASGI
server; both are maintained by the Encode team, used far beyond this project, and need no
build step. The page is plain HTML, CSS and JavaScript shipped in the wheel
(``sensorkit/live/static``): no CDN, no fonts, no network resource of any kind, so it works
on a phone on an isolated network. Snapshots reach the page over a WebSocket at 20 Hz
(decimated for display; the recording keeps every sample).

Security: the server binds 127.0.0.1 by default. ``--host 0.0.0.0`` (to watch from a phone)
requires an access token, generated when not given, that every request must carry
(``?token=...`` in the URL the command prints).
"""

from __future__ import annotations

import asyncio
import secrets
import threading
import time
from importlib import resources
from pathlib import Path
from typing import Any

from sensorkit.errors import SensorkitError

__all__ = ["LiveServer", "make_app"]

_LOOPBACK = ("127.0.0.1", "localhost", "::1")


def _static_dir() -> Path:
    return Path(str(resources.files("sensorkit.live") / "static"))


def make_app(hub: Any, *, token: str | None = None):
    """The Starlette application of a :class:`~sensorkit.live.hub.LiveHub`.

    Routes: ``GET /`` (the page), ``GET /static/...``, ``GET /api/layout``,
    ``GET /api/snapshot``, ``POST /api/record`` (``{"action": "start"|"stop"}``),
    ``POST /api/tag`` (``{"label": ...}``), ``POST /api/targets`` (the :class:`Targets`
    fields), ``WS /ws`` (snapshots). With a token, every route requires ``?token=``.
    """
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import FileResponse, JSONResponse, Response
    from starlette.routing import Mount, Route, WebSocketRoute
    from starlette.staticfiles import StaticFiles
    from starlette.websockets import WebSocket, WebSocketDisconnect

    def allowed(params: Any) -> bool:
        return token is None or secrets.compare_digest(str(params.get("token", "")), token)

    def denied() -> Response:
        return JSONResponse({"error": "missing or wrong access token"}, status_code=403)

    async def index(request: Request) -> Response:
        if not allowed(request.query_params):
            return denied()
        return FileResponse(_static_dir() / "index.html", headers={"Cache-Control": "no-store"})

    async def layout(request: Request) -> Response:
        return JSONResponse(hub.layout_json()) if allowed(request.query_params) else denied()

    async def snapshot(request: Request) -> Response:
        return JSONResponse(hub.snapshot()) if allowed(request.query_params) else denied()

    async def record(request: Request) -> Response:
        if not allowed(request.query_params):
            return denied()
        body = await _json(request)
        try:
            if body.get("action") == "stop":
                path = await asyncio.to_thread(hub.stop_recording)
            else:
                path = await asyncio.to_thread(hub.start_recording)
        except SensorkitError as exc:
            return JSONResponse({"error": str(exc)}, status_code=409)
        return JSONResponse({"recording": None if path is None else Path(path).name})

    async def tag(request: Request) -> Response:
        if not allowed(request.query_params):
            return denied()
        body = await _json(request)
        label = str(body.get("label") or "tag")
        await asyncio.to_thread(hub.tag, label)
        return JSONResponse({"tagged": label})

    async def targets(request: Request) -> Response:
        if not allowed(request.query_params):
            return denied()
        body = await _json(request)
        try:
            hub.targets.update(body)
        except (TypeError, ValueError) as exc:
            return JSONResponse({"error": f"bad target: {exc}"}, status_code=400)
        return JSONResponse(hub.snapshot()["targets"])

    async def ws(websocket: WebSocket) -> None:
        if not allowed(websocket.query_params):
            await websocket.close(code=1008)
            return
        await websocket.accept()
        loop = asyncio.get_running_loop()
        slot: asyncio.Queue = asyncio.Queue(maxsize=1)

        def offer(snap: dict) -> None:  # called from the hub's thread: never blocks it
            def put() -> None:
                if slot.full():
                    slot.get_nowait()  # keep only the latest snapshot
                slot.put_nowait(snap)

            loop.call_soon_threadsafe(put)

        unsubscribe = hub.subscribe(offer)
        try:
            await websocket.send_json({"layout": hub.layout_json()})
            while True:
                snap = await slot.get()
                await asyncio.wait_for(websocket.send_json(snap), timeout=5.0)
        except (WebSocketDisconnect, asyncio.TimeoutError, RuntimeError, OSError):
            pass
        finally:
            unsubscribe()

    routes = [
        Route("/", index),
        Route("/api/layout", layout),
        Route("/api/snapshot", snapshot),
        Route("/api/record", record, methods=["POST"]),
        Route("/api/tag", tag, methods=["POST"]),
        Route("/api/targets", targets, methods=["POST"]),
        WebSocketRoute("/ws", ws),
        Mount("/static", app=StaticFiles(directory=str(_static_dir())), name="static"),
    ]
    return Starlette(routes=routes)


async def _json(request: Any) -> dict:
    try:
        body = await request.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


class LiveServer:
    """Serve a hub's page in a background thread (uvicorn).

    Parameters
    ----------
    hub : LiveHub
    host : str
        ``127.0.0.1`` by default; any other address needs a token.
    port : int
        0 picks a free port (see :attr:`url`).
    token : str, optional
        Access token; generated for non-loopback hosts when not given.
    """

    def __init__(
        self, hub: Any, *, host: str = "127.0.0.1", port: int = 8765, token: str | None = None
    ) -> None:
        try:
            import uvicorn
        except ImportError as exc:  # pragma: no cover - depends on the install
            raise SensorkitError(
                "the live view needs starlette and uvicorn", hint="pip install 'sensorkit[live]'"
            ) from exc
        if host not in _LOOPBACK and not token:
            token = secrets.token_urlsafe(16)
        self.host, self.token = host, token
        config = uvicorn.Config(
            make_app(hub, token=token),
            host=host,
            port=port,
            log_level="warning",
            lifespan="off",
            ws=_ws_protocol(),
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, name="sensorkit-live-web", daemon=True)

    def start(self, timeout_s: float = 10.0) -> str:
        """Start serving; returns :attr:`url` once the socket is bound."""
        self._thread.start()
        deadline = time.monotonic() + timeout_s
        while not self._server.started:
            if time.monotonic() > deadline or not self._thread.is_alive():
                raise SensorkitError(f"the live view could not start on {self.host}")
            time.sleep(0.02)
        return self.url

    @property
    def port(self) -> int:
        """The bound port."""
        for server in self._server.servers:
            for sock in server.sockets:
                return int(sock.getsockname()[1])
        return int(self._server.config.port)

    @property
    def url(self) -> str:
        """The page's address (with the token when there is one)."""
        host = "127.0.0.1" if self.host in ("0.0.0.0", "::") else self.host
        return f"http://{host}:{self.port}/" + (f"?token={self.token}" if self.token else "")

    def stop(self) -> None:
        """Stop serving."""
        self._server.should_exit = True
        self._thread.join(timeout=5.0)


def _ws_protocol() -> str:
    """The websockets implementation uvicorn recommends (sans-I/O since 0.35; older: legacy)."""
    from uvicorn.config import WS_PROTOCOLS

    return "websockets-sansio" if "websockets-sansio" in WS_PROTOCOLS else "websockets"
