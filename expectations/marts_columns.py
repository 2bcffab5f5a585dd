"""Expectations on the columns of the `marts` schema: no direct identifier reaches the analysts.

The dataset is the catalogue of the published schema, one row per column, so that a model which starts
carrying a name, an IPP, a NIR, a birth date or free text is stopped before it is published.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pv_warehouse.validate.suites import critical

if TYPE_CHECKING:
    from great_expectations.expectations import Expectation

    from pv_warehouse.core.study import StudyParameters

DATASET = "information_schema.columns"
QUERY = """
select table_name, column_name, data_type
from information_schema.columns
where table_catalog = current_database() and table_schema = 'marts'
"""

# the names of MedDRA terms (llt_name, meddra_pt_name, smq_name, ...): terminology, not a person's name
MEDDRA_TERM_NAME = r"(?:meddra_)?(?:llt|pt|hlt|hlgt|soc|smq|via_smq|term)_name"
# whole words of a column name that denote a direct identifier or free text, in English and French
IDENTIFIER_NAME_PATTERNS = [
    rf"^(?!{MEDDRA_TERM_NAME}$).*(?:^|_)(?:last|first|family|given|sur|maiden|full)?_?name(?:$|_)",
    r"(?:^|_)(?:nom|prenom|nom_naissance)(?:$|_)",
    r"(?:^|_)(?:nir|ipp|ssn|insee|nss)(?:$|_)",
    r"(?:^|_)patient_id(?:$|_)",
    r"(?:^|_)(?:birth_date|date_of_birth|dob|date_naissance|ddn)(?:$|_)",
    r"(?:^|_)(?:address|adresse|phone|telephone|email|mail)(?:$|_)",
    r"(?:^|_)(?:narrative|free_text|comment|commentaire|description)(?:$|_)",
]


def build_suite(params: StudyParameters) -> list[Expectation]:
    """No published column is named like a direct identifier or a free-text narrative."""
    import great_expectations.expectations as gxe

    return [
        gxe.ExpectColumnValuesToNotMatchRegexList(
            column="column_name",
            regex_list=IDENTIFIER_NAME_PATTERNS,
            meta=critical(
                "No published column is named like a direct identifier (name, IPP, NIR, birth date, contact) "
                "or a free-text narrative."
            ),
        ),
    ]
