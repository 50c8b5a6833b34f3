// Delete up to $limit nodes of a half-loaded demo (with their edges); returns how many went.
// $limit: int — batch size
MATCH (n)
WHERE n:Member OR n:Employer OR n:Union OR n:DemoLoad
WITH n
LIMIT $limit
DETACH DELETE n
RETURN count(*) AS deleted
