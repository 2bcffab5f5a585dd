with

source as (

    select * from {{ source('landing', 'snapshot_manifest') }}

),

renamed as (

    select
        -- keys
        source,
        snapshot_date,
        raw_table,

        -- the file delivered in that snapshot
        source_file,
        sha256 as file_sha256,
        size_bytes,

        -- when it was registered
        run_id as registered_by_run_id,
        registered_at

    from source

)

select * from renamed
