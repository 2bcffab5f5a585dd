-- For each file of the newest snapshots (and of every FAERS quarter's DEMO table): rows read at load =
-- rows accepted + rows held back.

with

audit as (

    select * from {{ ref('stg_landing__loaded_files') }}

),

checked_rows as (

    {%- set checked = [
        ('int_hospital_patients_checked', 'hospital_patients'),
        ('int_hospital_treatments_checked', 'hospital_treatments'),
        ('int_hospital_adverse_events_checked', 'hospital_adverse_events'),
        ('int_pv_case_rows_checked', 'pv_cases'),
        ('int_faers_reports_checked', 'faers_demo'),
    ] %}
    {%- for model, raw_table in checked %}
        select
            '{{ raw_table }}' as raw_table,
            source_sha256,
            any_value(source_file) as source_file,
            count(*) filter (where quarantine_reason is null) as rows_accepted,
            count(*) filter (where quarantine_reason is not null) as rows_quarantined
        from {{ ref(model) }}
        group by source_sha256
        {% if not loop.last %}union all{% endif %}
    {%- endfor %}

),

reconciled as (

    select
        checked_rows.raw_table,
        checked_rows.source_file,
        audit.rows_read,
        checked_rows.rows_accepted,
        checked_rows.rows_quarantined,
        audit.rows_read = checked_rows.rows_accepted + checked_rows.rows_quarantined as is_balanced
    from checked_rows
    left join audit
        on checked_rows.source_sha256 = audit.file_sha256

)

select * from reconciled
