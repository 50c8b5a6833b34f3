// Store recomputed subtree rollups on unions (every r_* key is written, zeros included).
// $rows: list<map> — {id: string, rollup: map of r_* counters}
UNWIND $rows AS row
MATCH (u:Union {id: row.id})
SET u += row.rollup
