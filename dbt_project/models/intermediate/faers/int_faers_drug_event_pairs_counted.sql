-- The 2x2 table of every (drug, reaction term) pair reported together at least once, counted in distinct
-- cases among the cases having at least one suspect drug and one reaction term:
-- a = the drug and the term, b = the drug without the term, c = the term without the drug, d = neither.

with

suspects as (

    select
        caseid,
        drug
    from {{ ref('int_faers_suspect_drugs_counted_in_signals') }}

),

terms as (

    select
        caseid,
        pt
    from {{ ref('int_faers_reaction_terms_filtered_to_kept_reports') }}

),

universe as (

    select distinct caseid from suspects
    intersect
    select distinct caseid from terms

),

drug_cases as (

    select
        suspects.drug,
        count(*) as n_drug
    from suspects
    semi join universe
        on suspects.caseid = universe.caseid
    group by suspects.drug

),

term_cases as (

    select
        terms.pt,
        count(*) as n_term
    from terms
    semi join universe
        on terms.caseid = universe.caseid
    group by terms.pt

),

pairs as (

    -- a case in both lists is in the universe already
    select
        suspects.drug,
        terms.pt,
        count(*) as a
    from suspects
    inner join terms
        on suspects.caseid = terms.caseid
    group by suspects.drug, terms.pt

),

counted as (

    select
        pairs.drug,
        pairs.pt,
        pairs.a,
        drug_cases.n_drug - pairs.a as b,
        term_cases.n_term - pairs.a as c,
        (select count(*) from universe) - drug_cases.n_drug - term_cases.n_term + pairs.a as d
    from pairs
    inner join drug_cases
        on pairs.drug = drug_cases.drug
    inner join term_cases
        on pairs.pt = term_cases.pt

)

select * from counted
