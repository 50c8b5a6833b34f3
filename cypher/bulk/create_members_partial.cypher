// Create new members missing a union or an employer: edges only where the row names one that exists.
// Each is marked :OrphanCheck (see anomaly/mark_unattached_members).
// $rows: list<list> — positional rows as in bulk/create_members.cypher (index 13 or 14 may be null)
UNWIND $rows AS row
CREATE (m:Member {id: row[0], certKey: row[1], name: row[2], gender: row[3], phone: row[4],
                  householdType: row[5], political: row[6], education: row[7],
                  newFormWorker: row[8], joinedOn: row[9], status: row[10],
                  unionPost: row[11], unionPostType: row[12]})
SET m:OrphanCheck
WITH m, row
OPTIONAL MATCH (u:Union {id: row[13]})
OPTIONAL MATCH (e:Employer {id: row[14]})
FOREACH (_ IN CASE WHEN u IS NULL THEN [] ELSE [1] END |
  CREATE (m)-[:MEMBER_OF {since: row[9]}]->(u))
FOREACH (_ IN CASE WHEN e IS NULL THEN [] ELSE [1] END |
  CREATE (m)-[:EMPLOYED_BY {since: row[9]}]->(e))
