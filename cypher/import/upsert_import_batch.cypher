// Create or update the record of one import batch (one source file).
// $id: string — batch id
// $props: map — file, sha256, operator, startedAt, finishedAt, state, counts
MERGE (b:ImportBatch {id: $id})
SET b += $props
RETURN b.id AS id
