// Affiliation changes of a union (its own creation and moves) and employer transfers to or from it.
// $id: string — union code
MATCH (c:AffiliationChange {subjectId: $id})
RETURN c.id AS id, c.subjectId AS subjectId, c.subjectType AS subjectType,
       c.fromUnionId AS fromUnionId, c.toUnionId AS toUnionId, c.effectiveOn AS effectiveOn,
       c.reason AS reason, c.recordedAt AS recordedAt, c.recordedBy AS recordedBy
UNION
MATCH (c:AffiliationChange)
WHERE c.subjectType = 'EMPLOYER' AND (c.fromUnionId = $id OR c.toUnionId = $id)
RETURN c.id AS id, c.subjectId AS subjectId, c.subjectType AS subjectType,
       c.fromUnionId AS fromUnionId, c.toUnionId AS toUnionId, c.effectiveOn AS effectiveOn,
       c.reason AS reason, c.recordedAt AS recordedAt, c.recordedBy AS recordedBy
