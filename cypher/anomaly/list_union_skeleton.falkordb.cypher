// FalkorDB: as list_union_skeleton.cypher, each list joined into one text (';' between items):
// the client then parses one string instead of one typed value per item.
MATCH (u:Union)
RETURN string.join(collect('U|' + u.id + '|' + coalesce(u.level, '') + '|' + coalesce(u.status, '') + '|'
       + coalesce(u.regionCode, '') + '|' + coalesce(u.kind, '')), ';') AS rows
UNION ALL
MATCH (u:Union)-[r:AFFILIATED_TO]->(p:Union)
WHERE r.until IS NULL
RETURN string.join(collect('P|' + u.id + '|' + p.id), ';') AS rows
