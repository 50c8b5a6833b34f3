// Employers no union covers whose region code lies in the given areas (for export).
// $regions: list<string> — 6-digit region codes
UNWIND $regions AS wanted
MATCH (e:Employer {regionCode: wanted})
OPTIONAL MATCH (:Union)-[c:COVERS]->(e)
WHERE c.until IS NULL
WITH e, c
WHERE c IS NULL
RETURN e.id AS id, properties(e) AS props
