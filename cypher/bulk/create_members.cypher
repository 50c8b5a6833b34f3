// Create new members with their membership and employment edges in one statement.
// Edges are created only where the row names a union / employer that exists.
// $rows: list<map> — {props: map of member properties incl. id and certKey, unionId: string?,
//                     employerId: string?, since: string (ISO date)}
UNWIND $rows AS row
CREATE (m:Member)
SET m = row.props
WITH m, row
OPTIONAL MATCH (u:Union {id: row.unionId})
OPTIONAL MATCH (e:Employer {id: row.employerId})
FOREACH (_ IN CASE WHEN u IS NULL THEN [] ELSE [1] END |
  CREATE (m)-[:MEMBER_OF {since: row.since}]->(u))
FOREACH (_ IN CASE WHEN e IS NULL THEN [] ELSE [1] END |
  CREATE (m)-[:EMPLOYED_BY {since: row.since}]->(e))
