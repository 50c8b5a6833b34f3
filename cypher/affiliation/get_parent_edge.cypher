// The current affiliation edge of a union: its parent and since when.
// $id: string — union code
MATCH (u:Union {id: $id})-[r:AFFILIATED_TO]->(p:Union)
WHERE r.until IS NULL
RETURN p.id AS parentId, r.since AS since
