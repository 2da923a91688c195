"""Possible-duplicates benchmark: checking a whole caseload, and one merge.

For 2,000 and 20,000 invented carers in a real encrypted vault, with 1% of them
registered a second time with a slip (a misspelt name, a swapped day and month, a
mistyped postcode), prints the time `carer-desk duplicates` takes (decrypting every carer
included), how many pairs it flags, and how many of the planted duplicates it found. Then
prints the time to merge one carer with 20 linked records into another.

Run: python bench/duplicates.py [--sizes 2000,20000]
"""

from __future__ import annotations

import argparse
import random
import string
import sys
import tempfile
import time
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from carer_desk import factories as make
from carer_desk.config import Settings
from carer_desk.ids import new_id
from carer_desk.ports import RecordWrite
from carer_desk.records.carer import Carer
from carer_desk.records.codec import to_payload
from carer_desk.records.payment import PaymentPurpose, WellbeingPaymentRequest
from carer_desk.services.duplicates import DuplicateService
from storage.kdf import KdfParams
from storage.vault import Vault

FIRST = ["Ann", "Peter", "Mary", "John", "Susan", "Raj", "Li", "Omar", "Kate", "Tom", "Joanna"]
FAMILY = ["Smith", "Jones", "Taylor", "Brown", "Patel", "Khan", "Wilson", "Evans", "Walker"]
CHEAP_KDF = KdfParams(memory_kib=19456, iterations=1, lanes=1)


def _postcode(rng: random.Random) -> str:
    letters = string.ascii_uppercase
    return f"OX{rng.randrange(1, 30)} {rng.randrange(10)}{rng.choice(letters)}{rng.choice(letters)}"


def _carer(rng: random.Random) -> Carer:
    # Distinct-looking names: a common first and family name with a random suffix.
    given = rng.choice(FIRST) + "".join(rng.choices(string.ascii_lowercase, k=2))
    family = rng.choice(FAMILY) + "".join(rng.choices(string.ascii_lowercase, k=3))
    return make.carer(
        given_name=given,
        family_name=family,
        date_of_birth=date(1940, 1, 1) + timedelta(days=rng.randrange(25_000)),
        contact=make.contact_details(phone=None),
        address=make.address(
            line1="1 High Street", town="Banbury", postcode=_postcode(rng), district=None
        ),
    )


def _slip(rng: random.Random, carer: Carer) -> Carer:
    """The same person registered again with one typical slip."""
    born = carer.date_of_birth
    assert born is not None and carer.address is not None
    match rng.randrange(3):
        case 0:
            name = carer.family_name
            i = rng.randrange(1, len(name))
            return replace(carer, id=new_id(), family_name=name[:i] + name[i + 1 :])
        case 1 if born.day <= 12:
            return replace(
                carer, id=new_id(), date_of_birth=born.replace(month=born.day, day=born.month)
            )
        case _:
            return replace(carer, id=new_id(), given_name=carer.given_name.upper())


def _fill(vault: Vault, size: int, rng: random.Random) -> set[frozenset[str]]:
    """Write ``size`` carers, 1% of them second registrations; returns the planted pairs."""
    originals = [_carer(rng) for _ in range(size - size // 100)]
    twins = [(_slip(rng, o), o) for o in rng.sample(originals, size // 100)]
    records = originals + [twin for twin, _ in twins]
    vault.put_many(RecordWrite("carer", c.id, to_payload(c)) for c in records)
    return {frozenset((twin.id, original.id)) for twin, original in twins}


def bench_listing(size: int) -> None:
    rng = random.Random(size)
    with tempfile.TemporaryDirectory() as tmp:
        vault = Vault.create(
            Path(tmp) / "v.sqlite", "bench passphrase", actor="bench", kdf=CHEAP_KDF
        )
        try:
            planted = _fill(vault, size, rng)
            service = DuplicateService(vault, Settings())
            start = time.perf_counter()
            found = service.possible_duplicates()
            elapsed = time.perf_counter() - start
            pairs = {frozenset((f.carer_id, f.other_id)) for f in found}
            print(
                f"{size:>6} carers: duplicates listed in {elapsed:6.2f} s; {len(found)} pair(s) "
                f"flagged; {len(pairs & planted)}/{len(planted)} planted duplicates found"
            )
        finally:
            vault.close()


def _request(carer_id: str) -> WellbeingPaymentRequest:
    return make.payment_request(
        carer_id,
        amount_pence=1_000,
        purpose=PaymentPurpose.DAY_OUT,
        wellbeing_outcome="A day out",
        requested_by="bench",
        requested_on=date(2025, 1, 6),
    )


def bench_merge(carers: int = 4_000, per_carer: int = 5, linked: int = 20) -> None:
    """One merge in a caseload of ``carers`` with ``per_carer`` requests each: a merge
    reads every linked record once, so this is what a busy laptop waits for."""
    rng = random.Random(7)
    with tempfile.TemporaryDirectory() as tmp:
        vault = Vault.create(
            Path(tmp) / "v.sqlite", "bench passphrase", actor="bench", kdf=CHEAP_KDF
        )
        try:
            others = [_carer(rng) for _ in range(carers)]
            keep, absorb = _carer(rng), _carer(rng)
            requests = [_request(c.id) for c in others for _ in range(per_carer)]
            requests += [_request(absorb.id) for _ in range(linked)]
            vault.put_many(
                [RecordWrite("carer", c.id, to_payload(c)) for c in (*others, keep, absorb)]
                + [RecordWrite("payment_request", r.id, to_payload(r)) for r in requests]
            )
            start = time.perf_counter()
            result = DuplicateService(vault, Settings()).merge(keep.id, absorb.id)
            elapsed = time.perf_counter() - start
            print(
                f"merge moving {len(result.moved)} records in a vault of {carers + 2:,} carers "
                f"and {len(requests):,} payment requests: {elapsed * 1000:.0f} ms"
            )
        finally:
            vault.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", default="2000,20000")
    args = parser.parse_args()
    for size in (int(s) for s in args.sizes.split(",")):
        bench_listing(size)
    bench_merge()


if __name__ == "__main__":
    main()
