// Move an open transfer to its next state (release, reject, cancel) without touching rollups:
// the member stays counted at the origin. Guard: the transfer is in one of $fromStates and the
// member is TRANSFERRING. No row back = a guard failed.
// $id: string — transfer id
// $fromStates: list<string> — states the step may start from
// $state: string — the new TransferState
// $props: map — properties to set on the transfer (dates, note, recordedBy)
// $memberStatus: string? — new member status (ACTIVE when the transfer ends), null to keep
MATCH (t:Transfer {id: $id})
WHERE t.state IN $fromStates
MATCH (m:Member {id: t.memberId})
WHERE m.status = 'TRANSFERRING'
SET t += $props, t.state = $state, m.status = coalesce($memberStatus, m.status)
RETURN t.id AS id
