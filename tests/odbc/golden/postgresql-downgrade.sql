BEGIN;

-- Running downgrade bbbbbbbbbbbb -> aaaaaaaaaaaa

DROP TABLE u;

UPDATE alembic_version SET version_num='aaaaaaaaaaaa' WHERE alembic_version.version_num = 'bbbbbbbbbbbb';

-- Running downgrade aaaaaaaaaaaa -> 

DROP TABLE t;

DELETE FROM alembic_version WHERE alembic_version.version_num = 'aaaaaaaaaaaa';

DROP TABLE alembic_version;

COMMIT;

