"""`grace serve` and `grace migrate`."""

from __future__ import annotations

import socket

import typer

from bot.cli.common import console, fail, migrate_database, settings


def _port_free(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((host, port))
        except OSError:
            return False
    return True


def _free_port(host: str) -> int:
    with socket.socket() as s:
        s.bind((host, 0))
        return int(s.getsockname()[1])


def register(app: typer.Typer) -> None:
    @app.command()
    def migrate() -> None:
        """Bring the database schema up to date."""
        s = settings()
        migrate_database(s)
        console.print(f"database is up to date ({s.resolved_database_url.split('@')[-1]})", markup=False)

    @app.command("serve")
    def serve_cmd(
        host: str = typer.Option(None, help="Interface to listen on (GRACE_HOST, default 127.0.0.1)."),
        port: int = typer.Option(None, help="Port (GRACE_PORT, default 8000; a free one if 8000 is taken)."),
    ) -> None:
        """Migrate the database and serve the API, Slack endpoints and dashboard."""
        import uvicorn  # deferred for start-up time, with the app below

        from bot.app import create_app

        s = settings()
        host = host or s.host
        explicit = port is not None
        port = port if explicit else s.port
        if not _port_free(host, port):
            if explicit:
                fail(f"port {port} on {host} is already in use; choose another with --port")
            port = _free_port(host)
        from bot.observability import configure_logging  # deferred for start-up time

        configure_logging(s)
        migrate_database(s)
        s.host, s.port = host, port
        url = f"http://{host}:{port}"
        console.print(f"Grace is listening on {url}  (database: {s.resolved_database_url.split('@')[-1]})", soft_wrap=True,
                      markup=False)
        console.print(f"API docs: {url}/docs   health: {url}/healthz")
        console.print("Create an API key: grace apikey create --name me --role admin")
        uvicorn.run(create_app(s), host=host, port=port, log_level=s.log_level.lower(), log_config=None,
                    access_log=False)  # our own request line carries the route and request id
