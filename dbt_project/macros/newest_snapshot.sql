{#- Rows of the newest snapshot of a source for one raw table, with that snapshot's date.
    The manifest maps snapshots to file contents, so bytes loaded once still belong to a later snapshot. -#}
{% macro newest_snapshot(source_name, raw_table) -%}
    select
        raw_rows.*,
        manifest.snapshot_date
    from {{ source(source_name, raw_table) }} as raw_rows
    inner join {{ source('landing', 'snapshot_manifest') }} as manifest
        on
            raw_rows._sha256 = manifest.sha256
            and manifest.raw_table = '{{ raw_table }}'
    where manifest.snapshot_date = (
        select max(newest.snapshot_date)
        from {{ source('landing', 'snapshot_manifest') }} as newest
        where newest.source = '{{ source_name }}'
    )
{%- endmacro %}
