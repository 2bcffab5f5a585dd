-- The newest release of each language in the landing: a newer version replaces the older for the marts.

with

manifest as (

    select * from {{ source('landing', 'snapshot_manifest') }}
    where raw_table = 'meddra_release'

),

release_rows as (

    select * from {{ source('meddra', 'meddra_release') }}
    where _row_number = 1

),

releases as (

    select
        -- keys
        manifest.source,
        manifest.snapshot_date as release_date,

        -- the release
        trim(release_rows.version) as meddra_version,
        trim(release_rows.language) as language,  -- noqa: RF04

        -- provenance
        manifest.source_file as release_file,

        row_number() over (
            partition by manifest.source order by manifest.snapshot_date desc
        ) as newness

    from manifest
    inner join release_rows
        on manifest.sha256 = release_rows._sha256

)

select
    source,
    release_date,
    meddra_version,
    language,
    release_file
from releases
where newness = 1
