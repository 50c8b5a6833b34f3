// Current members (not LEFT) per union with how many fill each of the 9 Hubei member fields,
// and how many leave at least one of them blank (withGaps).
// $ids: list<string> — union codes (a subtree)
MATCH (u:Union)
WHERE u.id IN $ids
WITH u
MATCH (u)<-[r:MEMBER_OF]-(m:Member)
WHERE r.until IS NULL AND m.status <> 'LEFT'
WITH u, m, split(coalesce(m.certKey, ''), ':') AS cert
RETURN u.id AS id, count(m) AS n,
       sum(CASE WHEN coalesce(m.name, '') <> '' THEN 1 ELSE 0 END) AS name,
       sum(CASE WHEN coalesce(cert[0], '') <> '' THEN 1 ELSE 0 END) AS certType,
       sum(CASE WHEN size(cert) > 1 AND coalesce(cert[1], '') <> '' THEN 1 ELSE 0 END) AS certNumber,
       sum(CASE WHEN coalesce(m.phone, '') <> '' THEN 1 ELSE 0 END) AS phone,
       sum(CASE WHEN coalesce(m.joinedOn, '') <> '' THEN 1 ELSE 0 END) AS joinedOn,
       count(m.newFormWorker) AS newFormWorker,
       sum(CASE WHEN coalesce(m.political, '') <> '' THEN 1 ELSE 0 END) AS political,
       sum(CASE WHEN coalesce(m.unionPost, '') <> '' THEN 1 ELSE 0 END) AS unionPost,
       sum(CASE WHEN coalesce(m.unionPostType, '') <> '' THEN 1 ELSE 0 END) AS unionPostType,
       sum(CASE WHEN coalesce(m.name, '') = '' OR coalesce(cert[0], '') = ''
                  OR size(cert) < 2 OR coalesce(cert[1], '') = ''
                  OR coalesce(m.phone, '') = '' OR coalesce(m.joinedOn, '') = ''
                  OR m.newFormWorker IS NULL OR coalesce(m.political, '') = ''
                  OR coalesce(m.unionPost, '') = '' OR coalesce(m.unionPostType, '') = ''
                THEN 1 ELSE 0 END) AS withGaps
