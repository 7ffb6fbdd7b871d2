"""The resource-person file in the desk: list, add, edit, erase (real database)."""

from __future__ import annotations

import re
from datetime import date

import httpx

from dialogues.rome import load_rome
from storage import contacts as store
from storage.contacts import ContactFields, ContactKind
from tests.desk.conftest import Desk, init_data

CSRF = re.compile(r'name="csrf" value="([0-9a-f]+)"')


async def _csrf(client: httpx.AsyncClient, path: str = "/contacts") -> str:
    found = CSRF.search((await client.get(path)).text)
    assert found is not None
    return found.group(1)


def _form(csrf: str, **changes: str) -> dict[str, str]:
    form = {
        "csrf": csrf,
        "kind": "professional",
        "name": "Nadia Benali",
        "role": "Infirmière de bloc",
        "organisation": "CHU de Nantes",
        "reach": "06 12 34 56 78, le mardi",
        "area": "Nantes",
        "mention": "de la part du CIBC",
        "metiers": "J1506",
        "agreed_on": "2026-11-20",
        "agreed_how": "par téléphone avec moi",
    }
    form.update(changes)
    return form


async def _one(desk: Desk, name: str = "Marc Leroy", code: str = "H2909") -> int:
    async with desk.db.transaction() as session:
        contact = await store.add_contact(
            session,
            desk.world.b,
            ContactFields(
                ContactKind.COMPANY,
                name,
                "marc@example.org",
                date(2026, 10, 1),
                "par courriel",
                (code,),
            ),
        )
    return contact.id


async def test_a_counsellor_adds_a_contact_and_finds_it_in_the_file(desk: Desk) -> None:
    await _one(desk)  # added by another counsellor: the file is the organisation's
    async with desk.signed_in(111) as claire:
        page = await claire.get("/contacts")
        assert page.status_code == 200
        assert 'href="/contacts"' in page.text  # in the navigation
        assert "Marc Leroy" in page.text
        title = load_rome().appellations("J1506")[0].title
        added = await claire.post(
            "/contacts", data=_form(await _csrf(claire), metiers=f"H2909, {title}")
        )
        assert added.status_code == 303
        assert added.headers["location"] == "/contacts?done=added"
        listed = await claire.get(added.headers["location"])
        assert "Ajouté au fichier" in listed.text
        assert "Nadia Benali" in listed.text and "CHU de Nantes" in listed.text
        assert "J1506 " + load_rome().sheet("J1506").title in listed.text
    async with desk.db.transaction() as session:
        kept = [
            c for c in await store.list_contacts(session, desk.world.a) if c.name == "Nadia Benali"
        ]
    assert len(kept) == 1
    assert kept[0].rome_codes == ("H2909", "J1506")
    assert kept[0].agreed_on == date(2026, 11, 20)
    assert kept[0].agreed_how == "par téléphone avec moi"
    assert kept[0].mention == "de la part du CIBC"


async def test_a_contact_without_agreement_is_refused_with_the_reason(desk: Desk) -> None:
    async with desk.signed_in(111) as claire:
        csrf = await _csrf(claire)
        refused = await claire.post("/contacts", data=_form(csrf, agreed_how="  "))
        assert refused.status_code == 400
        assert "Accord\u202f: ⚠️ Ce champ ne peut pas être vide." in refused.text
        assert 'value="Nadia Benali"' in refused.text  # what was typed is kept
        no_date = await claire.post("/contacts", data=_form(csrf, agreed_on=""))
        assert no_date.status_code == 400
        assert "Accord\u202f: ⚠️" in no_date.text
        future = await claire.post("/contacts", data=_form(csrf, agreed_on="2999-01-01"))
        assert future.status_code == 400
        assert "aujourd’hui ou une date antérieure" in future.text
        no_metier = await claire.post("/contacts", data=_form(csrf, metiers=" , "))
        assert no_metier.status_code == 400
        assert "Métiers\u202f: ⚠️ Ce champ ne peut pas être vide." in no_metier.text
    async with desk.db.transaction() as session:
        assert await store.list_contacts(session, desk.world.a) == []


async def test_an_unknown_rome_code_is_refused(desk: Desk) -> None:
    async with desk.signed_in(111) as claire:
        refused = await claire.post("/contacts", data=_form(await _csrf(claire), metiers="Z9999"))
        assert refused.status_code == 400
        assert "Z9999" in refused.text and "code ROME" in refused.text
        unknown = await claire.post("/contacts", data=_form(await _csrf(claire), metiers="A0000"))
        assert unknown.status_code == 400 and "A0000" in unknown.text
        nothing = await claire.post(
            "/contacts", data=_form(await _csrf(claire), metiers="J1506, zzqxw vvkjh")
        )
        assert nothing.status_code == 400
        assert "Je n&#39;ai trouvé aucun métier proche" in nothing.text
    async with desk.db.transaction() as session:
        assert await store.list_contacts(session, desk.world.a) == []


async def test_editing_changes_a_field(desk: Desk) -> None:
    contact_id = await _one(desk)
    async with desk.signed_in(111) as claire:
        page = await claire.get(f"/contacts/{contact_id}")
        assert page.status_code == 200 and 'value="marc@example.org"' in page.text
        csrf = await _csrf(claire, f"/contacts/{contact_id}")
        form = _form(
            csrf,
            kind="company",
            name="Marc Leroy",
            reach="02 40 00 00 00",
            metiers="H2909",
            agreed_on="2026-10-01",
            agreed_how="par courriel",
        )
        saved = await claire.post(f"/contacts/{contact_id}", data=form)
        assert saved.status_code == 303
        shown = await claire.get(saved.headers["location"])
        assert "Enregistré" in shown.text and 'value="02 40 00 00 00"' in shown.text
        emptied = await claire.post(f"/contacts/{contact_id}", data={**form, "name": ""})
        assert emptied.status_code == 400 and "Nom\u202f: ⚠️" in emptied.text
    async with desk.db.transaction() as session:
        contact = await store.get_contact(session, desk.world.a, contact_id)
    assert contact.reach == "02 40 00 00 00" and contact.name == "Marc Leroy"
    assert contact.organisation == "CHU de Nantes"


async def test_erasing_removes_it_once_the_box_is_ticked(desk: Desk) -> None:
    contact_id = await _one(desk)
    async with desk.signed_in(111) as claire:
        csrf = await _csrf(claire, f"/contacts/{contact_id}")
        unticked = await claire.post(f"/contacts/{contact_id}/erase", data={"csrf": csrf})
        assert unticked.status_code == 303
        assert "Cochez la case" in (await claire.get(unticked.headers["location"])).text
        async with desk.db.transaction() as session:
            assert len(await store.list_contacts(session, desk.world.a)) == 1
        erased = await claire.post(
            f"/contacts/{contact_id}/erase", data={"csrf": csrf, "confirm": "1"}
        )
        assert erased.status_code == 303
        listed = await claire.get(erased.headers["location"])
        assert "Effacé" in listed.text and "Marc Leroy" not in listed.text
        assert (await claire.get(f"/contacts/{contact_id}")).status_code == 404
    async with desk.db.transaction() as session:
        assert await store.list_contacts(session, desk.world.a) == []


async def test_a_post_without_csrf_is_403_and_changes_nothing(desk: Desk) -> None:
    contact_id = await _one(desk)
    async with desk.signed_in(111) as claire:
        form = _form("")
        del form["csrf"]
        assert (await claire.post("/contacts", data=form)).status_code == 403
        edited = await claire.post(f"/contacts/{contact_id}", data={**form, "csrf": "00ff"})
        assert edited.status_code == 403
        erased = await claire.post(f"/contacts/{contact_id}/erase", data={"confirm": "1"})
        assert erased.status_code == 403
    async with desk.db.transaction() as session:
        contacts = await store.list_contacts(session, desk.world.a)
    assert [c.name for c in contacts] == ["Marc Leroy"]
    assert contacts[0].reach == "marc@example.org"


async def test_a_beneficiary_or_forged_init_data_gets_403(desk: Desk) -> None:
    contact_id = await _one(desk)
    async with desk.client() as client:
        beneficiary = await client.post("/auth/telegram", json={"init_data": init_data(1001)})
        assert beneficiary.status_code == 403
        forged = init_data(111, token="123456789:someone-elses-token")
        assert (await client.post("/auth/telegram", json={"init_data": forged})).status_code == 403
        listed = await client.get("/contacts")
        assert listed.status_code == 403 and "Marc Leroy" not in listed.text
        assert (await client.get(f"/contacts/{contact_id}")).status_code == 403
        posted = await client.post("/contacts", data=_form("00"))
        assert posted.status_code == 403
