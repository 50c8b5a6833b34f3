// How many employers a union currently covers.
// $id: string — union code
MATCH (u:Union {id: $id})-[c:COVERS]->(e:Employer)
WHERE c.until IS NULL
RETURN count(e) AS total
