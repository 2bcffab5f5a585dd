"""Demo landing data: extracts shaped like the hospital software's and the national database's exports.

The base cohort is written out by hand below so that the study summary reproduces the published
abstract: 13 included patients, 9 with a skin reaction, 4 withdrawn without rechallenge, a mean latency of
7 days, 2 recall syndromes, and 37 national cases of which 26 withdrawn. Around it sit the cases the rules
must leave out (gout flares, courses outside the window, other biologics, out-of-window or
injection-site-only national cases) and a few bad rows of each kind the landing contract quarantines;
none of them moves a figure. `scale` repeats the whole base under new identifiers, so every proportion
holds at any size. The seed draws names and identifiers only, never a date or a figure.

Beside them sit synthetic FAERS quarters (pv_warehouse.demo.faers), random throughout: their figures do
depend on the seed, from a generator of their own, so the extracts above are the same with or without them.

Names, drugs, centres and reaction terms are package data (data/*.csv, listed in data/README.md); the columns
of each file are the landing contract's (pv_warehouse.ingest.contract).
"""

from __future__ import annotations

import csv
import datetime as dt
import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from pv_warehouse.demo.faers import faers_file_name, faers_zip_name, write_faers_quarter
from pv_warehouse.demo.vocabulary import read_column, read_rows
from pv_warehouse.ingest.contract import DEMO_MARKER, HOSPITAL, PHARMACOVIGILANCE

HOSPITAL_SNAPSHOTS = (dt.date(2016, 1, 4), dt.date(2016, 5, 15))
# written at the landing's root: `refresh` may create a local pseudonym key for these extracts only
PV_EXPORTS = (dt.date(2016, 3, 1), dt.date(2016, 5, 10))
# the demo FAERS quarters start here; from the second on, this share of a quarter's reports are follow-ups
FAERS_FIRST_QUARTER = (2015, 1)
FAERS_FOLLOW_UP_SHARE = 0.1

# the biologics the hospital prescribes: label, ATC code, usual dose (mg) and dosing interval (hours)
_BIOLOGICS = {row["drug"]: row for row in read_rows("hospital_biologics.csv")}
ATC = {drug: row["atc_code"] for drug, row in _BIOLOGICS.items()}
DRUG_LABELS = {drug: row["drug_label"] for drug, row in _BIOLOGICS.items()}
DOSES = {drug: row["dose_mg"] for drug, row in _BIOLOGICS.items()}
INTERVALS = {drug: row["dosing_interval_h"] for drug, row in _BIOLOGICS.items()}

# the columns of each landing file, as the contract requires them
_LANDING_FILES = {file.name: file for file in (*HOSPITAL.files, *PHARMACOVIGILANCE.files)}
PATIENTS_FILE, TREATMENTS_FILE, EVENTS_FILE, PV_FILE = (
    _LANDING_FILES[name] for name in ("patients.csv", "treatments.csv", "adverse_events.csv", "pv_cases.csv")
)
PATIENT_COLUMNS = PATIENTS_FILE.required_columns
TREATMENT_COLUMNS = TREATMENTS_FILE.required_columns
EVENT_COLUMNS = EVENTS_FILE.required_columns
PV_COLUMNS = PV_FILE.required_columns
# the newest extract lists these columns first and adds one the warehouse keeps in raw only
_MOVED_FIRST = ("patient_id", "treatment_id", "atc_code", "drug_label")
TREATMENT_COLUMNS_NEW = (
    *_MOVED_FIRST,
    *(column for column in TREATMENT_COLUMNS if column not in _MOVED_FIRST),
    "prescribing_unit",
)
NARANJO_ITEMS = tuple(column for column in EVENT_COLUMNS if column.startswith("naranjo_q"))

# Naranjo answer sets (items 1..10) and the score they give, checked by the tests
NARANJO_WITHDRAWN = ("O", "O", "O", "NSP", "N", "NSP", "N", "NSP", "N", "N")  # 1+2+1+0+2+0+0+0+0+0 = 6
NARANJO_WITHDRAWN_BIOPSY = ("O", "O", "O", "NSP", "N", "NSP", "N", "NSP", "N", "O")  # 7
NARANJO_RECHALLENGED = ("O", "O", "O", "O", "N", "NSP", "N", "NSP", "N", "N")  # 8
NARANJO_CONTINUED = ("O", "O", "NSP", "NSP", "N", "NSP", "N", "NSP", "N", "N")  # 5
NARANJO_DOUBTFUL = ("N", "N", "NSP", "NSP", "O", "NSP", "N", "NSP", "N", "N")  # -1 -1 = -2 + 0 ... = -2
NO_ANSWERS = ("",) * 10


def day(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


@dataclass(frozen=True)
class Period:
    """An exposure period (one prescription line) of a biologic."""

    drug: str
    start: str
    end: str | None
    indication: str
    stop_reason: str = ""
    dose: str | None = None


@dataclass(frozen=True)
class Event:
    """A cutaneous adverse event; `period` indexes the patient's periods, None leaves treatment_id empty."""

    period: int | None
    onset: str
    label: str
    localisation: str
    severity: str
    action: str
    rechallenge: str = ""
    outcome: str = "recovered"
    pruritus: str = "N"
    pain: str = "N"
    naranjo: tuple[str, ...] = NARANJO_CONTINUED
    naranjo_score: str | None = None  # None: the total of the items, as the software writes it
    biopsy: str = ""
    old_action: str | None = None  # the action as recorded in the older snapshot, before correction


@dataclass(frozen=True)
class Patient:
    code: str
    sex: str
    birth: str
    periods: tuple[Period, ...]
    events: tuple[Event, ...] = ()
    in_old: bool = True
    in_new: bool = True


RA = "Polyarthrite rhumatoïde"
STILL = "Maladie de Still de l'adulte"
GOUT = "Goutte"
FMF = "Fièvre méditerranéenne familiale"
PERICARDITIS = "Péricardite récurrente"

BASE_PATIENTS: tuple[Patient, ...] = (
    # -- the 13 included patients; P01-P09 had a skin reaction (latencies 1,2,3,5,6,7,9,12,18: mean 7)
    Patient(
        "P01",
        "F",
        "1958-04-12",
        (Period("anakinra", "2009-03-02", "2011-06-30", RA, "Inefficacité"),),
        (
            Event(
                0,
                "2009-03-03",
                "Réaction au point d'injection",
                "injection_site",
                "mild",
                "unchanged",
                pruritus="O",
                naranjo=NO_ANSWERS,
                naranjo_score="4",
            ),
            Event(
                0,
                "2009-04-11",
                "Érythème au point d'injection",
                "injection_site",
                "mild",
                "unchanged",
                pruritus="O",
            ),
        ),
    ),
    Patient(
        "P02",
        "M",
        "1975-09-30",
        (
            Period("anakinra", "2010-05-10", "2010-05-12", STILL, "Effet indésirable cutané"),
            Period("anakinra", "2010-06-01", "2010-06-04", STILL, "Récidive à la réintroduction"),
        ),
        (
            Event(
                0,
                "2010-05-12",
                "Urticaire",
                "generalised",
                "moderate",
                "withdrawn",
                "positive",
                pruritus="O",
                naranjo=NARANJO_RECHALLENGED,
            ),
        ),
    ),
    Patient(
        "P03",
        "F",
        "1949-01-23",
        (Period("anakinra", "2011-10-03", "2011-10-07", RA, "Effet indésirable cutané"),),
        (
            Event(
                0,
                "2011-10-06",
                "Urticaire géante",
                "generalised",
                "moderate",
                "withdrawn",
                "not_done",
                pruritus="O",
                naranjo=NARANJO_WITHDRAWN,
            ),
        ),
    ),
    Patient(
        "P04",
        "M",
        "1990-06-05",
        (Period("anakinra", "2013-01-07", "2013-02-26", FMF, "Rémission"),),
        (
            Event(
                0,
                "2013-01-12",
                "Réaction au point d'injection",
                "injection_site",
                "moderate",
                "dose_reduced",
                pain="O",
            ),
            # no treatment given, 10 days after the course ended: attributed within the post-exposure days
            Event(
                None,
                "2013-03-08",
                "Eczéma des membres",
                "limbs",
                "mild",
                "unknown",
                outcome="recovering",
                naranjo=NARANJO_DOUBTFUL,
            ),
        ),
    ),
    Patient(
        "P05",
        "F",
        "2001-11-17",
        (
            Period("anakinra", "2014-03-03", "2015-03-31", "CAPS", "Relais par canakinumab"),
            Period("canakinumab", "2015-04-15", None, "CAPS"),
        ),
        (
            Event(
                0,
                "2014-03-09",
                "Éruption de tous les sites d'injection",
                "all_injection_sites",
                "severe",
                "dose_reduced",
                pruritus="O",
                pain="O",
            ),
        ),
    ),
    Patient(
        "P06",
        "M",
        "1968-02-29",
        (Period("anakinra", "2013-04-08", "2013-04-16", PERICARDITIS, "Effet indésirable cutané"),),
        (
            Event(
                0,
                "2013-04-15",
                "Érythème œdémateux des quatre membres",
                "limbs",
                "severe",
                "withdrawn",
                "",
                pruritus="O",
                pain="O",
                naranjo=NARANJO_WITHDRAWN_BIOPSY,
                biopsy="Panniculite lobulaire\nsans vascularite",
                old_action="unknown",
            ),
        ),
    ),
    Patient(
        "P07",
        "F",
        "1972-08-08",
        (
            Period("anakinra", "2012-09-03", "2012-09-12", RA, "Effet indésirable cutané"),
            Period("anakinra", "2012-10-01", "2014-12-31", RA, "Inefficacité"),
        ),
        (
            # no treatment given: attributed by date; the label is not in the mapping seed
            Event(
                None,
                "2012-09-12",
                "Dermatose neutrophilique atypique",
                "trunk",
                "moderate",
                "withdrawn",
                "negative",
                naranjo=NARANJO_WITHDRAWN,
            ),
        ),
    ),
    Patient(
        "P08",
        "F",
        "1982-12-01",
        (Period("anakinra", "2014-02-03", "2014-02-16", STILL, "Effet indésirable cutané"),),
        (
            Event(
                0,
                "2014-02-15",
                "Réaction simultanée de tous les sites d'injection",
                "all_injection_sites",
                "moderate",
                "withdrawn",
                "not_done",
                pain="O",
                naranjo=NARANJO_WITHDRAWN,
                naranjo_score="5",
            ),  # written as 5 in the file, 6 from the items: a steward warning
        ),
    ),
    Patient(
        "P09",
        "M",
        "1955-03-14",
        (Period("anakinra", "2015-06-01", "2015-06-20", RA, "Effet indésirable cutané"),),
        (
            Event(
                0,
                "2015-06-19",
                "Panniculite",
                "limbs",
                "severe",
                "withdrawn",
                "not_done",
                pain="O",
                outcome="recovering",
                naranjo=NARANJO_WITHDRAWN_BIOPSY,
                biopsy="Panniculite septale",
            ),
        ),
    ),
    Patient(
        "P10",
        "M",
        "1961-07-19",
        (
            Period("anakinra", "2008-02-11", "2008-02-15", GOUT, "Fin de la crise"),
            Period("anakinra", "2010-01-10", "2010-06-30", RA, "Rupture d'approvisionnement"),
            Period("anakinra", "2010-07-20", "2011-03-01", RA, "Rémission"),
        ),
    ),
    Patient(
        "P11",
        "F",
        "1966-10-02",
        (
            Period("anakinra", "2009-01-05", "2009-02-03", STILL, "Rémission"),  # exactly 30 days
            Period("anakinra", "2012-05-14", "2013-05-13", STILL, "Rémission"),
        ),
    ),
    Patient(
        "P12",
        "M",
        "1953-05-27",
        (
            Period("anakinra", "2013-02-01", "2013-05-31", FMF, "Pause thérapeutique"),
            Period("anakinra", "2013-06-30", "2014-06-30", FMF, "Inefficacité"),  # a gap of exactly 30 days
        ),
        # 45 days after the course ended, with no treatment given: no course claims it
        (Event(None, "2014-08-14", "Urticaire", "trunk", "mild", "unknown", naranjo=NARANJO_DOUBTFUL),),
    ),
    Patient(
        "P13",
        "F",
        "1979-04-21",
        (Period("anakinra", "2015-09-01", None, "Syndrome de Schnitzler"),),  # ongoing; label not mapped
        in_old=True,
    ),
    # -- anakinra patients the rules exclude
    Patient("G01", "M", "1950-12-24", (Period("anakinra", "2010-11-02", "2010-11-06", GOUT, "Fin de la crise"),)),
    Patient("G02", "M", "1962-02-02", (Period("anakinra", "2014-07-10", "2014-07-13", GOUT, "Fin de la crise"),)),
    Patient(
        "G03",
        "F",
        "1945-09-09",
        (Period("anakinra", "2012-05-02", "2012-05-09", GOUT, "Fin de la crise"),),
        (Event(0, "2012-05-04", "Réaction au point d'injection", "injection_site", "mild", "unchanged"),),
    ),
    Patient(
        "O01",
        "F",
        "1960-01-31",
        (Period("anakinra", "2005-06-01", "2006-12-15", RA, "Inefficacité"),),
        (Event(0, "2005-06-05", "Urticaire", "generalised", "mild", "unchanged"),),
    ),
    Patient("O02", "M", "1988-03-03", (Period("anakinra", "2016-05-02", None, STILL),), in_old=False),
    Patient("S01", "F", "1971-06-16", (Period("anakinra", "2016-04-25", None, RA),), in_old=False),
    Patient(
        "E01",
        "F",
        "1979-11-11",
        (Period("anakinra", "2015-01-05", "2015-02-02", PERICARDITIS, "Fin de traitement prévue"),),  # 29 days
    ),
    # deleted from the medical software after the older extract: only that snapshot holds it
    Patient(
        "Z01",
        "M",
        "1966-08-18",
        (Period("anakinra", "2011-02-01", "2013-01-31", RA, "Rémission"),),
        in_new=False,
    ),
    # -- other biologics only
    Patient(
        "B01",
        "F",
        "1970-05-05",
        (Period("etanercept", "2011-03-01", "2014-03-01", RA, "Inefficacité"),),
        (Event(0, "2011-03-20", "Urticaire", "generalised", "mild", "withdrawn", "not_done"),),
    ),
    Patient(
        "B02",
        "F",
        "1957-07-07",
        (Period("tocilizumab", "2012-01-16", "2015-10-01", "Sclérodermie systémique", "Inefficacité"),),
    ),
)


@dataclass(frozen=True)
class PvCase:
    """A national case: one row per reaction term and version."""

    number: int
    centre: str
    initial: str
    versions: tuple[tuple[int, str, str, tuple[tuple[str, str, str], ...]], ...]
    # (version, version receipt date, action taken, ((llt, pt, soc), ...))
    suspect: str = "ANAKINRA"
    in_old_export: bool = True


# (llt, pt, soc) of the national cases' reaction terms
SKIN_TERMS = tuple(
    (row["reaction_llt"], row["reaction_pt"], row["reaction_soc"]) for row in read_rows("pv_skin_terms.csv")
)
INJECTION_TERMS = tuple(
    (row["reaction_llt"], row["reaction_pt"], row["reaction_soc"]) for row in read_rows("pv_injection_site_terms.csv")
)
CENTRES = read_column("pv_centres.csv", "centre")
REPORTER_TYPES = read_column("pv_reporter_types.csv", "reporter_type")


def _pv_cases() -> tuple[PvCase, ...]:
    """37 cases in the query (26 withdrawn), and the cases the query rules leave out."""
    cases: list[PvCase] = []
    number = 0

    def add(
        initial: str, versions: list[tuple[int, str, str, tuple[tuple[str, str, str], ...]]], suspect: str = "ANAKINRA"
    ) -> None:
        nonlocal number
        number += 1
        in_old = day(initial) < PV_EXPORTS[0]
        cases.append(PvCase(number, CENTRES[number % len(CENTRES)], initial, tuple(versions), suspect, in_old))

    windows = [dt.date(2003, 1, 1) + dt.timedelta(days=int(i * 4868 / 36)) for i in range(37)]
    windows[-1] = dt.date(2016, 4, 30)  # both window edges are in the query
    for i, initial in enumerate(windows):
        withdrawn = i < 26
        terms = [SKIN_TERMS[i % len(SKIN_TERMS)]]
        if i % 3 == 0:
            terms.append(INJECTION_TERMS[i % len(INJECTION_TERMS)])
        if i % 7 == 1:
            terms.append(SKIN_TERMS[(i + 3) % len(SKIN_TERMS)])
        first = initial.isoformat()
        follow_up = (initial + dt.timedelta(days=40)).isoformat()
        action = "withdrawn" if withdrawn else ("dose_not_changed" if i % 2 else "unknown")
        if i % 5 == 2 and withdrawn:
            # followed up: withdrawn only in the second version, which is the one that counts
            add(
                first,
                [(1, first, "dose_not_changed", tuple(terms[:1])), (2, follow_up, action, tuple(terms))],
            )
        elif i % 5 == 2:
            # the first version said withdrawn; the follow-up corrected it
            add(first, [(1, first, "withdrawn", tuple(terms[:1])), (2, follow_up, action, tuple(terms))])
        elif i == 4:
            # version 2 sent twice: the later receipt wins (two reaction terms, not one)
            resent = (initial + dt.timedelta(days=55)).isoformat()
            add(
                first,
                [
                    (1, first, action, tuple(terms[:1])),
                    (2, follow_up, action, tuple(terms[:1])),
                    (2, resent, action, (terms[0], SKIN_TERMS[6])),
                ],
            )
        else:
            add(first, [(1, first, action, tuple(terms))])
    # injection-site terms only: outside a skin-only query, counted by the sensitivity figure
    for received in ("2006-03-14", "2009-10-01", "2012-02-20", "2014-11-05", "2015-12-12"):
        add(received, [(1, received, "withdrawn", (INJECTION_TERMS[0], INJECTION_TERMS[1]))])
    # a skin term in the first version, recoded to an injection-site term at follow-up
    add(
        "2011-05-09",
        [
            (1, "2011-05-09", "withdrawn", (SKIN_TERMS[2],)),
            (2, "2011-06-30", "withdrawn", (INJECTION_TERMS[1],)),
        ],
    )
    # received outside the query window (the edges themselves are inside)
    for received in ("2002-10-15", "2002-12-31", "2016-05-01", "2016-05-06"):
        add(received, [(1, received, "withdrawn", (SKIN_TERMS[0],))])
    add("2013-07-01", [(1, "2013-07-01", "withdrawn", (SKIN_TERMS[1],))], suspect="CANAKINUMAB")
    return tuple(cases)


BASE_PV_CASES = _pv_cases()


# -- writing -------------------------------------------------------------------------------------------------

_FIRST_NAMES = read_rows("hospital_first_names.csv")
FIRST_NAMES_F = tuple(row["first_name"] for row in _FIRST_NAMES if row["sex"] == "F")
FIRST_NAMES_M = tuple(row["first_name"] for row in _FIRST_NAMES if row["sex"] == "M")
LAST_NAMES = read_column("hospital_last_names.csv", "last_name")
# the departments of birth written into the NIR
DEPARTMENTS = read_column("hospital_nir_departments.csv", "department")


def fr_date(value: str | dt.date | None) -> str:
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        value = day(value)
    return value.strftime("%d/%m/%Y")


def naranjo_total(answers: tuple[str, ...]) -> int:
    """The Naranjo total of ten answers (O yes, N no, NSP or empty don't know); items 5 and 6 are inverted."""
    yes = (1, 2, 1, 2, -1, -1, 1, 1, 1, 1)
    no = (0, -1, 0, -1, 2, 1, 0, 0, 0, 0)
    return sum(y if a == "O" else n if a == "N" else 0 for a, y, n in zip(answers, yes, no, strict=True))


def nir(sex: str, birth: dt.date, rng: random.Random) -> str:
    department = rng.choice(DEPARTMENTS)
    body = f"{1 if sex == 'M' else 2}{birth:%y}{birth:%m}{department}{rng.randint(1, 999):03d}{rng.randint(1, 999):03d}"
    numeric = int(body.replace("2A", "19").replace("2B", "18"))
    return f"{body}{97 - numeric % 97:02d}"


@dataclass
class _Ids:
    """Identifiers of one copy of the base cohort: unique across copies, drawn from the seed."""

    rng: random.Random
    copy: int
    patients: dict[str, str] = field(default_factory=dict)
    next_treatment: int = 0
    next_event: int = 0

    def patient(self, code: str) -> str:
        if code not in self.patients:
            index = self.copy * 64 + len(self.patients)
            self.patients[code] = str(10_000_000 + index * 7 + self.rng.randint(0, 6))
        return self.patients[code]

    def treatment(self) -> str:
        self.next_treatment += 1
        return str(40_000_000 + self.copy * 100 + self.next_treatment)

    def event(self) -> str:
        self.next_event += 1
        return str(70_000_000 + self.copy * 100 + self.next_event)


def _hospital_copy(copy: int, rng: random.Random) -> Iterator[tuple[bool, bool, str, dict[str, str]]]:
    """(in old snapshot, in new snapshot, file, row) for one copy of the base hospital cohort."""
    ids = _Ids(rng, copy)
    for patient in BASE_PATIENTS:
        birth = day(patient.birth)
        first = rng.choice(FIRST_NAMES_F if patient.sex == "F" else FIRST_NAMES_M)
        pid = ids.patient(patient.code)
        row = {
            "patient_id": pid,
            "last_name": rng.choice(LAST_NAMES),
            "first_name": first,
            "birth_date": fr_date(birth),
            "sex": patient.sex,
            "nir": nir(patient.sex, birth, rng) if rng.random() < 0.9 else "",
        }
        yield patient.in_old, patient.in_new, "patients", row
        treatment_ids = []
        for period in patient.periods:
            tid = ids.treatment()
            treatment_ids.append(tid)
            row = {
                "treatment_id": tid,
                "patient_id": pid,
                "drug_label": DRUG_LABELS[period.drug],
                "atc_code": ATC[period.drug],
                "start_date": fr_date(period.start),
                "end_date": fr_date(period.end),
                "dose_mg": period.dose or DOSES[period.drug],
                "dosing_interval_h": INTERVALS[period.drug],
                "route": "SC",
                "indication": period.indication,
                "stop_reason": period.stop_reason,
                "prescribing_unit": "Rhumatologie" if period.indication != PERICARDITIS else "Cardiologie",
            }
            # an ongoing period of the older extract had not started yet, or was still running then
            old_row = dict(row)
            if period.end and day(period.end) >= HOSPITAL_SNAPSHOTS[0]:
                old_row["end_date"], old_row["stop_reason"] = "", ""
            in_old = patient.in_old and day(period.start) < HOSPITAL_SNAPSHOTS[0]
            if in_old:
                yield True, False, "treatments", old_row
            yield False, patient.in_new, "treatments", row
        for event in patient.events:
            eid = ids.event()
            answers = event.naranjo
            written = event.naranjo_score
            if written is None:
                written = str(naranjo_total(answers)) if any(answers) else ""
            row = {
                "event_id": eid,
                "patient_id": pid,
                "treatment_id": "" if event.period is None else treatment_ids[event.period],
                "onset_date": fr_date(event.onset),
                "reaction_label": event.label,
                "localisation": event.localisation,
                "severity": event.severity,
                "pruritus": event.pruritus,
                "pain": event.pain,
                **dict(zip(NARANJO_ITEMS, answers, strict=True)),
                "naranjo_score": written,
                "outcome": event.outcome,
                "action_taken": event.action,
                "rechallenge": event.rechallenge,
                "biopsy_done": "O" if event.biopsy else "N",
                "biopsy_result": event.biopsy,
            }
            in_old = patient.in_old and day(event.onset) < HOSPITAL_SNAPSHOTS[0]
            if in_old:
                old_row = dict(row)
                if event.old_action:
                    old_row["action_taken"] = event.old_action
                yield True, False, "adverse_events", old_row
            yield False, patient.in_new, "adverse_events", row
    yield from _hospital_bad_rows(ids, rng)


def _hospital_bad_rows(ids: _Ids, rng: random.Random) -> Iterator[tuple[bool, bool, str, dict[str, str]]]:
    """Rows of the newest extract the contract quarantines; none belongs to an anakinra course that counts."""
    blank_event = {column: "" for column in EVENT_COLUMNS}

    def person(code: str, sex: str, birth: str) -> dict[str, str]:
        return {
            "patient_id": ids.patient(code) if code else "",
            "last_name": rng.choice(LAST_NAMES),
            "first_name": rng.choice(FIRST_NAMES_F if sex == "F" else FIRST_NAMES_M),
            "birth_date": birth,
            "sex": sex,
            "nir": "",
        }

    yield False, True, "patients", person("X01", "X", "12/03/1970")  # unknown sex code
    yield False, True, "patients", person("X02", "F", "31/02/1970")  # no such date
    yield False, True, "patients", person("", "M", "01/01/1980")  # missing key
    duplicate = person("X03", "F", "05/05/1985")
    yield False, True, "patients", duplicate
    yield False, True, "patients", {**duplicate, "first_name": "Éloïse"}  # the same IPP twice
    b01 = ids.patient("B01")
    etanercept = {
        "patient_id": b01,
        "drug_label": DRUG_LABELS["etanercept"],
        "atc_code": ATC["etanercept"],
        "start_date": "01/03/2014",
        "end_date": "",
        "dose_mg": DOSES["etanercept"],
        "dosing_interval_h": INTERVALS["etanercept"],
        "route": "SC",
        "indication": RA,
        "stop_reason": "",
        "prescribing_unit": "Rhumatologie",
    }
    yield (
        False,
        True,
        "treatments",
        {**etanercept, "treatment_id": ids.treatment(), "start_date": "2014-03-15"},
    )
    yield False, True, "treatments", {**etanercept, "treatment_id": ids.treatment(), "dose_mg": "cinquante"}
    yield False, True, "treatments", {**etanercept, "treatment_id": ids.treatment(), "atc_code": "L04AB1"}
    yield False, True, "treatments", {**etanercept, "treatment_id": ""}
    twice = ids.treatment()
    yield False, True, "treatments", {**etanercept, "treatment_id": twice}
    yield False, True, "treatments", {**etanercept, "treatment_id": twice, "dose_mg": "25"}
    yield False, True, "treatments", {**etanercept, "treatment_id": ids.treatment(), "patient_id": "99999999"}
    p10 = ids.patient("P10")
    base = {
        **blank_event,
        "patient_id": b01,
        "reaction_label": "Urticaire",
        "localisation": "generalised",
        "severity": "mild",
        "pruritus": "O",
        "pain": "N",
        "outcome": "recovered",
        "action_taken": "unchanged",
        "rechallenge": "",
        "biopsy_done": "N",
        "onset_date": "02/04/2012",
    }
    yield False, True, "adverse_events", {**base, "event_id": ids.event(), "onset_date": "32/01/2013"}
    yield False, True, "adverse_events", {**base, "event_id": ids.event(), "localisation": "visage"}
    yield False, True, "adverse_events", {**base, "event_id": ids.event(), "severity": "grave"}
    yield False, True, "adverse_events", {**base, "event_id": ""}
    twice = ids.event()
    yield False, True, "adverse_events", {**base, "event_id": twice}
    yield False, True, "adverse_events", {**base, "event_id": twice, "severity": "moderate"}
    yield False, True, "adverse_events", {**base, "event_id": ids.event(), "patient_id": "99999998"}
    yield False, True, "adverse_events", {**base, "event_id": ids.event(), "treatment_id": "49999999"}
    # attributed to P10's 2010 period but dated before it started: a data error
    p10_course = str(40_000_000 + ids.copy * 100 + _treatment_index("P10", 1))
    yield (
        False,
        True,
        "adverse_events",
        {
            **base,
            "event_id": ids.event(),
            "patient_id": p10,
            "treatment_id": p10_course,
            "onset_date": "15/12/2009",
        },
    )


def _treatment_index(code: str, period: int) -> int:
    """The 1-based treatment number of a patient's period within one copy, as `_Ids.treatment` hands them out."""
    count = 0
    for patient in BASE_PATIENTS:
        for index, _ in enumerate(patient.periods):
            count += 1
            if patient.code == code and index == period:
                return count
    raise KeyError(code)


def _pv_copy(copy: int, rng: random.Random) -> Iterator[tuple[bool, dict[str, str]]]:
    """(in the older export, row) for one copy of the national cases, then the rows to quarantine."""
    for case in BASE_PV_CASES:
        case_id = f"{case.centre}{case.initial[:4]}{copy * 100 + case.number:04d}"
        sex = rng.choice(("M", "F", "F", ""))
        age = "" if rng.random() < 0.1 else str(rng.randint(18, 85))
        start = day(case.initial) - dt.timedelta(days=21)
        for version, received, action, terms in case.versions:
            serious = case.number % 4 == 0
            for llt, pt, soc in terms:
                row = {
                    "case_id": case_id,
                    "case_version": str(version),
                    "initial_receipt_date": fr_date(case.initial),
                    "version_receipt_date": fr_date(received),
                    "reporter_type": REPORTER_TYPES[case.number % len(REPORTER_TYPES)],
                    "patient_sex": sex,
                    "patient_age_years": age,
                    "suspect_drug": case.suspect,
                    "other_suspect_drugs": "METHOTREXATE|PREDNISONE" if case.number % 6 == 0 else "",
                    "indication": (RA, STILL, "CAPS", GOUT)[case.number % 4],
                    "drug_start_date": fr_date(start),
                    "drug_stop_date": fr_date(start + dt.timedelta(days=14)) if action == "withdrawn" else "",
                    "reaction_llt": llt,
                    "reaction_pt": pt,
                    "reaction_soc": soc,
                    "reaction_onset_date": fr_date(start + dt.timedelta(days=7)) if case.number % 5 else "",
                    "serious": "O" if serious else "N",
                    "seriousness_criteria": "hospitalisation|other_medically_important" if serious else "",
                    "reaction_outcome": ("recovered", "recovering", "unknown")[case.number % 3],
                    "action_taken": action,
                    "rechallenge": "not_done" if action == "withdrawn" else "unknown",
                    "chrono_score": "C2",
                    "semio_score": "S2",
                    # one in nine written against the 1985 table: a steward warning
                    "intrinsic_score": "I3" if case.number % 9 == 0 else "I2",
                    "biblio_score": "B2",
                    "narrative": f"Patient(e) de {age or 'âge inconnu'} ans, {pt.lower()} "
                    f"après introduction ; suivi par le centre {case.centre}.",
                }
                in_old = case.in_old_export and version == 1 and day(received) < PV_EXPORTS[0]
                yield in_old, row
    template = {column: "" for column in PV_COLUMNS}
    noise = {
        **template,
        "case_version": "1",
        "reporter_type": "physician",
        "suspect_drug": "ANAKINRA",
        "reaction_llt": "Céphalée",
        "reaction_pt": "Headache",
        "reaction_soc": "Nervous system disorders",
        "serious": "N",
        "reaction_outcome": "recovered",
        "action_taken": "dose_not_changed",
        "rechallenge": "unknown",
    }
    base = copy * 100 + 90
    yield (
        False,
        {
            **noise,
            "case_id": f"GR2010{base:04d}",
            "initial_receipt_date": "31/02/2010",
            "version_receipt_date": "31/02/2010",
        },
    )
    yield (
        False,
        {
            **noise,
            "case_id": f"GR2011{base + 1:04d}",
            "initial_receipt_date": "03/03/2011",
            "version_receipt_date": "03/03/2011",
            "action_taken": "stopped",
        },
    )
    yield (
        False,
        {**noise, "case_id": "", "initial_receipt_date": "04/04/2012", "version_receipt_date": "04/04/2012"},
    )
    twice = {
        **noise,
        "case_id": f"GR2013{base + 2:04d}",
        "initial_receipt_date": "05/05/2013",
        "version_receipt_date": "05/05/2013",
    }
    yield False, twice
    yield False, dict(twice)


class _CsvFile:
    """A landing file being written: its header and encoding fixed when it is opened."""

    def __init__(self, path: Path, columns: tuple[str, ...], encoding: str) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.handle = path.open("w", encoding=encoding, newline="")
        self.columns = columns
        self.writer = csv.writer(self.handle, delimiter=";", quotechar='"', lineterminator="\r\n")
        self.writer.writerow(columns)
        self.rows = 0

    def write(self, row: dict[str, str]) -> None:
        self.writer.writerow([row.get(column, "") for column in self.columns])
        self.rows += 1

    def close(self) -> None:
        self.handle.close()


def write_demo_landing(
    out: Path,
    seed: int = 42,
    scale: int = 1,
    progress: Callable[[int], None] | None = None,
    faers_reports: int = 2000,
    faers_quarters: int = 2,
    faers_progress: Callable[[int], None] | None = None,
) -> dict[str, int]:
    """Write both hospital snapshots, both national exports and `faers_quarters` FAERS quarters of
    `faers_reports` reports each under `out`; returns rows per file.

    `progress(copies done)` follows the hospital and national extracts, `faers_progress(reports done, over
    every quarter)` the FAERS quarters. The FAERS quarters draw from their own generator, seeded from `seed`:
    the other extracts are the same bytes with or without them.
    """
    if scale < 1:
        raise ValueError("scale must be 1 or more")
    if faers_reports < 0 or faers_quarters < 0:
        raise ValueError("faers_reports and faers_quarters must be 0 or more")
    rng = random.Random(seed)
    old_h, new_h = (out / HOSPITAL.name / d.isoformat() for d in HOSPITAL_SNAPSHOTS)
    old_pv, new_pv = (out / PHARMACOVIGILANCE.name / d.isoformat() for d in PV_EXPORTS)
    files = {
        ("old", "patients"): _CsvFile(old_h / PATIENTS_FILE.name, PATIENT_COLUMNS, "utf-8"),
        ("old", "treatments"): _CsvFile(old_h / TREATMENTS_FILE.name, TREATMENT_COLUMNS, "utf-8"),
        ("old", "adverse_events"): _CsvFile(old_h / EVENTS_FILE.name, EVENT_COLUMNS, "utf-8"),
        # the newest extract mixes encodings, as exports from one software version to the next do
        ("new", "patients"): _CsvFile(new_h / PATIENTS_FILE.name, PATIENT_COLUMNS, "utf-8-sig"),
        ("new", "treatments"): _CsvFile(new_h / TREATMENTS_FILE.name, TREATMENT_COLUMNS_NEW, "cp1252"),
        ("new", "adverse_events"): _CsvFile(new_h / EVENTS_FILE.name, EVENT_COLUMNS, "cp1252"),
        ("old", "pv"): _CsvFile(old_pv / PV_FILE.name, PV_COLUMNS, "utf-8"),
        ("new", "pv"): _CsvFile(new_pv / PV_FILE.name, PV_COLUMNS, "utf-8"),
    }
    out.mkdir(parents=True, exist_ok=True)
    (out / DEMO_MARKER).write_text(
        "Synthetic extracts written by `pv-warehouse demo-data`: no real patient. Because of this file, "
        "`pv-warehouse refresh` creates a local pseudonym key under the home when none is set.\n",
        encoding="utf-8",
    )
    try:
        for copy in range(scale):
            for in_old, in_new, name, row in _hospital_copy(copy, rng):
                if in_old:
                    files["old", name].write(row)
                if in_new:
                    files["new", name].write(row)
            for in_old, row in _pv_copy(copy, rng):
                if in_old:
                    files["old", "pv"].write(row)
                files["new", "pv"].write(row)
            if progress:
                progress(copy + 1)
    finally:
        for file in files.values():
            file.close()
    counts = {
        str(file.handle.name and Path(file.handle.name).relative_to(out).as_posix()): file.rows
        for file in files.values()
    }
    if faers_reports and faers_quarters:
        counts.update(write_demo_faers(out, seed, faers_reports, faers_quarters, faers_progress))
    return counts


def faers_quarter_of(index: int) -> tuple[int, int]:
    """(year, quarter) of the index-th demo FAERS quarter, from 2015Q1 on."""
    months = FAERS_FIRST_QUARTER[0] * 4 + FAERS_FIRST_QUARTER[1] - 1 + index
    return months // 4, months % 4 + 1


def write_demo_faers(
    out: Path,
    seed: int,
    reports: int,
    quarters: int,
    progress: Callable[[int], None] | None = None,
) -> dict[str, int]:
    """FAERS quarters under `out/faers/`, from 2015Q1 on, as the FDA ships them in turn: the first zipped
    (`ascii/`, lines without a trailing `$`), the next extracted into `ascii2/` with a `$` ending every line,
    and so on alternately. From the second quarter on, about a tenth of the reports are follow-ups of the
    previous quarter's cases (the next version, later fda_dt). Returns rows per file, as
    `faers/<YYYY>q<N>/<zip>!ascii/<file>` or `faers/<YYYY>q<N>/ascii2/<file>`."""
    rng = random.Random(f"pv-warehouse-faers-{seed}")
    counts: dict[str, int] = {}
    previous: list[tuple[int, int]] = []
    for index in range(quarters):
        year, quarter = faers_quarter_of(index)
        zipped = index % 2 == 0
        follow_ups = rng.sample(previous, min(len(previous), round(reports * FAERS_FOLLOW_UP_SHARE)))
        done_before = index * reports

        def quarter_progress(done: int, before: int = done_before) -> None:
            if progress is not None:
                progress(before + done)

        rows, previous = write_faers_quarter(
            out / "faers" / f"{year}q{quarter}",
            year,
            quarter,
            reports,
            rng,
            zipped=zipped,
            folder="ascii" if zipped else "ascii2",
            trailing_dollar=not zipped,
            follow_ups=follow_ups,
            progress=quarter_progress,
        )
        # where each table is: inside the zip (`zip!member`) or in the extracted folder
        located = f"{faers_zip_name(year, quarter)}!ascii" if zipped else "ascii2"
        for table, count in rows.items():
            counts[f"faers/{year}q{quarter}/{located}/{faers_file_name(table, year, quarter)}"] = count
    return counts
