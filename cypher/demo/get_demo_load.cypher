// The marker a demo load leaves (state 'loading' until it completes), and whether any union exists.
// $id: string — marker id
OPTIONAL MATCH (d:DemoLoad {id: $id})
WITH d
OPTIONAL MATCH (u:Union)
WITH d, u
LIMIT 1
RETURN d.state AS state, d.members AS members, d.seed AS seed, u IS NOT NULL AS hasUnions
