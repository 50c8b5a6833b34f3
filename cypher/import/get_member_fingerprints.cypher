// Members by certificate key with their current union and employer and a fingerprint of the
// given properties: one string per member, so a rerun of an import compares rows without
// parsing every property map (the full look-up runs only for rows whose fingerprint differs).
// Fingerprint: for each name in $props, toString(value) or $absent when absent, each followed
// by $sep (graph_service.services.imports.fingerprint builds the same string in Python; the
// control characters come as parameters: FalkorDB does not decode \u escapes in literals).
// $keys: list<list> — [[certKey], …] certificate keys (type:number), one-element rows
// $props: list<string> — property names compared, in order
// $sep: string — the separator after each value (U+001F)
// $absent: string — the text of an absent property (U+0001)
UNWIND $keys AS wanted
MATCH (m:Member {certKey: wanted[0]})
OPTIONAL MATCH (m)-[r:MEMBER_OF]->(u)
WHERE r.until IS NULL
OPTIONAL MATCH (m)-[w:EMPLOYED_BY]->(e)
WHERE w.until IS NULL
RETURN m.certKey AS certKey, u.id AS unionId, e.id AS employerId,
       reduce(s = '', k IN $props | s + coalesce(toString(m[k]), $absent) + $sep) AS fp
