// Store recomputed ancestor paths on unions.
// $rows: list<map> — {id: string, path: list<string> of ancestor ids, national root first}
UNWIND $rows AS row
MATCH (u:Union {id: row.id})
SET u.path = row.path
