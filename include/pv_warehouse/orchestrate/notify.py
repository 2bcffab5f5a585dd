"""E-mail to the data steward when a nightly task fails, through Airflow's SMTP notifier.

Off by default. Set `PV_WAREHOUSE_NOTIFY_EMAIL` to one or more addresses (comma-separated) to turn it
on; the mail server is Airflow's `smtp_default` connection (for instance
`AIRFLOW_CONN_SMTP_DEFAULT=smtp://user:password@mail.example.org:587`), and the sender
`PV_WAREHOUSE_NOTIFY_FROM` (default `pv-warehouse@localhost`). The message names the run, the failing
task and its error, which for a validation failure lists each critical expectation and the rule it
enforces; it carries counts, files, rows and rules, never patient data.
"""

from __future__ import annotations

import os
from typing import Any

ENV_NOTIFY_EMAIL = "PV_WAREHOUSE_NOTIFY_EMAIL"
ENV_NOTIFY_FROM = "PV_WAREHOUSE_NOTIFY_FROM"
DEFAULT_FROM = "pv-warehouse@localhost"

SUBJECT = "[pv-warehouse] nightly run {{ run_id }} failed at task {{ ti.task_id }}"
BODY = """\
<p>The nightly run <code>{{ run_id }}</code> of <code>{{ dag.dag_id }}</code> failed at task
<b>{{ ti.task_id }}</b>. Nothing was published: analysts keep the previous warehouse.</p>
<pre>{{ exception }}</pre>
<p>The steward report of the run is <code>reports/steward.html</code> under the warehouse home; the task log
is in Airflow.</p>
"""


def notify_recipients() -> list[str]:
    """The addresses of PV_WAREHOUSE_NOTIFY_EMAIL; empty when notification is off."""
    return [address.strip() for address in os.environ.get(ENV_NOTIFY_EMAIL, "").split(",") if address.strip()]


def failure_notifiers() -> list[Any]:
    """The Airflow notifiers to call when a task fails: an SMTP notifier when recipients are configured."""
    recipients = notify_recipients()
    if not recipients:
        return []
    from airflow.providers.smtp.notifications.smtp import SmtpNotifier

    return [
        SmtpNotifier(
            to=recipients,
            from_email=os.environ.get(ENV_NOTIFY_FROM, DEFAULT_FROM),
            subject=SUBJECT,
            html_content=BODY,
        )
    ]
