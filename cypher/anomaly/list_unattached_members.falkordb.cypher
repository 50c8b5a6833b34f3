// FalkorDB: as list_unattached_members.cypher, each list joined into one text (';' between items):
// the client then parses one string instead of one typed value per item.
MATCH (m:Member:OrphanCheck)
WHERE m.status <> 'LEFT'
RETURN string.join(collect('M|' + m.id), ';') AS rows
UNION ALL
MATCH (m:Member:OrphanCheck)-[r:MEMBER_OF]->(u:Union)
WHERE r.until IS NULL AND m.status <> 'LEFT'
RETURN string.join(collect('U|' + m.id + '|' + u.id), ';') AS rows
UNION ALL
MATCH (m:Member:OrphanCheck)-[w:EMPLOYED_BY]->(e:Employer)
WHERE w.until IS NULL AND m.status <> 'LEFT'
RETURN string.join(collect('E|' + m.id + '|' + e.id + '|' + coalesce(e.regionCode, '')), ';') AS rows
