-- One row per cutaneous event attributed to a course of the drug under study. The study's cohort
-- reactions are those with is_in_cohort (attributed to an included course).

with

reactions as (

    select * from {{ ref('int_cutaneous_reactions_characterised') }}

),

labels_coded as (

    select * from {{ ref('int_hospital_reaction_labels_coded') }}

),

coded as (

    select
        reactions.*,
        labels_coded.meddra_pt_code,
        labels_coded.meddra_pt_name,
        labels_coded.meddra_soc_name,
        coalesce(labels_coded.meddra_match, 'unmatched') as meddra_match
    from reactions
    left join labels_coded
        on reactions.reaction_label = labels_coded.reaction_label

),

final as (

    select
        pv_record_key('event', event_id) as reaction_key,
        pv_patient_key(patient_id) as patient_key,
        pv_record_key('course', course_id) as course_key,
        is_course_included as is_in_cohort,
        attribution_method,
        onset_date,
        latency_days,
        reaction_category,
        localisation,
        is_recall_syndrome,
        severity,
        has_pruritus,
        has_pain,
        naranjo_score,
        naranjo_category,
        naranjo_score_source,
        has_naranjo_disagreement,
        outcome,
        action_taken,
        rechallenge,
        is_withdrawn_without_rechallenge,
        is_biopsy_done as biopsy_done,
        meddra_pt_code,
        meddra_pt_name,
        meddra_soc_name,
        meddra_match
    from coded

)

select * from final
