// FalkorDB: as list_current_coverage.cypher, each list joined into one text (';' between items):
// the client then parses one string instead of one typed value per item.
MATCH (u:Union)-[c:COVERS]->(e:Employer)
WHERE c.until IS NULL
RETURN string.join(collect(u.id + '|' + e.id), ';') AS rows
