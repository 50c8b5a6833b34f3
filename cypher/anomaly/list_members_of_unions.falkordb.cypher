// FalkorDB: as list_members_of_unions.cypher, each list joined into one text (';' between items):
// the client then parses one string instead of one typed value per item.
// $ids: list<string> — union codes
MATCH (u:Union)
WHERE u.id IN $ids
WITH u
MATCH (u)<-[r:MEMBER_OF]-(m:Member)
WHERE r.until IS NULL AND m.status <> 'LEFT'
RETURN string.join(collect(m.id + '|' + u.id), ';') AS rows
