-- Every file of the newest snapshots: rows read = rows accepted + rows quarantined.
select *
from {{ ref('load_reconciliation') }}
where not is_balanced or rows_read is null
