-- National reaction rows whose matched PT sits under no SOC named as the export's reaction_soc, in any
-- language of the team's release: the export and the release disagree, and the data steward raises it
-- with the regional centre.

with

case_rows as (

    select * from {{ ref('int_pv_case_rows_coded') }}
    where not is_soc_consistent

),

pt_socs as (

    select
        pt_code,
        string_agg(distinct soc_name, '; ' order by soc_name) as release_socs
    from {{ ref('dim_meddra_pt_soc') }}
    where language = {{ meddra_naming_language() }}
    group by pt_code

),

final as (

    select
        case_rows.case_id,
        case_rows.case_version,
        case_rows.reaction_llt,
        case_rows.reaction_pt,
        case_rows.reaction_soc,
        case_rows.meddra_pt_name,
        pt_socs.release_socs,
        case_rows.source_file,
        case_rows.source_row_number
    from case_rows
    left join pt_socs
        on case_rows.meddra_pt_code = pt_socs.pt_code

)

select * from final
