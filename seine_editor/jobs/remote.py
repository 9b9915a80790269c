"""The editor's side of a `seine-editor serve` server: a host that hands out engines whose jobs
run there, and the health check behind Engine settings → Test connection."""
from __future__ import annotations

from pathlib import Path
from typing import Any, Mapping, Optional

from engine.service.http_client import HttpEngineClient
from seine_editor.errors import SettingsError


def read_token(token_file: Optional[str]) -> Optional[str]:
    """The token on the file's first line (None without a file); SettingsError naming an unreadable file."""
    if not token_file:
        return None
    try:
        token = Path(token_file).expanduser().read_text().strip().splitlines()
    except OSError as error:
        raise SettingsError(f"token file {token_file}: {error.strerror or error}") from None
    if not token or not token[0].strip():
        raise SettingsError(f"token file {token_file} is empty: it must hold the token on its first line")
    return token[0].strip()


def server_info(url: Optional[str], token_file: Optional[str] = None) -> dict[str, Any]:
    """The server's health: its engine description, device, free GPU memory and queue."""
    return HttpEngineClient(url or "", read_token(token_file)).health()


class ServerHost:
    """Engines on a server. The server serves one engine; asking for another is refused by name."""

    def __init__(self, url: Optional[str], token_file: Optional[str] = None):
        self.client = HttpEngineClient(url or "", read_token(token_file))

    @property
    def capacity(self) -> int:
        """Jobs the server takes at once: those it runs together plus those it lets wait."""
        queue = self.client.health()["queue"]
        return int(queue["slots"]) + int(queue["capacity"])

    def get(self, name: str, options: Optional[Mapping[str, Any]] = None):
        return self.client.engine(name)

    def clear(self) -> None:
        self.client.forget()

    def close(self) -> None:
        self.client.forget()
