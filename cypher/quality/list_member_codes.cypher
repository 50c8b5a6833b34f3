// Phone and certificate key of current members (not LEFT) of the given unions, for validation.
// $ids: list<string> — union codes (a subtree)
MATCH (u:Union)
WHERE u.id IN $ids
WITH u
MATCH (u)<-[r:MEMBER_OF]-(m:Member)
WHERE r.until IS NULL AND m.status <> 'LEFT'
RETURN u.id AS id, m.phone AS phone, m.certKey AS certKey
