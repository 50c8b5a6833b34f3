// The maintained subtree rollup vectors of unions (order: graph_service.domain.stats.ROLLUP_KEYS).
// $ids: list<string> — union codes
UNWIND $ids AS wanted
MATCH (u:Union {id: wanted})
RETURN u.id AS id, u.rollup AS rollup
