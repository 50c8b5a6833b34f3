// One page of the employers a union currently covers, ordered by id.
// $id: string — union code
// $after: string? — last id of the previous page
// $limit: int — page size
MATCH (u:Union {id: $id})-[c:COVERS]->(e:Employer)
WHERE c.until IS NULL AND ($after IS NULL OR e.id > $after)
RETURN e.id AS id, e.name AS name, e.nature AS nature, e.employeeCount AS employeeCount,
       e.regionCode AS regionCode, e.industry AS industry, u.id AS unionId
ORDER BY id
LIMIT $limit
