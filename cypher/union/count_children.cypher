// How many current children a union has.
// $id: string — parent union code
MATCH (p:Union {id: $id})<-[r:AFFILIATED_TO]-(c:Union)
WHERE r.until IS NULL
RETURN count(c) AS total
