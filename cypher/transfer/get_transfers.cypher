// Transfers by id.
// $ids: list<string> — transfer ids
UNWIND $ids AS wanted
MATCH (t:Transfer {id: wanted})
RETURN t.id AS id, t.memberId AS memberId, t.fromUnionId AS fromUnionId, t.toUnionId AS toUnionId,
       t.toEmployerId AS toEmployerId, t.state AS state, t.requestedOn AS requestedOn,
       t.releasedOn AS releasedOn, t.completedOn AS completedOn, t.expiresOn AS expiresOn,
       t.closedOn AS closedOn, t.reason AS reason, t.note AS note, t.recordedBy AS recordedBy
