"""Nothing sensitive in clear on disk, through the whole application as a user drives it.

Known canary strings go into every sensitive field via the real import command; the app
is then used (list, show, search, seed, passphrase change, key rotation, check). Every
byte of every file under the data folder and the process's temp folder is then scanned
for each canary in UTF-8 and UTF-16: none may appear.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

CANARIES = {
    "given_name": "Canaryzoeqx",
    "family_name": "Canaryobrienqx",
    "preferred_name": "Canarypeggyqx",
    "phone": "01865 271828",
    "mobile": "07700 314159",
    "email": "canarymail@canary-example.org",
    "address_line1": "7 Canarywharf Lane",
    "address_line2": "Canaryflat Nine",
    "town": "Canarytownqx",
    "postcode": "OX9 9QZ",
    "language": "Canarylangqx",
    "gp_practice": "Canary Medical Practiceqx",
    "referral_detail": "Canaryreferrerqx",
    "worker": "canary.workerqx",
    "cared_for_name": "Canarycaredforqx",
    "cared_for_relationship": "Canaryrelationqx",
}


def _encodings(text: str) -> list[bytes]:
    return [text.encode("utf-8"), text.encode("utf-16-le"), text.encode("utf-16-be")]


def _scan(root: Path) -> list[tuple[str, str]]:
    found = []
    for path in root.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            for field, value in CANARIES.items():
                if any(enc in data for enc in _encodings(value)):
                    found.append((str(path), field))
    return found


def _canary_csv(path: Path) -> None:
    row = dict(CANARIES)
    row.update(
        date_of_birth="1960-01-01",
        referral_date="2024-01-01",
        referral_source="self",
        consent_given="yes",
        consent_date="2024-01-01",
        interpreter_needed="yes",
        preferred_channel="email",
    )
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(row))
    writer.writeheader()
    writer.writerow(row)
    path.write_text(buffer.getvalue(), encoding="utf-8")


def test_no_canary_reaches_any_file_the_app_writes(vault_cli, tmp_path):
    source = tmp_path / "caseload.csv"
    _canary_csv(source)
    imported = vault_cli("import", str(source))
    assert imported.returncode == 0, imported.stderr
    # Positive control: the scan does find the canaries where they really are in clear.
    assert {f for _, f in _scan(tmp_path) if "caseload.csv" in _} == set(CANARIES)

    listed = vault_cli("list", "carers", "--json")
    assert CANARIES["family_name"] in listed.stdout  # decrypted in memory, to stdout only
    carer_id = listed.stdout.split('"id": "')[1][:32]
    assert vault_cli("show", "carer", carer_id).returncode == 0
    assert vault_cli("search", "canaryzoe").returncode == 0
    assert vault_cli("seed-demo", "--carers", "5").returncode == 0
    assert (
        vault_cli(
            "vault",
            "change-passphrase",
            env={"CARER_DESK_NEW_PASSPHRASE": "second passphrase here"},
        ).returncode
        == 0
    )
    assert vault_cli("vault", "rotate-key", passphrase="second passphrase here").returncode == 0
    assert vault_cli("vault", "check", passphrase="second passphrase here").returncode == 0
    # A wrong passphrase and a bad command must not spill anything either.
    vault_cli("list", "carers", passphrase="wrong passphrase")

    written = list(vault_cli.data_dir.rglob("*")) + list(vault_cli.tmp.rglob("*"))
    assert any(p.name == "vault.sqlite" for p in written)
    assert _scan(vault_cli.data_dir) == []
    assert _scan(vault_cli.tmp) == []
