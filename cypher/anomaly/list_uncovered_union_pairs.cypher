// The (employer, union) pairs some member joins (employed by the employer, member of the
// union, each edge current or closed) where the union does not currently cover the employer:
// a superset of the EMPLOYER_NOT_COVERED pairs, checked member by member in
// list_uncovered_pair_members. No member and no edge is named in the first MATCH, so FalkorDB
// evaluates it as one sparse matrix product (~150 ms at 1,000,000 members) instead of one
// traversal per member.
MATCH (e:Employer)<-[:EMPLOYED_BY]-(:Member)-[:MEMBER_OF]->(u:Union)
WITH DISTINCT e, u
OPTIONAL MATCH (u)-[c:COVERS]->(e)
WHERE c.until IS NULL
WITH e, u, c
WHERE c IS NULL
RETURN e.id AS employerId, u.id AS unionId
