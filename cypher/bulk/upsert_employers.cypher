// Create or update employers by id (idempotent).
// $rows: list<map> — {id: string, props: map of employer properties}
UNWIND $rows AS row
MERGE (e:Employer {id: row.id})
SET e += row.props
