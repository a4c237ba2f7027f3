import json
import re
from datetime import date

import pytest

from learning_tracker.errors import InvalidInput, Refused
from learning_tracker.models import NewCompliment
from learning_tracker.services import compliments
from tests.factories import audit_events, build_world

TODAY = date(2023, 6, 1)


@pytest.fixture
def world(tmp_path):
    return build_world(tmp_path / "tracker.db")


def new_compliment(**overrides):
    values = {"received_on": date(2023, 5, 2), "service_area": "Team West", "source": "Parent or carer",
              "categories": ["good communication", "Standard of practice"],
              "summary": "Thanked the social worker for keeping the family informed"}
    return NewCompliment(**{**values, **overrides})


def written(world):
    db = world.db
    return (db["compliments"].count, db["compliment_categories"].count,
            db.execute("SELECT COUNT(*) FROM audit_events WHERE outcome = 'done'").fetchone()[0])


@pytest.mark.parametrize("who", ["officer", "manager_west"])
def test_the_officer_or_the_areas_service_manager_records_a_compliment_with_its_categories(world, who):
    compliment_id = compliments.record_compliment(world.db, getattr(world, who), new_compliment(), today=TODAY)
    row = world.db["compliments"].get(compliment_id)
    assert (row["received_on"], row["service_area_id"], row["source"]) == ("2023-05-02", world.west, "parent or carer")
    categories = [r[0] for r in world.db.execute(
        "SELECT category FROM compliment_categories WHERE compliment_id = ? ORDER BY category", [compliment_id])]
    assert categories == ["good communication", "standard of practice"]
    [event] = audit_events(world.db, "compliment")
    assert (event["event"], event["outcome"], event["entity_id"]) == ("record compliment", "done", compliment_id)
    assert json.loads(event["after"])["categories"] == ["good communication", "standard of practice"]


@pytest.mark.parametrize("who", ["manager_east", "forum", "viewer"])
def test_others_are_refused_and_the_refusal_is_audited(world, who):
    with pytest.raises(Refused):
        compliments.record_compliment(world.db, getattr(world, who), new_compliment(), today=TODAY)
    assert written(world) == (0, 0, 0)
    assert [e["outcome"] for e in audit_events(world.db, "compliment")] == ["refused"]


@pytest.mark.parametrize(
    "overrides,message",
    [
        ({"categories": []}, "categories need at least one category"),
        ({"categories": ["great cake"]}, "category ('great cake') is not known"),
        ({"source": "pigeon"}, "source ('pigeon') is not known"),
        ({"service_area": "Tem East"}, "service area ('Tem East') is not known; did you mean 'Team East'?"),
        ({"received_on": date(2023, 6, 2)}, "received on ('2023-06-02') is in the future"),
        ({"summary": "Call Mrs X on 07700 900123"}, "summary seems to hold a phone number"),
        ({"summary": "From jo.bloggs@example.org"}, "summary seems to hold an email address"),
        ({"summary": "Lives at CV1 5RR"}, "summary seems to hold a postcode"),
    ],
)
def test_a_bad_compliment_is_refused_with_a_clear_message_and_nothing_is_written(world, overrides, message):
    with pytest.raises(InvalidInput, match=re.escape(message)):
        compliments.record_compliment(world.db, world.officer, new_compliment(**overrides), today=TODAY)
    assert written(world) == (0, 0, 0)


def test_a_summary_without_contact_details_passes_the_personal_details_check():
    assert compliments.personal_details_in("Thanked the team for 10 years of support in 2023") == []
