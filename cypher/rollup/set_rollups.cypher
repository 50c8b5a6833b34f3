// Store recomputed subtree rollup vectors on unions.
// $rows: list<map> — {id: string, rollup: list<int> in the order of ROLLUP_KEYS}
UNWIND $rows AS row
MATCH (u:Union {id: row.id})
SET u.rollup = row.rollup
