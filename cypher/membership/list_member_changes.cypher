// The membership change log of a member, oldest first.
// $memberId: string — internal member id
MATCH (c:MembershipChange {memberId: $memberId})
RETURN c.id AS id, c.memberId AS memberId, c.type AS type, c.reason AS reason,
       c.unionId AS unionId, c.effectiveOn AS effectiveOn, c.recordedAt AS recordedAt,
       c.recordedBy AS recordedBy, c.transferId AS transferId
ORDER BY recordedAt, type DESC
