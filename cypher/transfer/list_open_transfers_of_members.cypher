// The open transfers (REQUESTED or RELEASED) of members, for scope checks: the receiving union
// of a member in transfer may see the member (masked).
// $memberIds: list<string> — internal member ids
UNWIND $memberIds AS wanted
MATCH (t:Transfer {memberId: wanted})
WHERE t.state IN ['REQUESTED', 'RELEASED']
RETURN t.memberId AS memberId, t.id AS id, t.fromUnionId AS fromUnionId, t.toUnionId AS toUnionId
ORDER BY memberId, id
