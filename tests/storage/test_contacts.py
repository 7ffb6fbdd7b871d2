"""The resource file on both back ends: agreement, matching, shares, CSV, erasure, at rest."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import func, select, text

from dialogues.rome import load_rome
from storage.actors import AccessDenied, SystemActor
from storage.contact_file import export_contacts, import_contacts
from storage.contacts import (
    ContactFields,
    ContactKind,
    ContactRefused,
    ContactShare,
    ResourceContact,
    add_contact,
    erase_contact,
    get_contact,
    list_contacts,
    match_contacts,
    share_contact,
    shared_contact,
    shares_of,
    update_contact,
)
from storage.db import Database
from storage.models import AuditEvent
from tests.storage.conftest import World

ADMIN = SystemActor("test")
NOW = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)
NURSE = ContactFields(
    kind=ContactKind.PROFESSIONAL,
    name="Sophie Infirmiere-Secrete",
    reach="06 12 34 56 78 (le soir)",
    agreed_on=date(2026, 2, 1),
    agreed_how="par téléphone avec Claire",
    rome_codes=("J1506",),
    role="Infirmière de bloc",
    organisation="Clinique du Parc",
    area="Lyon 3e",
    mention="de la part du centre de bilan",
)
CARE_AIDE = ContactFields(
    kind=ContactKind.PLATEAU,
    name="EHPAD Les Tilleuls",
    reach="accueil@tilleuls.example",
    agreed_on=date(2026, 1, 15),
    agreed_how="convention signée",
    rome_codes=("J1501",),
)
BAKER = ContactFields(
    kind=ContactKind.COMPANY,
    name="Boulangerie Durand",
    reach="04 00 00 00 00",
    agreed_on=date(2026, 1, 2),
    agreed_how="courriel",
    rome_codes=("D1102",),
)
CODES = [s.code for s in load_rome().sheets()]


async def _add(db: Database, fields: ContactFields) -> int:
    async with db.transaction() as session:
        contact = await add_contact(session, ADMIN, fields, known_codes=CODES, now=NOW)
    return contact.id


async def test_no_contact_without_their_recorded_agreement(db: Database, world: World) -> None:
    async with db.transaction() as session:
        for broken, reason in (
            (ContactFields(**{**NURSE.__dict__, "agreed_how": "  "}), "agreement"),
            (ContactFields(**{**NURSE.__dict__, "name": ""}), "name"),
            (ContactFields(**{**NURSE.__dict__, "reach": ""}), "reach"),
            (ContactFields(**{**NURSE.__dict__, "rome_codes": ("Z9999",)}), "rome:Z9999"),
            (ContactFields(**{**NURSE.__dict__, "rome_codes": ("A0000",)}), "rome:A0000"),
        ):
            with pytest.raises(ContactRefused) as refused:
                await add_contact(session, world.a, broken, known_codes=CODES)
            assert refused.value.reason == reason
        assert await list_contacts(session, world.a) == []


async def test_the_file_is_the_organisations_never_a_beneficiarys(
    db: Database, world: World
) -> None:
    contact_id = await _add(db, NURSE)
    async with db.transaction() as session:
        assert [c.name for c in await list_contacts(session, world.a)] == [NURSE.name]
        assert [c.name for c in await list_contacts(session, world.b)] == [NURSE.name]
        for call in (
            list_contacts(session, world.paul),
            get_contact(session, world.paul, contact_id),
            match_contacts(session, world.paul, ["J1506"]),
            add_contact(session, world.paul, NURSE),
            erase_contact(session, world.paul, contact_id),
        ):
            with pytest.raises(AccessDenied):
                await call


async def test_matching_by_code_then_domain_then_letter(db: Database, world: World) -> None:
    nurse = await _add(db, NURSE)
    aide = await _add(db, CARE_AIDE)
    await _add(db, BAKER)
    async with db.transaction() as session:
        found = await match_contacts(session, world.a, ["J1506"])
        assert [(m.contact.id, m.level) for m in found] == [(nurse, 0), (aide, 1)]
        found = await match_contacts(session, world.a, ["J1102"])  # another J, other domain
        assert {m.contact.id for m in found} == {nurse, aide}
        assert {m.level for m in found} == {2}
        assert await match_contacts(session, world.a, ["K2111"]) == []
        assert await match_contacts(session, world.a, ["'; drop"]) == []


async def test_a_share_reaches_only_its_beneficiary_and_their_counsellor(
    db: Database, world: World
) -> None:
    contact_id = await _add(db, NURSE)
    async with db.transaction() as session:
        share, new = await share_contact(
            session, world.a, world.paul.beneficiary_id, contact_id, rome_code="J1506"
        )
        assert new
        again, new = await share_contact(session, world.a, world.paul.beneficiary_id, contact_id)
        assert (again.id, new) == (share.id, False)
        with pytest.raises(AccessDenied):  # Léa is Bruno's, not Claire's
            await share_contact(session, world.a, world.lea.beneficiary_id, contact_id)
        with pytest.raises(AccessDenied):
            await share_contact(session, world.paul, world.paul.beneficiary_id, contact_id)
        with pytest.raises(AccessDenied):  # an invitation not yet accepted
            await share_contact(session, world.a, world.pending_id, contact_id)
    async with db.transaction() as session:
        seen = await shared_contact(session, world.paul, share.id)
        assert seen.contact is not None and seen.contact.reach == NURSE.reach
        assert [s.id for s in await shares_of(session, world.paul, world.paul.beneficiary_id)] == [
            share.id
        ]
        assert [s.id for s in await shares_of(session, world.a, world.paul.beneficiary_id)] == [
            share.id
        ]
        for actor in (world.lea, world.b):
            with pytest.raises(AccessDenied):
                await shared_contact(session, actor, share.id)
        with pytest.raises(AccessDenied):
            await shares_of(session, world.b, world.paul.beneficiary_id)
        with pytest.raises(AccessDenied):
            await shares_of(session, world.lea, world.paul.beneficiary_id)
        actions = await session.scalars(
            select(AuditEvent.action).where(AuditEvent.beneficiary_id == world.paul.beneficiary_id)
        )
        assert "contacts:share" in list(actions)


async def test_editing_replaces_the_fields_and_the_metiers(db: Database, world: World) -> None:
    contact_id = await _add(db, NURSE)
    changed = ContactFields(**{**NURSE.__dict__, "rome_codes": ("J1501", "J1506"), "area": None})
    async with db.transaction() as session:
        await update_contact(session, world.b, contact_id, changed, known_codes=CODES)
    async with db.transaction() as session:
        contact = await get_contact(session, world.a, contact_id)
        assert contact.rome_codes == ("J1501", "J1506")
        assert contact.area is None
        found = await match_contacts(session, world.a, ["J1501"])
        assert [(m.contact.id, m.level) for m in found] == [(contact_id, 0)]


async def test_erasing_a_contact_removes_it_from_every_card(db: Database, world: World) -> None:
    contact_id = await _add(db, NURSE)
    async with db.transaction() as session:
        share, _new = await share_contact(session, world.a, world.paul.beneficiary_id, contact_id)
    async with db.transaction() as session:
        assert await erase_contact(session, ADMIN, contact_id) == 1
    async with db.transaction() as session:
        seen = await shared_contact(session, world.paul, share.id)
        assert seen.contact is None
        assert await list_contacts(session, world.a) == []
        assert await match_contacts(session, world.a, ["J1506"]) == []
        with pytest.raises(AccessDenied):
            await get_contact(session, world.a, contact_id)
    async with db.engine.connect() as connection:
        left = (await connection.execute(text("SELECT count(*) FROM resource_contacts"))).scalar()
        metiers = (
            await connection.execute(text("SELECT count(*) FROM resource_contact_metiers"))
        ).scalar()
        shares = (await connection.execute(text("SELECT contact_id FROM contact_shares"))).all()
    assert (left, metiers, shares) == (0, 0, [(None,)])


async def test_erasing_a_beneficiary_takes_their_shares_not_the_contact(
    db: Database, world: World
) -> None:
    from storage import rights

    contact_id = await _add(db, NURSE)
    async with db.transaction() as session:
        await share_contact(session, world.a, world.paul.beneficiary_id, contact_id)
    async with db.transaction() as session:
        await rights.erase_beneficiary(session, ADMIN, world.paul.beneficiary_id, "erased")
    async with db.transaction() as session:
        assert (await session.scalar(select(func.count()).select_from(ContactShare))) == 0
        assert (await session.scalar(select(func.count()).select_from(ResourceContact))) == 1


async def test_every_personal_field_is_encrypted_at_rest(db: Database, world: World) -> None:
    await _add(db, NURSE)
    async with db.engine.connect() as connection:
        rows = (await connection.execute(text("SELECT * FROM resource_contacts"))).all()
        metiers = (await connection.execute(text("SELECT * FROM resource_contact_metiers"))).all()
    raw = repr(rows)
    for secret in ("Infirmiere-Secrete", "06 12 34", "Clinique", "Lyon", "Claire", "bloc"):
        assert secret not in raw
    assert "J1506" in repr(metiers)  # the code is ROME's, public, and what matching reads


GOOD_CSV = (
    "kind;name;role;organisation;reach;area;rome_codes;job_titles;agreed_on;agreed_how\n"
    "professionnel;Marc Aide;Aide-soignant;;06 00 00 00 01;Lyon;J1501;;2026-01-10;téléphone\n"
    "entreprise;Garage Martin;;;04 00 00 00 02;;;Mécanicien / Mécanicienne automobile;"
    "2026-01-11;courriel\n"
)


async def test_csv_import_adds_every_good_line(db: Database, world: World) -> None:
    rome = load_rome()
    async with db.transaction() as session:
        report = await import_contacts(session, ADMIN, GOOD_CSV.encode(), rome)
    assert (report.added, report.refused, report.committed) == (2, [], True)
    async with db.transaction() as session:
        contacts = {c.name: c for c in await list_contacts(session, world.a)}
    assert contacts["Marc Aide"].rome_codes == ("J1501",)
    assert contacts["Garage Martin"].rome_codes[0].startswith("I16")


async def test_csv_import_reports_each_bad_line_and_imports_nothing(
    db: Database, world: World
) -> None:
    rome = load_rome()
    data = (
        GOOD_CSV.encode()
        + b"tuteur;Sans Accord;;;06 00 00 00 03;;J1501;;;\n"  # line 4: no agreement
        + b"tuteur;Code Faux;;;06 00 00 00 04;;Z9999;;2026-01-12;oral\n"  # 5: unknown code
        + "tuteur;Cassé;;;06;;J1501;;2026-01-12;oral\n".encode("latin-1")  # 6: not UTF-8
        + b"astronaute;X;;;06;;J1501;;2026-01-12;oral\n"  # 7: unknown kind
        + b"tuteur;Date;;;06;;J1501;;12/01/2026;oral\n"  # 8: not an ISO date
    )
    try:
        async with db.transaction() as session:
            report = await import_contacts(session, ADMIN, data, rome)
            assert not report.committed
            raise RuntimeError("roll back")
    except RuntimeError:
        pass
    assert [(r.line, r.reason) for r in report.refused] == [
        (4, "agreement"),
        (5, "rome:Z9999"),
        (6, "encoding"),
        (7, "kind"),
        (8, "agreed_on"),
    ]
    async with db.transaction() as session:
        assert await list_contacts(session, world.a) == []
        report = await import_contacts(session, ADMIN, data, rome, keep_good=True)
    assert (report.added, len(report.refused), report.committed) == (2, 5, True)


async def test_csv_export_then_import_updates_in_place(db: Database, world: World) -> None:
    contact_id = await _add(db, NURSE)
    async with db.transaction() as session:
        exported, count = await export_contacts(session, ADMIN)
    assert count == 1 and NURSE.name in exported
    edited = exported.replace("Lyon 3e", "Villeurbanne")
    async with db.transaction() as session:
        report = await import_contacts(session, ADMIN, edited.encode(), load_rome())
    assert (report.added, report.updated, report.committed) == (0, 1, True)
    async with db.transaction() as session:
        assert (await get_contact(session, world.a, contact_id)).area == "Villeurbanne"
        gone = exported.replace(f"\n{contact_id},", "\n999,")
        report = await import_contacts(session, ADMIN, gone.encode(), load_rome())
    assert [(r.line, r.reason) for r in report.refused] == [(2, "unknown_id")]
    assert not report.committed


async def test_csv_without_the_required_columns_reads_nothing(db: Database) -> None:
    async with db.transaction() as session:
        report = await import_contacts(session, ADMIN, b"name,reach\nA,B\n", load_rome())
    assert report.header_problem == "columns:kind,agreed_on,agreed_how"
    assert not report.committed
