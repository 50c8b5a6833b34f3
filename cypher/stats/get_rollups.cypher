// The maintained subtree rollups of unions (properties named r_*), read from the nodes themselves.
// $ids: list<string> — union codes
UNWIND $ids AS wanted
MATCH (u:Union {id: wanted})
RETURN u.id AS id, properties(u) AS props
