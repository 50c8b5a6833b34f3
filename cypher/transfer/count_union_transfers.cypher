// How many transfers go into or out of a union, optionally in one state.
// $unionId: string — union code (origin or target)
// $state: string? — TransferState, null for every state
MATCH (t:Transfer)
WHERE (t.fromUnionId = $unionId OR t.toUnionId = $unionId)
  AND ($state IS NULL OR t.state = $state)
RETURN count(t) AS total
