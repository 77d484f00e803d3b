"""The clues of the permission matrix's world (tests/test_permission_matrix.py): the bureau's
clues in every state a clue URL needs, one of the squad of bureau.inspector ("own") and one of
a squad without them ("other": read by the whole bureau, worked by its squad and the admins)."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.core.files.uploadedfile import SimpleUploadedFile

from portal.clues import services
from portal.clues.models import Clue, ClueAttachment, Squad
from portal.core.models import User

from ..helpers import png_bytes
from .builders import clue_data, drive, late

# The state each row's clue is in; "late" is a contacted clue past its closing date.
STATES = ["registered", "assigned", "contacted", "checked", "closed", "late"]
SQUADS = {"own": ("南华西街劳监中队", "南华西街"), "other": ("江南中街劳监中队", "江南中街")}


@dataclass
class ClueWorld:
    clues: dict[tuple[str, str], Clue] = field(default_factory=dict)  # (state, own/other)
    attachments: dict[int, ClueAttachment] = field(default_factory=dict)  # by clue pk


def build_clues(users: dict[str, User]) -> ClueWorld:
    world = ClueWorld()
    inspector, admin = users["bureau.inspector"], users["bureau.admin"]
    Squad.objects.create(name=SQUADS["own"][0], streets=SQUADS["own"][1]).members.add(inspector)
    # The other squad's inspector is not a demo user: the admin works its clues in the world.
    Squad.objects.create(name=SQUADS["other"][0], streets=SQUADS["other"][1])
    for side, (_name, street) in SQUADS.items():
        for state in STATES:
            data = clue_data(street=street)
            data.files = [SimpleUploadedFile("pay.png", png_bytes(), "image/png")]
            clue = services.clue_register(actor=admin, data=data)
            world.attachments[clue.pk] = clue.attachments.get()
            worker = inspector if side == "own" else admin
            target = "contacted" if state == "late" else state
            clue = drive(clue, target, admin=admin, worker=worker)
            world.clues[(state, side)] = late(clue) if state == "late" else clue
    return world
