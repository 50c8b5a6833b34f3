// Everything a roster chunk is checked against, in ONE read (one wait for the graph's lock
// while a write runs, not four): the chunk's unions, the unions covering its employers, the
// employers (by name) of the unions whose rows name no employer code, and its members'
// fingerprints. Rows are tagged by `kind`; columns a, b, c depend on it:
//   union:    key = union id, a = level, b = status, c = name
//   employer: key = employer id, a = id of the union currently covering it (null: none)
//   named:    key = union id, a = employer id, b = employer name
//   member:   key = certKey, a = current union id, b = current employer id, c = fingerprint:
//             for each name in $props, toString(value) or $absent when absent, each followed
//             by $sep (graph_service.services.imports.fingerprint builds the same string; the
//             control characters come as parameters: FalkorDB does not decode backslash-u escapes; Neo4j reads them even in comments)
// The far ends of MEMBER_OF / EMPLOYED_BY carry no label: a labelled end makes FalkorDB's
// traverse also multiply by the label matrix.
// $unions: list<string> — union codes of the chunk
// $employers: list<list> — [[employerId], …] employer codes as one-element rows (fast encoding)
// $named: list<string> — union codes whose covered employers' names are wanted
// $keys: list<string> — certificate keys (type:number); one index scan of the list (IN) costs
//   FalkorDB a quarter of a look-up per key (UNWIND)
// $props: list<string> — property names of the fingerprint, in order
// $sep: string — the separator after each value (U+001F)
// $absent: string — the text of an absent property (U+0001)
UNWIND $unions AS wanted
MATCH (u:Union {id: wanted})
RETURN 'union' AS kind, u.id AS key, u.level AS a, u.status AS b, u.name AS c
UNION ALL
UNWIND $employers AS wanted
MATCH (e:Employer {id: wanted[0]})
OPTIONAL MATCH (u:Union)-[c:COVERS]->(e)
WHERE c.until IS NULL
RETURN 'employer' AS kind, e.id AS key, u.id AS a, null AS b, null AS c
UNION ALL
UNWIND $named AS wanted
MATCH (u:Union {id: wanted})-[c:COVERS]->(e:Employer)
WHERE c.until IS NULL
RETURN 'named' AS kind, u.id AS key, e.id AS a, e.name AS b, null AS c
UNION ALL
MATCH (m:Member)
WHERE m.certKey IN $keys
OPTIONAL MATCH (m)-[r:MEMBER_OF]->(u)
WHERE r.until IS NULL
OPTIONAL MATCH (m)-[w:EMPLOYED_BY]->(e)
WHERE w.until IS NULL
RETURN 'member' AS kind, m.certKey AS key, u.id AS a, e.id AS b,
       reduce(s = '', k IN $props | s + coalesce(toString(m[k]), $absent) + $sep) AS c
