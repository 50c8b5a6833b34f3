// Current members (not LEFT) of the given unions (dissolved or detached ones), as one list of
// texts 'memberId|unionId'.
// $ids: list<string> — union codes
MATCH (u:Union)
WHERE u.id IN $ids
WITH u
MATCH (u)<-[r:MEMBER_OF]-(m:Member)
WHERE r.until IS NULL AND m.status <> 'LEFT'
RETURN collect(m.id + '|' + u.id) AS rows
