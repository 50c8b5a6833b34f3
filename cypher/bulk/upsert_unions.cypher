// Create or update unions by id (idempotent); a new union starts without ancestors (path []).
// $rows: list<map> — {id: string, props: map of union properties}
UNWIND $rows AS row
MERGE (u:Union {id: row.id})
ON CREATE SET u.path = []
SET u += row.props
