"""Settings edited over the admin API: payment rules, a financial year's budget and the
retention policy, each validated, audited (who, old -> new), written to settings.toml so
a restart keeps it, and in force at once; on SQLite and PostgreSQL."""

from __future__ import annotations

import tomllib

from sync.protocol import Role
from sync.server.app import create_app
from tests.sync.server.harness import HARNESS_TODAY, Harness


def _settings_changes(office: Harness) -> list[tuple[str, dict]]:
    return [
        (a.actor, dict(a.details))
        for a in office.store.iter_audit()
        if a.action == "admin-change-settings"
    ]


def test_payment_rules_change_at_once_survive_a_restart_and_are_audited(any_harness):
    office = any_harness
    (office.settings.data_dir / "settings.toml").write_text(
        "# the office's own note, kept\n[payments]\ncap_pence = 25000\n"
    )
    office.app.state.services.refresh_settings(force=True)
    admin = office.device("manager", Role.ADMIN)
    worker = office.device("amy", Role.OUTREACH_WORKER, "north")
    changed = admin.client.patch(
        "/v1/admin/settings/payments",
        json={"cap_pence": 40000, "card_number_length": 10},
        headers=admin.headers,
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["payments"]["cap_pence"] == 40000
    assert changed.json()["card_number_length"] == 10
    # The laptops are told the new rules at their next sync.
    rules = worker.get("/v1/payment-rules").json()["rules"]
    assert rules["payments"]["cap_pence"] == 40000
    text = (office.settings.data_dir / "settings.toml").read_text()
    assert "the office's own note, kept" in text
    assert tomllib.loads(text)["cards"]["number_length"] == 10
    assert _settings_changes(office) == [
        (
            "manager",
            {
                "table": "payments",
                "changed": {
                    "cap_pence": {"old": 25000, "new": 40000},
                    "card_number_length": {"old": 12, "new": 10},
                },
            },
        )
    ]
    # A restart (a new app on the same data directory) keeps them.
    again = create_app(
        office.settings.__class__.for_data_dir(
            office.settings.data_dir, office.settings.database_url
        )
    )
    try:
        assert again.state.services.settings.payments.payments.cap_pence == 40000
    finally:
        again.state.services.close()


def test_a_bad_payment_rule_is_refused_with_every_reason_and_nothing_changes(any_harness):
    office = any_harness
    admin = office.device("manager", Role.ADMIN)
    bad = admin.client.patch(
        "/v1/admin/settings/payments",
        json={"cap_pence": -5, "funder_split": [["Council", 60], ["NHS", 60]]},
        headers=admin.headers,
    )
    assert bad.status_code == 400
    assert "payments.cap_pence" in bad.json()["detail"]
    assert "add up to 100" in bad.json()["detail"]
    unknown = admin.client.patch(
        "/v1/admin/settings/payments", json={"cap": 1}, headers=admin.headers
    )
    assert unknown.status_code == 400 and "Not payment settings: cap" in unknown.json()["detail"]
    budget = admin.client.patch(
        "/v1/admin/settings/payments", json={"annual_budget_pence": 1}, headers=admin.headers
    )
    assert budget.status_code == 400 and "/v1/admin/settings/budgets/" in budget.json()["detail"]
    assert not (office.settings.data_dir / "settings.toml").exists()
    assert _settings_changes(office) == []
    assert admin.get("/v1/admin/settings").json()["payments"]["cap_pence"] == 30000


def test_a_new_years_budget_never_rewrites_an_old_years(any_harness):
    office = any_harness
    admin = office.device("manager", Role.ADMIN)
    before = {b["financial_year"]: b for b in admin.get("/v1/admin/settings").json()["budgets"]}
    assert before[2025]["budget_pence"] == 52_525_000 and before[2025]["set"] is False
    put = admin.client.put(
        "/v1/admin/settings/budgets/2026", json={"budget_pence": 55_000_000}, headers=admin.headers
    )
    assert put.status_code == 200, put.text
    budgets = {b["financial_year"]: b for b in put.json()["budgets"]}
    assert budgets[2026] == {
        "financial_year": 2026,
        "label": "2026/27",
        "budget_pence": 55_000_000,
        "set": True,
    }
    assert budgets[2025]["budget_pence"] == 52_525_000
    # The approvals and reports decide by it at once; the current year's report keeps
    # its budget.
    rules = office.app.state.services.settings.payments.payments
    assert (rules.budget_for(2026), rules.budget_for(2025)) == (55_000_000, 52_525_000)
    current = admin.get("/v1/reports/budget", params={"fy": 2025})
    assert current.json()["budget_pence"] == 52_525_000
    ended = admin.client.put(
        "/v1/admin/settings/budgets/2024", json={"budget_pence": 1}, headers=admin.headers
    )
    assert ended.status_code == 400 and "2024/25 has ended" in ended.json()["detail"]
    negative = admin.client.put(
        "/v1/admin/settings/budgets/2026", json={"budget_pence": -1}, headers=admin.headers
    )
    assert negative.status_code == 422
    assert _settings_changes(office) == [
        (
            "manager",
            {
                "table": "budgets",
                "changed": {"budget 2026/27": {"old": 52_525_000, "new": 55_000_000}},
            },
        )
    ]


def test_retention_is_a_stored_setting_the_job_uses(any_harness):
    office = any_harness
    admin = office.device("manager", Role.ADMIN)
    shown = admin.get("/v1/admin/settings").json()
    assert shown["retention_years"]["payment_request"] == 7
    assert shown["retention_defaults"]["carer"] == 6
    changed = admin.client.patch(
        "/v1/admin/settings/retention",
        json={"years": {"payment_request": 8}},
        headers=admin.headers,
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["retention_years"]["payment_request"] == 8
    assert office.app.state.services.settings.retention.years_for("payment_request") == 8
    bad = admin.client.patch(
        "/v1/admin/settings/retention",
        json={"years": {"carer": 0, "letters": 3}},
        headers=admin.headers,
    )
    assert bad.status_code == 400
    assert "carer must be a whole number of years" in bad.json()["detail"]
    assert "letters is not a record kind" in bad.json()["detail"]
    assert _settings_changes(office)[-1] == (
        "manager",
        {"table": "retention", "changed": {"payment_request": {"old": 7, "new": 8}}},
    )


def test_other_roles_cannot_edit_settings(any_harness):
    worker = any_harness.device("amy", Role.OUTREACH_WORKER, "north")
    refused = worker.client.patch(
        "/v1/admin/settings/retention", json={"years": {"carer": 9}}, headers=worker.headers
    )
    assert refused.status_code == 403
    assert HARNESS_TODAY.year == 2026


def test_values_no_settings_file_could_hold_are_refused_clearly(any_harness):
    admin = any_harness.device("manager", Role.ADMIN)
    for body in ({"cap_pence": None}, {"funder_split": {"a": 1}}, {"cap_pence": "lots"}):
        refused = admin.client.patch(
            "/v1/admin/settings/payments", json=body, headers=admin.headers
        )
        assert refused.status_code == 400, (body, refused.text)
        assert (
            "Nothing was changed" in refused.json()["detail"]
            or "not a value" in (refused.json()["detail"])
        )
    assert admin.get("/v1/admin/settings").json()["payments"]["cap_pence"] == 30000


def test_hosts_compare_settings_by_the_fingerprint_in_health(tmp_path, capsys):
    """Two hosts on one database each read their own settings.toml: /v1/health tells
    their fingerprints, and ``settings check`` warns while they differ."""
    import argparse
    from urllib.parse import urlsplit

    from sync.server.admin.cli import cmd_check

    one, two = Harness(tmp_path / "one"), Harness(tmp_path / "two")
    try:
        hosts = {"one.example": one, "two.example": two}

        def health(host: Harness) -> str:
            return host.client.get("/v1/health").json()["settings_fingerprint"]

        def check(on: Harness) -> int:
            args = argparse.Namespace(
                urls=["https://one.example", "https://two.example/"],
                server_settings=on.app.state.services.settings,
            )
            get = lambda url: hosts[urlsplit(url).hostname].client.get(urlsplit(url).path)  # noqa: E731
            return cmd_check(args, None, get=get)

        assert health(one) == health(two)
        assert check(one) == 0
        admin = one.device("manager", Role.ADMIN)
        changed = admin.client.patch(
            "/v1/admin/settings/payments", json={"cap_pence": 40000}, headers=admin.headers
        )
        assert changed.status_code == 200, changed.text
        assert health(one) != health(two)
        capsys.readouterr()
        assert check(one) == 1
        out = capsys.readouterr().out
        assert "WARNING https://two.example/" in out and "copy this host's settings.toml" in out
        assert "https://one.example: " in out and "(the same)" in out
        # Copied to the other host (with a comment of its own): the same rules again.
        text = (one.settings.data_dir / "settings.toml").read_text()
        (two.settings.data_dir / "settings.toml").write_text("# host two\n" + text)
        assert health(one) == health(two)
        assert check(two) == 0
    finally:
        one.close()
        two.close()


def test_health_reads_the_settings_file_again_only_when_it_changed(harness, monkeypatch):
    """/v1/health answers anyone, as often as a monitor asks: it looks at the settings
    file's modification time (one stat) and reads and checks the file only when that
    moved, so the rules in force change with the file and not otherwise."""
    import os

    from sync.server import app as server_app

    reads = []
    real = server_app.load_settings_file
    monkeypatch.setattr(
        server_app, "load_settings_file", lambda path: reads.append(path) or real(path)
    )
    services = harness.app.state.services
    fingerprint = harness.client.get("/v1/health").json()["settings_fingerprint"]
    for _ in range(20):
        assert harness.client.get("/v1/health").json()["settings_fingerprint"] == fingerprint
    assert reads == []

    path = services.settings.settings_file
    path.write_text("[payments]\ncap_pence = 25000\n")
    changed = harness.client.get("/v1/health").json()["settings_fingerprint"]
    assert changed != fingerprint and len(reads) == 1
    for _ in range(20):
        harness.client.get("/v1/health")
    assert len(reads) == 1
    # Rewritten in place with a new time (the same size): read again, once.
    path.write_text("[payments]\ncap_pence = 26000\n")
    later = path.stat().st_mtime_ns + 10_000_000
    os.utime(path, ns=(later, later))
    assert harness.client.get("/v1/health").json()["settings_fingerprint"] not in (
        fingerprint,
        changed,
    )
    harness.client.get("/v1/health")
    assert len(reads) == 2
