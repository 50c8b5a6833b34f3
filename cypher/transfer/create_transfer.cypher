// Open a member transfer (会籍接转申请): the member becomes TRANSFERRING and stays counted at the
// origin (no rollup change). Guards: the member is ACTIVE with a current membership at the
// origin; the target can hold members and is not dissolved. No row back = a guard failed.
// $memberId: string — internal member id
// $fromUnionId: string — the member's current union
// $toUnionId: string — receiving union
// $props: map — Transfer properties (id, memberId, fromUnionId, toUnionId, state, dates, ...)
MATCH (m:Member {id: $memberId})-[r:MEMBER_OF]->(o:Union {id: $fromUnionId})
WHERE r.until IS NULL AND m.status = 'ACTIVE'
MATCH (d:Union {id: $toUnionId})
WHERE d.status <> 'DISSOLVED' AND d.level IN ['FEDERATION', 'GRASSROOTS']
SET m.status = 'TRANSFERRING'
CREATE (t:Transfer)
SET t = $props
RETURN t.id AS id
