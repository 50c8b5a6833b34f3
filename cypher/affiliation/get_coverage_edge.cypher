// The current coverage edge of an employer: the covering union and since when.
// $id: string — employer USCC
MATCH (e:Employer {id: $id})<-[r:COVERS]-(u:Union)
WHERE r.until IS NULL
RETURN u.id AS unionId, r.since AS since
