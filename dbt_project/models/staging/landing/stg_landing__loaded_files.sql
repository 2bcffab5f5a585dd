with

source as (

    select * from {{ source('landing', 'load_audit') }}

),

renamed as (

    select
        -- keys
        sha256 as file_sha256,

        -- the file
        source,
        raw_table,
        source_file,
        snapshot_date,
        encoding,
        has_bom,
        size_bytes,

        -- the load
        rows_read,
        run_id as loaded_by_run_id,
        loaded_at

    from source

)

select * from renamed
