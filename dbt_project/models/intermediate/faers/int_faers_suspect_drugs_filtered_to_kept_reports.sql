-- The suspect drugs (roles PS and SS) of each kept report, one row per case and active ingredient
-- (int_faers_drug_ingredients), with whether any of its rows reports a positive dechallenge (the drug stopped
-- and the reaction abated).

with

reports as (

    select
        caseid,
        primaryid
    from {{ ref('int_faers_reports_deduplicated') }}

),

drugs as (

    select
        primaryid,
        role_cod,
        dechal,
        ingredient as drug
    from {{ ref('int_faers_drug_ingredients') }}
    where role_cod in ('PS', 'SS')

),

suspects as (

    select
        reports.caseid,
        drugs.drug,
        bool_or(drugs.role_cod = 'PS') as is_primary_suspect,
        bool_or(coalesce(drugs.dechal = 'Y', false)) as is_dechallenge_positive
    from drugs
    inner join reports
        on drugs.primaryid = reports.primaryid
    group by reports.caseid, drugs.drug

)

select * from suspects
