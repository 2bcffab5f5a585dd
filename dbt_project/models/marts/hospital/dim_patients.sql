-- One row per accepted patient of the newest hospital extract, pseudonymised: the hospital identifier
-- becomes a keyed hash; names, NIR and the exact birth date stay in the build database.

with

patients as (

    select * from {{ ref('int_patients_summarised') }}

),

final as (

    select
        pv_patient_key(patient_id) as patient_key,
        sex,
        birth_year,
        is_target_drug_patient,
        is_included,
        n_courses,
        n_cohort_reactions,
        first_reaction_latency_days
    from patients

)

select * from final
