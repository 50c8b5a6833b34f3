// Employers currently covered by the given unions, with every stored property.
// $ids: list<string> — union codes
UNWIND $ids AS wanted
MATCH (u:Union {id: wanted})-[c:COVERS]->(e:Employer)
WHERE c.until IS NULL
RETURN u.id AS unionId, e.id AS id, properties(e) AS props
