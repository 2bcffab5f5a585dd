"""Synthetic FAERS quarters: the FDA's quarterly ASCII files, in the layout published since 2014Q3.

`write_faers_quarter` writes the seven tables of one quarter (DEMO, DRUG, INDI, OUTC, REAC, RPSR, THER) as the
FDA publishes them: `$`-delimited, no quoting, one lower-case header, LF line ends, optionally one more `$` at
the end of every line; either zipped (`faers_ascii_2015q1.zip` holding `ascii/DEMO15Q1.txt`...) or extracted
into a folder. The content is random but shaped like the real files: about 4.2 drug rows, 3.1 reaction terms,
2.5 indications, 1.4 therapy rows and 0.7 outcomes per report, drugs and terms drawn with Zipf-like
frequencies, partial dates, ages in several units, follow-up versions of earlier quarters' cases.

The study's drug, anakinra (KINERET), is a suspect drug in about 0.3% of the reports, and those reports carry
skin and injection-site terms far more often than the others: anakinra / "Injection site reaction" is a clear
disproportionality signal. Whether a case is an anakinra case is read from its caseid (`is_anakinra_case`), so
its follow-ups in later quarters stay anakinra cases.

A quarter is written table by table, each streamed in chunks straight into its file or zip member: a first pass
draws the skeleton every table shares (case ids, versions, each report's drugs and their roles) into compact
arrays, then each table is one pass over the reports. Everything is drawn from the `rng` passed in, in a fixed
order, so a given rng state always gives the same bytes (zip members carry a fixed timestamp).

The vocabularies and weights (ingredients, terms, countries, companies, codes and their frequencies) are package
data (data/faers_*.csv, listed in data/README.md); the columns of each table are the landing contract's.
"""

from __future__ import annotations

import datetime as dt
import random
import zipfile
from array import array
from bisect import bisect
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager
from itertools import accumulate
from pathlib import Path
from typing import IO

from pv_warehouse.demo.vocabulary import read_column, read_rows, read_weights
from pv_warehouse.ingest.contract import FAERS_LAYOUT

# the FDA's column order of each table, as the loader knows it, in the order of the members in the FDA's zips
COLUMNS: dict[str, tuple[str, ...]] = {
    name: FAERS_LAYOUT[name.lower()] for name in ("DEMO", "DRUG", "INDI", "OUTC", "REAC", "RPSR", "THER")
}
# the order of the members in the FDA's zips, and the order the tables are written in
TABLES: tuple[str, ...] = tuple(COLUMNS)

ANAKINRA = "ANAKINRA"
ANAKINRA_BRAND = "KINERET"
ANAKINRA_SHARE = 0.003
# a case is an anakinra case when its caseid leaves this remainder: its follow-ups stay anakinra cases
ANAKINRA_MODULUS = 211
ANAKINRA_REMAINDER = 97
UNKNOWN_INDICATION = "Product used for unknown indication"

FIRST_QUARTER = (2012, 4)  # the first quarter FAERS published with primaryid/caseid
CASEID_BASE = 10_000_000
CASEIDS_PER_QUARTER = 2_000_000
MAX_REPORTS = 1_000_000
PROGRESS_EVERY = 10_000
CHUNK_REPORTS = 2_000

# -- vocabularies and weights, from the package's data files (data/README.md) ---------------------------------

# Active ingredients, most reported first: prod_ai (combinations joined by a backslash, as the FDA writes
# them), a brand name, the route code (see ROUTES) and the usual indication (a MedDRA term).
INGREDIENTS: tuple[tuple[str, str, str, str], ...] = tuple(
    (row["prod_ai"], row["brand"], row["route_code"], row["indi_pt"]) for row in read_rows("faers_ingredients.csv")
)
# the index of anakinra in the per-row arrays: after the vocabulary, never drawn at random
ANAKINRA_INDEX = len(INGREDIENTS)

_ROUTE_ROWS = read_rows("faers_routes.csv")
ROUTES = {row["route_code"]: row["route"] for row in _ROUTE_ROWS}
DOSE_UNITS = {row["route_code"]: row["dose_unit"] for row in _ROUTE_ROWS}
_DOSE_FORM_ROWS = read_rows("faers_dose_forms.csv")
# a route's dose forms, each as often as the file lists it
DOSE_FORMS = {code: tuple(row["dose_form"] for row in _DOSE_FORM_ROWS if row["route_code"] == code) for code in ROUTES}
# dose amounts, the first the most frequent (Zipf-like)
DOSE_AMOUNTS = read_column("faers_dose_amounts.csv", "dose_amt")
DOSE_FREQUENCIES = read_weights("faers_dose_frequencies.csv", "dose_freq")
DECHALLENGES = read_weights("faers_dechallenge.csv", "dechal")
ANAKINRA_DECHALLENGES = read_weights("faers_anakinra_dechallenge.csv", "dechal")
RECHALLENGES = read_weights("faers_rechallenge.csv", "rechal")
# what reporters write when the FDA could not code the active ingredient (prod_ai stays empty)
UNCODED_DRUGS = read_column("faers_uncoded_drugs.csv", "drugname")

# MedDRA preferred terms, most reported first (ranks drive the Zipf-like frequencies)
REACTION_TERMS = read_column("faers_reaction_terms.csv", "pt")
# skin and injection-site terms of anakinra reports, with their weights
ANAKINRA_SKIN_TERMS = read_weights("faers_anakinra_skin_terms.csv", "pt")
# anakinra's indications, each as often as the file lists it
ANAKINRA_INDICATIONS = read_column("faers_anakinra_indications.csv", "indi_pt")

COUNTRIES = read_weights("faers_countries.csv", "country")
# the agency named in a foreign expedited report's auth_num, where the file names one ("HA" otherwise)
AGENCIES = {row["country"]: row["agency"] for row in read_rows("faers_countries.csv") if row["agency"]}
COMPANIES = read_weights("faers_companies.csv", "mfr_sndr")
LITERATURE = read_column("faers_literature_sources.csv", "source")
AUTHORS = read_column("faers_literature_authors.csv", "author")
REPORT_TYPES = read_weights("faers_report_types.csv", "rept_cod")
SEXES = read_weights("faers_sexes.csv", "sex")
OCCUPATIONS = read_weights("faers_occupations.csv", "occp_cod")
_AGE_UNIT_ROWS = read_rows("faers_age_units.csv")
AGE_UNITS = read_weights("faers_age_units.csv", "age_cod")
# the ages drawn in each unit (youngest, oldest), and each unit in years (the file gives days)
AGE_RANGES = {row["age_cod"]: (int(row["youngest"]), int(row["oldest"])) for row in _AGE_UNIT_ROWS}
YEARS_PER_AGE_UNIT = {row["age_cod"]: float(row["days"]) / 365.25 for row in _AGE_UNIT_ROWS}
OUTCOMES = read_weights("faers_outcomes.csv", "outc_cod")
REPORT_SOURCES = read_weights("faers_report_sources.csv", "rpsr_cod")
# units of a therapy's duration other than days
DURATION_UNITS = read_weights("faers_duration_units.csv", "dur_cod")

# roles of the drugs, the primary suspect first, and the share of each role's drugs given an indication row
# and a therapy row
_ROLE_ROWS = read_rows("faers_roles.csv")
ROLE_CODES = tuple(row["role_cod"] for row in _ROLE_ROWS)
PS, SS, CONCOMITANT, INTERACTING = (ROLE_CODES.index(code) for code in ("PS", "SS", "C", "I"))
INDICATION_SHARE = tuple(float(row["indication_share"]) for row in _ROLE_ROWS)
THERAPY_SHARE = tuple(float(row["therapy_share"]) for row in _ROLE_ROWS)

Picker = Callable[[], str]
# appends one report's lines of a table: (report index, lines)
ReportRows = Callable[[int, list[str]], None]


def faers_file_name(table: str, year: int, quarter: int) -> str:
    """The FDA's name for a table file of a quarter: `DEMO15Q1.txt`."""
    return f"{table}{year % 100:02d}Q{quarter}.txt"


def faers_zip_name(year: int, quarter: int) -> str:
    """The FDA's name for a quarter's zip: `faers_ascii_2015q1.zip`."""
    return f"faers_ascii_{year}q{quarter}.zip"


def quarter_bounds(year: int, quarter: int) -> tuple[dt.date, dt.date]:
    """First and last day of a quarter."""
    first = dt.date(year, 3 * quarter - 2, 1)
    following = dt.date(year + 1, 1, 1) if quarter == 4 else dt.date(year, 3 * quarter + 1, 1)
    return first, following - dt.timedelta(days=1)


def caseid_block(year: int, quarter: int) -> range:
    """The case ids a quarter hands out to new cases: disjoint from every other quarter's."""
    if not 1 <= quarter <= 4:
        raise ValueError(f"quarter must be 1 to 4, not {quarter}")
    if (year, quarter) < FIRST_QUARTER:
        raise ValueError(f"{year}Q{quarter}: FAERS quarters with case ids start in 2012Q4")
    index = (year - FIRST_QUARTER[0]) * 4 + quarter - FIRST_QUARTER[1]
    start = CASEID_BASE + index * CASEIDS_PER_QUARTER
    return range(start, start + CASEIDS_PER_QUARTER)


def is_anakinra_case(caseid: int) -> bool:
    """True for the case ids whose reports name anakinra as a suspect drug (every version of the case)."""
    return caseid % ANAKINRA_MODULUS == ANAKINRA_REMAINDER


def _anakinra_is_primary(caseid: int) -> bool:
    """Anakinra is the primary suspect in about 70% of its cases, a secondary suspect in the others."""
    return (caseid // ANAKINRA_MODULUS) % 10 < 7


MASK64 = (1 << 64) - 1


def _mix(caseid: int) -> int:
    """A well-spread 64-bit hash of a case id (splitmix64's finaliser)."""
    h = (caseid * 0x9E3779B97F4A7C15) & MASK64
    h = ((h ^ (h >> 30)) * 0xBF58476D1CE4E5B9) & MASK64
    h = ((h ^ (h >> 27)) * 0x94D049BB133111EB) & MASK64
    return h ^ (h >> 31)


def _first_seen(caseid: int, quarter_days: int) -> tuple[int, int, int]:
    """(version, fda_dt, init_fda_dt) of a case's first report in the quarter that handed out its id, the
    dates as days from that quarter's first day. Read from the case id alone, so that a follow-up written in a
    later quarter repeats the init_fda_dt its first report gave: 70% of new cases arrive as version 1 (then
    init_fda_dt = fda_dt), the others as version 2 or 3 of a case first received 30 to 900 days earlier."""
    h = _mix(caseid)
    draw = h % 100
    version = 1 if draw < 70 else (2 if draw < 90 else 3)
    fda = (h >> 8) % quarter_days
    init = fda if version == 1 else fda - 30 - (h >> 24) % 871
    return version, fda, init


def _cumulative(weights: Sequence[float]) -> list[float]:
    """Cumulative weights scaled to end at exactly 1.0, for `bisect(cum, rng.random())`."""
    total = float(sum(weights))
    cum = [w / total for w in accumulate(weights)]
    cum[-1] = 1.0
    return cum


def _picker(rng: random.Random, pairs: Sequence[tuple[str, float]]) -> Picker:
    values = [value for value, _ in pairs]
    cum = _cumulative([weight for _, weight in pairs])
    draw = rng.random

    def pick() -> str:
        return values[bisect(cum, draw())]

    return pick


def _zipf(count: int, offset: float, exponent: float) -> list[float]:
    """Zipf-like cumulative weights of `count` ranks: rank r weighs 1 / (r + offset) ** exponent."""
    return _cumulative([1.0 / (rank + offset) ** exponent for rank in range(count)])


def _count_table(mean: float, most: int) -> list[float]:
    """Cumulative probabilities of 1..most (index 0 is 1) for a geometric count with the given mean."""
    ratio = 1.0 - 1.0 / mean
    return _cumulative([ratio**k for k in range(most)])


DRUG_COUNTS = _count_table(4.2, 40)
REACTION_COUNTS = _count_table(3.1, 30)
INGREDIENT_CUM = _zipf(len(INGREDIENTS), 5.0, 1.0)
REACTION_CUM = _zipf(len(REACTION_TERMS), 3.0, 0.9)


class _Quarter:
    """One quarter being written: the skeleton shared by the tables, then one row generator per table."""

    def __init__(
        self,
        year: int,
        quarter: int,
        n_reports: int,
        rng: random.Random,
        follow_ups: Sequence[tuple[int, int]],
        line_end: str,
    ) -> None:
        self.year, self.quarter, self.n = year, quarter, n_reports
        self.rng = rng
        self.end = line_end
        first, last = quarter_bounds(year, quarter)
        # day numbers index self.dates; day `self.q0` is the quarter's first day
        self.q0 = 4000
        self.q_days = (last - first).days + 1
        self.origin = first - dt.timedelta(days=self.q0)
        span = self.q0 + self.q_days + 1500
        self.dates = [(self.origin + dt.timedelta(days=d)).strftime("%Y%m%d") for d in range(span)]
        self.rows: dict[str, int] = dict.fromkeys(TABLES, 0)
        self._skeleton(follow_ups)

    # -- the skeleton -------------------------------------------------------------------------------------------

    def _skeleton(self, follow_ups: Sequence[tuple[int, int]]) -> None:
        """Case ids and versions (follow-ups first, then new cases, ascending), and each report's drugs."""
        rng, random_ = self.rng, self.rng.random
        block = caseid_block(self.year, self.quarter)
        latest: dict[int, int] = {}
        for caseid, version in follow_ups:
            if caseid >= block.start:
                raise ValueError(f"follow-up of case {caseid}: follow-ups are cases of earlier quarters")
            latest[caseid] = max(version, latest.get(caseid, 0))
        if len(latest) > self.n:
            raise ValueError(f"{len(latest)} follow-ups do not fit in {self.n} reports")
        if self.n > MAX_REPORTS:
            raise ValueError(f"at most {MAX_REPORTS} reports a quarter")
        self.caseids = array("q", sorted(latest))
        self.versions = array("H", (latest[c] + 1 for c in self.caseids))
        self.n_follow_ups = len(self.caseids)
        n_new = self.n - self.n_follow_ups
        n_anakinra = min(n_new, max(3, round(ANAKINRA_SHARE * self.n)))
        anakinra_at = set(rng.sample(range(n_new), n_anakinra))
        # gaps of 1 or 2 between case ids when they fit: the FDA's ids are not contiguous within a quarter
        room = len(block) - n_anakinra * ANAKINRA_MODULUS
        wide = n_new * 2 <= room
        caseid = block.start
        for i in range(n_new):
            caseid += 1 + (random_() < 0.5 if wide else 0)
            if i in anakinra_at:
                caseid += (ANAKINRA_REMAINDER - caseid) % ANAKINRA_MODULUS
            elif is_anakinra_case(caseid):
                caseid += 1
            self.caseids.append(caseid)
            self.versions.append(_first_seen(caseid, self.q_days)[0])
        if caseid >= block.stop:
            raise ValueError(f"{self.n} reports do not fit in the quarter's case ids")
        # drugs: offsets into the flat per-drug arrays, ingredient index and role of each drug row
        self.drug_start = array("L", [0])
        self.ingredient = array("H")
        self.role = bytearray()
        n_ingredients = len(INGREDIENTS)
        for caseid in self.caseids:
            count = 1 + bisect(DRUG_COUNTS, random_())
            anakinra = is_anakinra_case(caseid)
            primary = anakinra and _anakinra_is_primary(caseid)
            if anakinra and not primary and count < 2:
                count = 2
            anakinra_seq = 0 if primary else (1 + int(random_() * (count - 1)) if anakinra else -1)
            for seq in range(count):
                if seq == anakinra_seq:
                    self.ingredient.append(ANAKINRA_INDEX)
                    self.role.append(PS if seq == 0 else SS)
                    continue
                self.ingredient.append(min(bisect(INGREDIENT_CUM, random_()), n_ingredients - 1))
                if seq == 0:
                    self.role.append(PS)
                else:
                    draw = random_()
                    self.role.append(SS if draw < 0.22 else (INTERACTING if draw < 0.23 else CONCOMITANT))
            self.drug_start.append(len(self.role))
        # day number of each report's event, filled by the DEMO pass for THER
        self.event_day = array("l", [0]) * self.n

    def _ids(self, i: int) -> tuple[str, str]:
        """(primaryid, caseid) of report i, the `primaryid$caseid$` prefix of every row."""
        caseid = self.caseids[i]
        return f"{caseid}{self.versions[i]}", str(caseid)

    def _day(self, day: int) -> str:
        return self.dates[min(max(day, 0), len(self.dates) - 1)]

    def _partial(self, day: int) -> str:
        """A date at the precision reporters give: mostly the day, some only the month or the year."""
        draw = self.rng.random()
        text = self._day(day)
        return text if draw < 0.75 else (text[:6] if draw < 0.9 else text[:4])

    # -- the tables ---------------------------------------------------------------------------------------------

    def table(self, name: str) -> Iterator[tuple[int, str]]:
        """(reports done, text) chunks of one table, header first; counts its rows in self.rows."""
        yield 0, "$".join(COLUMNS[name]) + self.end
        yield from self._chunks(name, getattr(self, f"_{name.lower()}")())

    def _chunks(self, name: str, add_rows: ReportRows) -> Iterator[tuple[int, str]]:
        """The one loop over the reports that every table shares: `add_rows(i, lines)` appends report i's lines
        of the table, and every CHUNK_REPORTS reports the lines go out as one (reports done, text) chunk, the
        last with every report done. Counts the lines in self.rows[name]."""
        lines: list[str] = []
        for i in range(self.n):
            add_rows(i, lines)
            if (i + 1) % CHUNK_REPORTS == 0:
                self.rows[name] += len(lines)
                yield i + 1, "".join(lines)
                lines.clear()
        self.rows[name] += len(lines)
        yield self.n, "".join(lines)

    def _demo(self) -> ReportRows:
        rng, random_, end, q0, q_days = self.rng, self.rng.random, self.end, self.q0, self.q_days
        country = _picker(rng, COUNTRIES)
        company = _picker(rng, COMPANIES)
        report_type = _picker(rng, REPORT_TYPES)
        sex = _picker(rng, SEXES)
        occupation = _picker(rng, OCCUPATIONS)
        age_unit = _picker(rng, AGE_UNITS)
        dates = self.dates

        def add_rows(i: int, lines: list[str]) -> None:
            primaryid, caseid = self._ids(i)
            version = self.versions[i]
            if i < self.n_follow_ups:
                # a later version: received in this quarter, first received as its first report said
                first, last = quarter_bounds(*_quarter_of_caseid(self.caseids[i]))
                _, _, init = _first_seen(self.caseids[i], (last - first).days + 1)
                init = max(init + (first - self.origin).days, 0)
                fda = q0 + int(random_() * q_days)
            else:
                _, fda, init = _first_seen(self.caseids[i], q_days)
                fda, init = q0 + fda, q0 + init
            event = init - int(random_() * 400)
            self.event_day[i] = event
            draw = random_()
            event_dt = "" if draw < 0.12 else self._partial(event)
            kind = report_type()
            reporter = country()
            occurring = reporter if random_() < 0.95 else country()
            if kind == "DIR":
                mfr_dt = auth_num = mfr_num = mfr_sndr = lit_ref = ""
                e_sub, to_mfr = "N", "N" if random_() < 0.7 else "Y"
            else:
                sender = company()
                mfr_dt = dates[max(init, fda - int(random_() * 45))]
                mfr_num = f"{reporter}-{sender}-{self.year}{int(random_() * 1_000_000):06d}"
                mfr_sndr, e_sub, to_mfr = sender, "Y", ""
                auth_num = ""
                if reporter != "US" and kind == "EXP" and random_() < 0.15:
                    auth_num = f"{reporter}-{AGENCIES.get(reporter, 'HA')}-{int(random_() * 100_000_000):08d}"
                lit_ref = ""
                if kind == "EXP" and random_() < 0.03:
                    author = AUTHORS[int(random_() * len(AUTHORS))]
                    source = LITERATURE[int(random_() * len(LITERATURE))]
                    volume = 10 + int(random_() * 90)
                    page = 1 + int(random_() * 900)
                    lit_ref = f"{author}, ET AL. {source}. {self.year - 1};{volume}:{page}-{page + 4}."
            age = age_cod = age_grp = ""
            if random_() < 0.75:
                age_cod = age_unit()
                low, high = AGE_RANGES[age_cod]
                if age_cod == "YR" and random_() < 0.85:
                    low = 18
                value = low + int(random_() * (high - low + 1))
                age = str(value)
                if random_() < 0.3:
                    age_grp = _age_group(value * YEARS_PER_AGE_UNIT[age_cod])
            wt = wt_cod = ""
            if random_() < 0.3:
                kilos = 40 + random_() * 80
                if random_() < 0.85:
                    wt, wt_cod = (f"{kilos:.2f}" if random_() < 0.3 else str(round(kilos))), "KG"
                else:
                    wt, wt_cod = str(round(kilos * 2.2046)), "LBS"
            fda_dt = dates[fda]
            lines.append(
                f"{primaryid}${caseid}${version}${'I' if version == 1 else 'F'}${event_dt}${mfr_dt}$"
                f"{dates[init]}${fda_dt}${kind}${auth_num}${mfr_num}${mfr_sndr}${lit_ref}${age}${age_cod}$"
                f"{age_grp}${sex()}${e_sub}${wt}${wt_cod}${fda_dt}${to_mfr}${occupation()}${reporter}$"
                f"{occurring}{end}"
            )

        return add_rows

    def _drug(self) -> ReportRows:
        rng, random_, end = self.rng, self.rng.random, self.end
        dechal = _picker(rng, DECHALLENGES)
        anakinra_dechal = _picker(rng, ANAKINRA_DECHALLENGES)
        rechal = _picker(rng, RECHALLENGES)
        frequency = _picker(rng, DOSE_FREQUENCIES)
        amounts = DOSE_AMOUNTS
        amount_cum = _zipf(len(amounts), 4.0, 0.6)
        nda = [f"{(k * 7919) % 190_000 + 10_000:06d}" for k in range(len(INGREDIENTS))]
        generics = [ingredient.replace("\\", " AND ") for ingredient, _, _, _ in INGREDIENTS]
        dates = self.dates
        starts, ingredients, roles = self.drug_start, self.ingredient, self.role

        def add_rows(i: int, lines: list[str]) -> None:
            primaryid, caseid = self._ids(i)
            prefix = f"{primaryid}${caseid}$"
            for position in range(starts[i], starts[i + 1]):
                seq = position - starts[i] + 1
                k, role = ingredients[position], roles[position]
                suspect = role <= SS
                if k == ANAKINRA_INDEX:
                    drugname, prod_ai, route_code, nda_num = ANAKINRA_BRAND, ANAKINRA, "S", "103950"
                    dechal_code = anakinra_dechal()
                else:
                    prod_ai, brand, route_code, _ = INGREDIENTS[k]
                    draw = random_()
                    drugname = brand if draw < 0.75 else generics[k]
                    nda_num = nda[k] if random_() < 0.55 else ""
                    if random_() < 0.05:
                        prod_ai = ""
                        drugname = UNCODED_DRUGS[int(random_() * len(UNCODED_DRUGS))] if draw < 0.6 else drugname
                    dechal_code = dechal()
                draw = random_()
                route = ROUTES[route_code] if draw < 0.88 else ("Unknown" if draw < 0.96 else "")
                dose_amt = dose_unit = dose_form = dose_freq = ""
                if random_() < 0.55:
                    dose_amt = amounts[bisect(amount_cum, random_())]
                    dose_unit = DOSE_UNITS[route_code]
                    forms = DOSE_FORMS[route_code]
                    dose_form = forms[int(random_() * len(forms))] if random_() < 0.7 else ""
                    dose_freq = frequency() if random_() < 0.75 else ""
                    draw = random_()
                    if draw < 0.004:
                        dose_vbm = f'{dose_amt} {dose_unit} "AS DIRECTED"'
                    elif draw < 0.75:
                        dose_vbm = f"{dose_amt} {dose_unit}, {dose_freq or 'UNK'}"
                    else:
                        dose_vbm = "UNK"
                else:
                    dose_vbm = "UNK" if random_() < 0.4 else ""
                cum_dose_chr = cum_dose_unit = ""
                if dose_amt and random_() < 0.12:
                    cum_dose_chr = f"{float(dose_amt) * (2 + int(random_() * 300)):g}"
                    cum_dose_unit = dose_unit
                lot_num = exp_dt = ""
                if suspect and random_() < 0.15:
                    lot_num = f"{chr(65 + int(random_() * 26))}{int(random_() * 100_000):05d}"
                    if random_() < 0.3:
                        exp_dt = dates[-1 - int(random_() * 700)][: 6 if random_() < 0.7 else 8]
                lines.append(
                    f"{prefix}{seq}${ROLE_CODES[role]}${drugname}${prod_ai}${'1' if random_() < 0.9 else '2'}$"
                    f"{route}${dose_vbm}${cum_dose_chr}${cum_dose_unit}${dechal_code}${rechal()}${lot_num}$"
                    f"{exp_dt}${nda_num}${dose_amt}${dose_unit}${dose_form}${dose_freq}{end}"
                )

        return add_rows

    def _indi(self) -> ReportRows:
        random_, end = self.rng.random, self.end
        indications = sorted({indication for _, _, _, indication in INGREDIENTS})
        starts, ingredients, roles = self.drug_start, self.ingredient, self.role

        def add_rows(i: int, lines: list[str]) -> None:
            primaryid, caseid = self._ids(i)
            for position in range(starts[i], starts[i + 1]):
                if random_() >= INDICATION_SHARE[roles[position]]:
                    continue
                k = ingredients[position]
                draw = random_()
                if draw < 0.22:
                    term = UNKNOWN_INDICATION
                elif draw < 0.3:
                    term = indications[int(random_() * len(indications))]
                elif k == ANAKINRA_INDEX:
                    term = ANAKINRA_INDICATIONS[int(random_() * len(ANAKINRA_INDICATIONS))]
                else:
                    term = INGREDIENTS[k][3]
                lines.append(f"{primaryid}${caseid}${position - starts[i] + 1}${term}{end}")

        return add_rows

    def _outc(self) -> ReportRows:
        rng, random_, end = self.rng, self.rng.random, self.end
        outcome = _picker(rng, OUTCOMES)

        def add_rows(i: int, lines: list[str]) -> None:
            serious = 0.4 if is_anakinra_case(self.caseids[i]) else 0.5
            if random_() < serious:
                primaryid, caseid = self._ids(i)
                codes = [outcome()]
                while random_() < 0.42:
                    code = outcome()
                    if code not in codes:
                        codes.append(code)
                for code in codes:
                    lines.append(f"{primaryid}${caseid}${code}{end}")

        return add_rows

    def _reac(self) -> ReportRows:
        rng, random_, end = self.rng, self.rng.random, self.end
        skin = _picker(rng, ANAKINRA_SKIN_TERMS)
        terms, cum, last = REACTION_TERMS, REACTION_CUM, len(REACTION_TERMS) - 1

        def add_rows(i: int, lines: list[str]) -> None:
            primaryid, caseid = self._ids(i)
            count = 1 + bisect(REACTION_COUNTS, random_())
            chosen: list[str] = []
            if is_anakinra_case(self.caseids[i]) and random_() < 0.88:
                chosen.append("Injection site reaction" if random_() < 0.5 else skin())
                for _ in range((random_() < 0.5) + (random_() < 0.2)):
                    term = skin()
                    if term not in chosen:
                        chosen.append(term)
            while len(chosen) < count:
                term = terms[min(bisect(cum, random_()), last)]
                if term not in chosen:
                    chosen.append(term)
            for term in chosen:
                # the term again when the reaction recurred on readministration, in a few reports
                recurred = term if random_() < 0.01 else ""
                lines.append(f"{primaryid}${caseid}${term}${recurred}{end}")

        return add_rows

    def _rpsr(self) -> ReportRows:
        rng, random_, end = self.rng, self.rng.random, self.end
        source = _picker(rng, REPORT_SOURCES)

        def add_rows(i: int, lines: list[str]) -> None:
            if random_() < 0.05:
                primaryid, caseid = self._ids(i)
                lines.append(f"{primaryid}${caseid}${source()}{end}")

        return add_rows

    def _ther(self) -> ReportRows:
        rng, random_, end = self.rng, self.rng.random, self.end
        other_unit = _picker(rng, DURATION_UNITS)
        starts, roles = self.drug_start, self.role

        def add_rows(i: int, lines: list[str]) -> None:
            primaryid, caseid = self._ids(i)
            event = self.event_day[i]
            for position in range(starts[i], starts[i + 1]):
                if random_() >= THERAPY_SHARE[roles[position]]:
                    continue
                seq = position - starts[i] + 1
                periods = 2 if random_() < 0.08 else 1
                start = event - 1 - int(random_() * 900)
                for _ in range(periods):
                    start_dt = self._partial(start) if random_() < 0.92 else ""
                    end_dt = dur = dur_cod = ""
                    if random_() < 0.55:
                        stop = start + int(random_() * 400)
                        end_dt = self._partial(stop)
                        if len(start_dt) == 8 and len(end_dt) == 8 and random_() < 0.5:
                            dur, dur_cod = str(stop - start + 1), "DAY"
                        start = stop + 1 + int(random_() * 60)
                    elif random_() < 0.1:
                        dur, dur_cod = str(1 + int(random_() * 24)), other_unit()
                    lines.append(f"{primaryid}${caseid}${seq}${start_dt}${end_dt}${dur}${dur_cod}{end}")

        return add_rows


def _quarter_of_caseid(caseid: int) -> tuple[int, int]:
    """The quarter whose block handed out a case id (the earliest quarter for ids below every block)."""
    index = max(caseid - CASEID_BASE, 0) // CASEIDS_PER_QUARTER
    months = FIRST_QUARTER[0] * 4 + FIRST_QUARTER[1] - 1 + index
    return months // 4, months % 4 + 1


def _age_group(years: float) -> str:
    """The FDA's age group: N neonate, I infant, C child, T adolescent, A adult, E elderly."""
    if years < 28 / 365.25:
        return "N"
    if years < 2:
        return "I"
    if years < 12:
        return "C"
    if years < 18:
        return "T"
    return "A" if years < 65 else "E"


# the relative cost of each pass, to turn the passes' progress into reports done
PASS_COST = {"DEMO": 2.0, "DRUG": 9.0, "INDI": 1.5, "OUTC": 0.3, "REAC": 2.5, "RPSR": 0.1, "THER": 1.6}


def write_faers_quarter(
    quarter_dir: Path,
    year: int,
    quarter: int,
    n_reports: int,
    rng: random.Random,
    *,
    zipped: bool,
    folder: str = "ascii",
    trailing_dollar: bool = False,
    follow_ups: Sequence[tuple[int, int]] = (),
    progress: Callable[[int], None] | None = None,
) -> tuple[dict[str, int], list[tuple[int, int]]]:
    """Write one FAERS quarter of `n_reports` reports under `quarter_dir`, as the FDA publishes it.

    zipped: `<quarter_dir>/faers_ascii_<year>q<quarter>.zip` holding `<folder>/DEMO<yy>Q<n>.txt` and the six
    other tables; otherwise the files go to `<quarter_dir>/<folder>/`. trailing_dollar ends every line, header
    included, with one more `$`. follow_ups: (caseid, caseversion) of earlier quarters' reports, each written
    again with the next version and i_f_code F; they count within n_reports. progress(reports_done) is called
    every 10,000 reports of work (the tables are written one after the other, so it tells the share of the
    whole quarter done, in reports) and once with n_reports at the end.

    Returns the rows written per table ({"DEMO": n, ...}) and the (caseid, caseversion) of every report
    written, for the next quarter's follow-ups.
    """
    if n_reports < 0:
        raise ValueError("n_reports must be 0 or more")
    writer = _Quarter(year, quarter, n_reports, rng, follow_ups, "$\n" if trailing_dollar else "\n")
    names = {table: f"{folder}/{faers_file_name(table, year, quarter)}" for table in TABLES}
    total_cost = sum(PASS_COST.values())
    done_cost = 0.0
    next_report = PROGRESS_EVERY

    def report(table: str, done: int) -> None:
        nonlocal next_report
        if progress is None:
            return
        position = int(n_reports * (done_cost + PASS_COST[table] * done / max(n_reports, 1)) / total_cost)
        while position >= next_report:
            progress(next_report)
            next_report += PROGRESS_EVERY

    quarter_dir.mkdir(parents=True, exist_ok=True)
    with _Members(quarter_dir, year, quarter, folder, zipped) as members:
        for table in TABLES:
            with members.open(names[table]) as handle:
                for done, text in writer.table(table):
                    handle.write(text.encode("utf-8"))
                    report(table, done)
            done_cost += PASS_COST[table]
    if progress is not None and next_report - PROGRESS_EVERY < n_reports:
        progress(n_reports)
    written = list(zip(writer.caseids, writer.versions, strict=True))
    return dict(writer.rows), written


class _Members:
    """Where a quarter's table files go: members of the quarter's zip, or files of an extracted folder."""

    def __init__(self, quarter_dir: Path, year: int, quarter: int, folder: str, zipped: bool) -> None:
        self.quarter_dir, self.folder, self.zipped = quarter_dir, folder, zipped
        # members carry a fixed time (the first day after the quarter), so a seed always gives the same bytes
        published = quarter_bounds(year, quarter)[1] + dt.timedelta(days=1)
        self.date_time = (published.year, published.month, published.day, 0, 0, 0)
        self.archive: zipfile.ZipFile | None = None
        if zipped:
            self.archive = zipfile.ZipFile(
                quarter_dir / faers_zip_name(year, quarter), "w", zipfile.ZIP_DEFLATED, compresslevel=1
            )
            directory = zipfile.ZipInfo(f"{folder}/", self.date_time)
            directory.external_attr = (0o40755 << 16) | 0x10
            self.archive.writestr(directory, b"")
        else:
            (quarter_dir / folder).mkdir(parents=True, exist_ok=True)

    def open(self, name: str) -> AbstractContextManager[IO[bytes]]:
        if self.archive is None:
            return (self.quarter_dir / name).open("wb")
        info = zipfile.ZipInfo(name, self.date_time)
        info.compress_type = zipfile.ZIP_DEFLATED
        # what ZipFile.open(str) sets from compresslevel; a ZipInfo must be told. typeshed leaves out this private
        # attribute (3.13 names it compress_level), which ZipFile reads on 3.11 and 3.12
        info._compresslevel = 1  # type: ignore[attr-defined]
        info.external_attr = 0o644 << 16
        return self.archive.open(info, "w")

    def __enter__(self) -> _Members:
        return self

    def __exit__(self, *exc: object) -> None:
        if self.archive is not None:
            self.archive.close()


__all__ = [
    "COLUMNS",
    "TABLES",
    "caseid_block",
    "faers_file_name",
    "faers_zip_name",
    "is_anakinra_case",
    "write_faers_quarter",
]
