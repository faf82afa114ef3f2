"""Settings: the only place environment variables are read.

Every setting is documented in the README with its default. Read once at
start-up by `bot/` or `workers/` and passed down.
"""

from __future__ import annotations

import secrets
from decimal import Decimal
from pathlib import Path

from pydantic import AliasChoices, Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

SECRET_KEY_FILE = "secret_key"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="GRACE_", extra="ignore", populate_by_name=True)

    data_dir: Path = Field(default=Path(".grace"), description="Folder for the SQLite file, the secret key and models.")
    database_url: str = Field(default="", description="SQLAlchemy async URL; empty = SQLite file in data_dir.")
    redis_url: str = Field(default="", description="Redis URL; empty = embedded in-process queue, events and cache.")
    public_url: str = Field(default="http://127.0.0.1:8000", description="Address clients and Slack reach us at.")
    secret_key: str = Field(default="", description="Signs links; generated into data_dir on first run if empty.")
    currency: str = Field(default="USD", min_length=3, max_length=3)
    dashboard_session_hours: float = Field(default=12, gt=0, le=24 * 30, description=(
        "How long a dashboard sign-in lasts; logout or revoking the key ends it sooner."))
    metrics_token: str = Field(default="", description=(
        "Bearer token /metrics requires; empty = /metrics is open (keep it on a private network)."))
    host: str = "127.0.0.1"
    port: int = 8000
    log_level: str = "INFO"
    log_json: bool = Field(default=False, description="Structured JSON logs instead of console lines.")
    db_pool_size: int = 10
    db_max_overflow: int = 20
    db_pre_ping: bool = Field(default=False, description=(
        "Test each pooled PostgreSQL connection before use (one more round trip per transaction); "
        "without it a database restart fails the first request on each stale connection."))
    db_pool_recycle_seconds: int = Field(default=1800, ge=-1, description=(
        "Replace pooled PostgreSQL connections older than this (-1: never)."))

    # pipeline
    stuck_days: int = Field(default=14, ge=1, description="Days in one stage after which a lead counts as stuck.")
    max_text_length: int = Field(default=10_000, ge=100, description="Longest free-text field accepted.")
    import_max_rows: int = Field(default=200_000, ge=1)

    # alerts
    alert_window_days: int = Field(default=7, ge=1, description="Window of the alert checks.")
    alert_min_leads: int = Field(default=20, ge=1, description="Leads needed before the qualification-rate alert.")
    alert_min_qualification_rate: float = Field(default=0.1, ge=0, le=1)
    alert_nps_drop: float = Field(default=20, ge=0, description="NPS points lost between windows that alert.")
    alert_max_error_rate: float = Field(default=0.05, ge=0, le=1)
    alert_interval_minutes: int = Field(default=10, ge=1)
    # hunter and governance
    hunter_max_chars: int = Field(default=100_000, ge=1000,
                                  description="Hunter blocks input or output with more characters than this.")
    policies_path: Path | None = Field(default=None, description="A policies.yml replacing the shipped one.")

    # model / agent
    model: str = Field(default="offline", description="'offline' or a pydantic-ai model string.")
    openai_base_url: str = Field(default="", description="OpenAI-compatible server for GRACE_MODEL=openai-compat:NAME.")
    openai_api_key: str = Field(default="", description="Key sent to GRACE_OPENAI_BASE_URL (local servers often need none); "
                                                      "else OPENAI_API_KEY is read.")
    model_timeout_seconds: float = Field(default=60.0, gt=0, le=600,
                                         description="How long one request to the language model may take.")
    model_max_retries: int = Field(default=2, ge=0, le=10,
                                   description="Retries of a failed or timed-out request to the language model.")
    history_max_messages: int = Field(default=40, ge=2, description="Agent messages kept per Slack thread or terminal session.")

    # scoring
    qualify_threshold: float = Field(default=70.0, ge=0, le=100)
    min_outcomes_for_model: int = Field(default=30, ge=2)

    # slack (the usual names are accepted too)
    slack_bot_token: str = Field(default="", validation_alias=AliasChoices("SLACK_BOT_TOKEN", "GRACE_SLACK_BOT_TOKEN"))
    slack_signing_secret: str = Field(
        default="", validation_alias=AliasChoices("SLACK_SIGNING_SECRET", "GRACE_SLACK_SIGNING_SECRET")
    )
    slack_app_token: str = Field(default="", validation_alias=AliasChoices("SLACK_APP_TOKEN", "GRACE_SLACK_APP_TOKEN"))
    slack_api_url: str = "https://slack.com/api/"
    alerts_channel: str = ""
    approvals_channel: str = ""
    leads_channel: str = ""

    # stripe
    stripe_api_key: str = Field(default="", validation_alias=AliasChoices("STRIPE_API_KEY", "GRACE_STRIPE_API_KEY"))
    stripe_webhook_secret: str = Field(
        default="", validation_alias=AliasChoices("STRIPE_WEBHOOK_SECRET", "GRACE_STRIPE_WEBHOOK_SECRET")
    )
    stripe_api_url: str = "https://api.stripe.com"

    # proposals
    catalog_path: Path | None = Field(default=None, description="The agency's service catalog (YAML); unset = the shipped default.")
    weekly_capacity_hours: Decimal = Field(default=Decimal("40"), gt=0, description="Hours of work the team delivers per week on one project.")
    timeline_buffer: Decimal = Field(default=Decimal("0.2"), ge=0, le=5, description="Share added to a timeline for the unexpected (0.2 = 20%).")
    max_discount: Decimal = Field(default=Decimal("0.15"), ge=0, le=1, description="Largest discount a proposal may give to fit a budget (share of the subtotal).")
    proposal_link_days: int = Field(default=30, ge=1, description="Days a client's proposal link stays valid.")
    # billing
    invoice_net_days: int = Field(default=14, ge=0, le=365, description="Days between issuing an invoice and its due date.")
    pay_link_days_after_due: int = Field(default=30, ge=0, le=3650, description=(
        "A /pay link stops working this many days after its invoice's due date, and at once when the "
        "invoice is paid or voided."))
    bank_details: str = Field(default="", description="Bank-transfer details shown on the manual pay page (free text; \\n for new lines).")
    billing_channel: str = Field(default="", description="Slack channel for payments and overdue reminders; empty = alerts_channel.")

    # parliament
    parliament_threshold: Decimal = Decimal("5000")
    parliament_quorum: int = 2
    parliament_approve_share: float = 0.5
    parliament_deadline_hours: int = 48
    parliament_admin_veto: bool = Field(default=False, description="An admin's reject closes a vote as rejected.")
    vote_changes_allowed: bool = Field(
        default=False, description="An approver may change their vote while the session is open.")

    # delivery (builds)
    build_max_tries: int = Field(default=5, ge=1, description="Tries of a failing build before the project fails.")
    build_retry_seconds: float = Field(default=10.0, ge=0, description="First retry delay; doubles each try.")
    build_timeout_seconds: int = Field(
        default=600, ge=1,
        description="Longest one build run may take (arq timeout). A timed-out build is retried and resumes at "
                    "its first unfinished milestone. It also bounds how long a build killed with its worker waits "
                    "before another worker may take it over (arq's in-progress lease = longest timeout + 10 s).")
    build_step_delay_seconds: float = Field(
        default=0.0, ge=0, description="Pause before each milestone of an offline build (demos and tests).")
    queue_name: str = Field(default="arq:queue", description="The arq queue (Redis key) jobs go to and workers read.")
    vote_sweep_minutes: int = Field(default=5, ge=1, le=59, description="How often expired votes are closed.")

    # satisfaction (NPS surveys)
    nps_delay_days: int = Field(default=7, ge=0, description="Days after delivery before the NPS survey is sent.")
    nps_link_days: int = Field(default=30, ge=1, description="Days a survey link stays valid.")
    nps_update_days: int = Field(default=7, ge=0, description="Days after answering during which the answer may be changed.")
    nps_window_days: int = Field(default=365, ge=1, description="Window of answers counted in the agency's NPS.")
    smtp_host: str = Field(default="", description="SMTP server for e-mail; empty = no e-mail (links go to Slack only).")
    smtp_port: int = Field(default=587, ge=1, le=65535, description="SMTP port.")
    smtp_username: str = Field(default="", description="SMTP login; empty = no authentication.")
    smtp_password: str = Field(default="", description="SMTP password.")
    smtp_from: str = Field(default="grace@localhost", description="Sender address of e-mails.")
    smtp_starttls: bool = Field(default=True, description="Upgrade the SMTP connection with STARTTLS.")
    smtp_tls: bool = Field(default=False, description="Connect with implicit TLS (port 465) instead of STARTTLS.")

    # lead sources (issue 11)
    form_min_fill_seconds: float = Field(default=3.0, ge=0, description="A form submitted sooner after it was shown is refused as a bot.")
    form_rate_limit: int = Field(default=10, ge=1, description="Submissions per minute accepted from one IP address to one form.")
    form_max_bytes: int = Field(default=64 * 1024, ge=1024, description="Largest form submission body.")
    form_token_max_age_hours: int = Field(default=24, ge=1, description="How long a rendered form stays submittable.")
    mailgun_signing_key: str = Field(default="", description="Mailgun's HTTP webhook signing key; empty = Mailgun inbound off.")
    sendgrid_inbound_secret: str = Field(default="", description="Secret in SendGrid's Inbound Parse URL or basic-auth password; empty = off.")
    linkedin_client_secret: str = Field(default="", description="LinkedIn app client secret (signs Lead Gen webhooks); empty = off.")
    linkedin_access_token: str = Field(default="", description="OAuth token (r_marketing_leadgen_automation) to fetch a notified lead's answers.")
    linkedin_api_url: str = Field(default="https://api.linkedin.com/rest", description="LinkedIn REST API base (tests point it at a fake).")
    linkedin_api_version: str = Field(default="202510", description="The Linkedin-Version header (YYYYMM).")

    @field_validator("currency")
    @classmethod
    def _upper(cls, v: str) -> str:
        return v.upper()

    @property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite+aiosqlite:///{(self.data_dir / 'grace.db').resolve()}"

    def ensure_data_dir(self) -> Path:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        return self.data_dir

    def resolved_secret_key(self) -> str:
        """The configured key, or one generated once and kept in the data folder."""
        if self.secret_key:
            return self.secret_key
        path = self.ensure_data_dir() / SECRET_KEY_FILE
        if path.exists():
            key = path.read_text().strip()
            if key:
                self.secret_key = key
                return key
        key = secrets.token_urlsafe(48)
        path.touch(mode=0o600, exist_ok=True)
        path.write_text(key)
        self.secret_key = key
        return key
