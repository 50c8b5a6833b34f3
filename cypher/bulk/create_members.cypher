// Create new members that have both a union and an employer, with both edges (the fast path).
// Rows come grouped by (union, employer) so each group's two endpoints are looked up once.
// $groups: list<list> — [unionId, employerId, rows], rows positional as in
//   graph_service.services.demo.MEMBER_COLUMNS without the last two columns:
//   [0 id, 1 certKey, 2 name, 3 gender, 4 phone, 5 householdType, 6 political, 7 education,
//    8 newFormWorker, 9 joinedOn, 10 status, 11 unionPost, 12 unionPostType]
UNWIND $groups AS g
MATCH (u:Union {id: g[0]})
MATCH (e:Employer {id: g[1]})
UNWIND g[2] AS row
CREATE (m:Member {id: row[0], certKey: row[1], name: row[2], gender: row[3], phone: row[4],
                  householdType: row[5], political: row[6], education: row[7],
                  newFormWorker: row[8], joinedOn: row[9], status: row[10],
                  unionPost: row[11], unionPostType: row[12]})
CREATE (m)-[:MEMBER_OF {since: row[9]}]->(u)
CREATE (m)-[:EMPLOYED_BY {since: row[9]}]->(e)
