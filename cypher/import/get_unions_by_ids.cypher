// Unions by id with the properties an import may set (not the rollup) and their current parent.
// $ids: list<string> — union codes
UNWIND $ids AS wanted
MATCH (u:Union {id: wanted})
OPTIONAL MATCH (u)-[r:AFFILIATED_TO]->(p:Union)
WHERE r.until IS NULL
RETURN u.id AS id,
       {name: u.name, level: u.level, kind: u.kind, status: u.status, regionCode: u.regionCode,
        foundedOn: u.foundedOn, termEndsOn: u.termEndsOn, chair: u.chair, phone: u.phone,
        reportedMembers: u.reportedMembers} AS props,
       p.id AS parentId
