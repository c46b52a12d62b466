"""The console's settings: the kernel's, plus where the gateway is and how sessions behave."""

from __future__ import annotations

from pydantic import BaseModel, Field

from orderloom.settings import OrderloomSettings


class ConsoleOptions(BaseModel):
    """``ORDERLOOM_CONSOLE__*``."""

    gateway_url: str = Field(
        default="http://127.0.0.1:9464",
        description="The vendor gateway's status server; the vendors page reads its /pools.",
    )
    session_hours: float = Field(default=12.0, gt=0, description="How long a login lasts.")
    secure_cookies: bool = Field(
        default=False, description="Send the session cookie over HTTPS only (set it in production)."
    )
    project_definitions: bool = Field(
        default=True,
        description="Keep the workflow definitions table up to date from workflow.inputs.",
    )
    login_limit_per_user: int = Field(
        default=5, ge=1, description="Failed logins of one user name that start a lockout."
    )
    login_limit_per_address: int = Field(
        default=20, ge=1, description="Failed logins from one client address that lock it out."
    )
    login_window_s: float = Field(
        default=900.0, gt=0, description="The window in which failed logins are counted."
    )
    login_lockout_s: float = Field(
        default=900.0,
        gt=0,
        description="How long the first lockout lasts; each one that follows within a day"
        " lasts twice as long, at most a day.",
    )
    bulk_limit: int = Field(
        default=20_000, ge=1, description="Most executions one bulk redrive may touch."
    )


class ConsoleSettings(OrderloomSettings):
    service_name: str = "orderloom-console"
    console: ConsoleOptions = ConsoleOptions()
