// The current members of the given unions, with every stored property and current employer.
// $ids: list<string> — union codes (a small chunk: the caller pages over unions)
UNWIND $ids AS wanted
MATCH (m:Member)-[r:MEMBER_OF]->(u:Union {id: wanted})
WHERE r.until IS NULL
OPTIONAL MATCH (m)-[w:EMPLOYED_BY]->(e:Employer)
WHERE w.until IS NULL
RETURN m.id AS id, properties(m) AS props, u.id AS unionId, e.id AS employerId
