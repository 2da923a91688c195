"""What a person types to connect a laptop to the office server, checked before anything is
sent: the first run and Settings ("Connect to your office") ask for the same three things."""

from __future__ import annotations


def office_login_problems(server: str, username: str, password: str) -> dict[str, str]:
    """{field: message} for the server address, user name and password; empty when the
    three can be sent."""
    problems: dict[str, str] = {}
    server = server.strip()
    if not server:
        problems["server"] = "Type the office server's address (your IT officer has it)."
    elif not server.startswith(("https://", "http://")):
        problems["server"] = "Write the address in full, for example https://carerdesk.example.org"
    if not username.strip():
        problems["username"] = "Type your user name."
    if not password:
        problems["password"] = "Type your password for the office server."
    return problems
