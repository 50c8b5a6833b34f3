// How many employers covered by the unions of a union's current subtree have a name containing
// a fragment or the given code.
// $under: string — subtree root (union code)
// $search: string — fragment of the name, or a whole code (USCC)
MATCH path = (root:Union {id: $under})<-[:AFFILIATED_TO*0..12]-(u:Union)
WHERE all(a IN relationships(path) WHERE a.until IS NULL)
MATCH (u)-[c:COVERS]->(e:Employer)
WHERE c.until IS NULL AND (e.id = $search OR e.name CONTAINS $search)
RETURN count(e) AS total
