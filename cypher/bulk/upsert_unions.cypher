// Create or update unions by id (idempotent).
// $rows: list<map> — {id: string, props: map of union properties}
UNWIND $rows AS row
MERGE (u:Union {id: row.id})
SET u += row.props
