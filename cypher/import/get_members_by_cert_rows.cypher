// Members by certificate key with every stored property, their current union and employer.
// Keys come as one-element rows so the parameter takes the engines' fast encoding path.
// The far ends carry no label (MEMBER_OF only reaches a Union, EMPLOYED_BY an Employer): a
// labelled end makes FalkorDB's traverse also multiply by the label matrix, ~2x slower here.
// $keys: list<list> — [[certKey], …] certificate keys (type:number)
UNWIND $keys AS wanted
MATCH (m:Member {certKey: wanted[0]})
OPTIONAL MATCH (m)-[r:MEMBER_OF]->(u)
WHERE r.until IS NULL
OPTIONAL MATCH (m)-[w:EMPLOYED_BY]->(e)
WHERE w.until IS NULL
RETURN m.certKey AS certKey, m.id AS id, properties(m) AS props,
       u.id AS unionId, u.name AS unionName, e.id AS employerId
