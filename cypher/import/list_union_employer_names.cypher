// The employers each union currently covers, by name (to resolve a roster's 所属单位).
// $ids: list<string> — union codes
UNWIND $ids AS wanted
MATCH (u:Union {id: wanted})-[c:COVERS]->(e:Employer)
WHERE c.until IS NULL
RETURN u.id AS unionId, e.id AS id, e.name AS name
