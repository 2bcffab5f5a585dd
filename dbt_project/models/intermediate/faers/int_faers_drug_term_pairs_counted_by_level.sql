-- The 2x2 table of every (drug, MedDRA term) pair at each level of the release (pt, hlt, hlgt, soc, smq;
-- see int_meddra_pt_levels), counted in distinct cases among the same cases as faers_signals (at least one
-- suspect drug and one reaction term): a case with two PTs under one SOC counts once for that SOC.

with

suspects as (

    select
        caseid,
        drug
    from {{ ref('int_faers_suspect_drugs_counted_in_signals') }}

),

reaction_terms as (

    select * from {{ ref('int_faers_reaction_terms_coded') }}

),

universe as (

    select distinct caseid from suspects
    intersect
    select distinct caseid from reaction_terms

),

case_terms as (

    select distinct
        reaction_terms.caseid,
        levels.level,
        levels.term_code,
        levels.term
    from reaction_terms
    inner join {{ ref('int_meddra_pt_levels') }} as levels
        on reaction_terms.meddra_pt_code = levels.pt_code

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
        case_terms.level,
        case_terms.term_code,
        count(*) as n_term
    from case_terms
    semi join universe
        on case_terms.caseid = universe.caseid
    group by case_terms.level, case_terms.term_code

),

pairs as (

    select
        suspects.drug,
        case_terms.level,
        case_terms.term_code,
        any_value(case_terms.term) as term,
        count(*) as a
    from suspects
    inner join case_terms
        on suspects.caseid = case_terms.caseid
    group by suspects.drug, case_terms.level, case_terms.term_code

),

counted as (

    select
        pairs.drug,
        pairs.level,
        pairs.term_code,
        pairs.term,
        pairs.a,
        drug_cases.n_drug - pairs.a as b,
        term_cases.n_term - pairs.a as c,
        (select count(*) from universe) - drug_cases.n_drug - term_cases.n_term + pairs.a as d
    from pairs
    inner join drug_cases
        on pairs.drug = drug_cases.drug
    inner join term_cases
        on
            pairs.level = term_cases.level
            and pairs.term_code = term_cases.term_code

)

select * from counted
