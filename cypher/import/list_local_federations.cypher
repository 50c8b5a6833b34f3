// Local federations (地方总工会 of a province, city or county): the owners of 应建未建 counts.
MATCH (u:Union)
WHERE u.kind = '地方总工会' AND u.level IN ['PROVINCE', 'CITY', 'COUNTY'] AND u.regionCode IS NOT NULL
RETURN u.id AS id, u.regionCode AS regionCode, u.level AS level, u.name AS name
