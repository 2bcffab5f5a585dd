-- Probable duplicates across case ids: kept reports (one per case) with the same sex, age in whole years,
-- reporter country and full event date, and the same set of suspect active ingredients and of reaction
-- terms. A report missing any of these (sex UNK, an event date to the month or year only) matches none.
-- One row per report of a group of two or more; the group is named by its smallest caseid, and the most
-- recent report (latest fda_dt, then highest primaryid) is the one kept.

with

reports as (

    select
        caseid,
        primaryid,
        fda_dt,
        sex,
        floor({{ faers_age_years('age', 'age_cod') }}) as age_in_years,
        reporter_country,
        event_dt
    from {{ ref('int_faers_reports_deduplicated') }}
    where sex in ('F', 'M') and event_dt_precision = 'day'

),

ingredient_sets as (

    select
        caseid,
        string_agg(drug, '\' order by drug) as suspect_ingredients
    from {{ ref('int_faers_suspect_drugs_filtered_to_kept_reports') }}
    group by caseid

),

term_sets as (

    select
        caseid,
        string_agg(distinct upper(pt), '$' order by upper(pt)) as reaction_terms
    from {{ ref('int_faers_reaction_terms_filtered_to_kept_reports') }}
    group by caseid

),

keyed as (

    select
        reports.caseid,
        reports.primaryid,
        reports.fda_dt,
        reports.sex,
        reports.age_in_years,
        reports.reporter_country,
        reports.event_dt,
        ingredient_sets.suspect_ingredients,
        term_sets.reaction_terms
    from reports
    inner join ingredient_sets
        on reports.caseid = ingredient_sets.caseid
    inner join term_sets
        on reports.caseid = term_sets.caseid
    where reports.age_in_years is not null and reports.reporter_country is not null

),

grouped as (

    select
        *,
        count(*) over duplicate_key as n_reports_in_group,
        min(caseid) over duplicate_key as duplicate_group,
        row_number() over (duplicate_key order by fda_dt desc nulls last, primaryid desc) as recency_rank
    from keyed
    window duplicate_key as (
        partition by sex, age_in_years, reporter_country, event_dt, suspect_ingredients, reaction_terms
    )

),

final as (

    select
        duplicate_group,
        caseid,
        primaryid,
        recency_rank = 1 as is_kept,
        n_reports_in_group,
        fda_dt,
        sex,
        age_in_years,
        reporter_country,
        event_dt,
        suspect_ingredients,
        reaction_terms
    from grouped
    where n_reports_in_group > 1

)

select * from final
