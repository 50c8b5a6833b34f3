// Pairs of distinct unions that share a member through MEMBER_OF edges, current or closed (a
// superset of DUPLICATE_ID: list_duplicate_pair_members keeps the members holding both edges
// open). Evaluated by FalkorDB as one sparse matrix product, like list_employer_union_pairs.
MATCH (a:Union)<-[:MEMBER_OF]-(:Member)-[:MEMBER_OF]->(b:Union)
WHERE a.id < b.id
RETURN DISTINCT a.id AS unionId, b.id AS otherId
