// One page of the transfers into or out of a union, optionally in one state, ordered by id.
// $unionId: string — union code (origin or target)
// $state: string? — TransferState, null for every state
// $after: string? — last id of the previous page
// $limit: int — page size
MATCH (t:Transfer)
WHERE (t.fromUnionId = $unionId OR t.toUnionId = $unionId)
  AND ($state IS NULL OR t.state = $state)
  AND ($after IS NULL OR t.id > $after)
RETURN t.id AS id, t.memberId AS memberId, t.fromUnionId AS fromUnionId, t.toUnionId AS toUnionId,
       t.toEmployerId AS toEmployerId, t.state AS state, t.requestedOn AS requestedOn,
       t.releasedOn AS releasedOn, t.completedOn AS completedOn, t.expiresOn AS expiresOn,
       t.closedOn AS closedOn, t.reason AS reason, t.note AS note, t.recordedBy AS recordedBy
ORDER BY id
LIMIT $limit
