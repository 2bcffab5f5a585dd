"""The study's parameters, read from the one place they are set: the vars of dbt_project.yml."""

from __future__ import annotations

import csv
import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

import yaml


@dataclass(frozen=True)
class StudyParameters:
    """Parameters of the study rules (see docs/study-rules.md); defaults live in dbt_project.yml."""

    target_atc: str
    target_drug_name: str
    study_start: dt.date
    study_end: dt.date
    min_course_days: int
    course_gap_days: int
    post_exposure_days: int
    pv_start: dt.date
    pv_end: dt.date
    pv_soc: str
    injection_site_pt_prefix: str
    # the largest fall in a hospital or national file's data rows against the previous snapshot, in percent
    max_row_drop_pct: float
    max_dose_mg: float
    min_plausible_date: dt.date
    max_age_years: int
    landing_codes: dict[str, list[str]] = field(default_factory=dict)
    dbt_project_dir: Path | None = None

    def seed_values(self, seed: str, column: str) -> list[str]:
        """The distinct values of one column of a mapping seed (`dbt_project/seeds/<seed>.csv`)."""
        if self.dbt_project_dir is None:
            raise ValueError("these parameters were not read from a dbt project: no seeds to read")
        with (self.dbt_project_dir / "seeds" / f"{seed}.csv").open(encoding="utf-8", newline="") as handle:
            return sorted({row[column] for row in csv.DictReader(handle)})


def load_parameters(dbt_project_dir: Path) -> StudyParameters:
    """Read the study parameters from `dbt_project.yml`, so dbt and the expectations share them."""
    config = yaml.safe_load((dbt_project_dir / "dbt_project.yml").read_text(encoding="utf-8"))
    values = config["vars"]

    def day(name: str) -> dt.date:
        return dt.date.fromisoformat(str(values[name]))

    return StudyParameters(
        target_atc=str(values["target_atc"]),
        target_drug_name=str(values["target_drug_name"]),
        study_start=day("study_start"),
        study_end=day("study_end"),
        min_course_days=int(values["min_course_days"]),
        course_gap_days=int(values["course_gap_days"]),
        post_exposure_days=int(values["post_exposure_days"]),
        pv_start=day("pv_start"),
        pv_end=day("pv_end"),
        pv_soc=str(values["pv_soc"]),
        injection_site_pt_prefix=str(values["injection_site_pt_prefix"]),
        max_row_drop_pct=float(values["max_row_drop_pct"]),
        max_dose_mg=float(values["max_dose_mg"]),
        min_plausible_date=day("min_plausible_date"),
        max_age_years=int(values["max_age_years"]),
        landing_codes={name: [str(code) for code in codes] for name, codes in values["landing_codes"].items()},
        dbt_project_dir=dbt_project_dir,
    )
