// Record the state of a demo load.
// $id: string — marker id
// $props: map — {state, members, seed, province, at}
MERGE (d:DemoLoad {id: $id})
SET d += $props
