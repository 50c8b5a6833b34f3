// Delete up to $limit nodes of a half-loaded demo (with their edges); returns how many went.
// The graph then holds no nodes again, so the reload can take the engine's bulk path.
// $limit: int — batch size
MATCH (n)
WHERE n:Member OR n:Employer OR n:Union OR n:DemoLoad OR n:AnomalyState
WITH n
LIMIT $limit
DETACH DELETE n
RETURN count(*) AS deleted
