BEGIN TRANSACTION;

-- Running downgrade bbbbbbbbbbbb -> aaaaaaaaaaaa

DROP TABLE u;

GO

UPDATE alembic_version SET version_num='aaaaaaaaaaaa' WHERE alembic_version.version_num = 'bbbbbbbbbbbb';

GO

-- Running downgrade aaaaaaaaaaaa -> 

DROP TABLE t;

GO

DELETE FROM alembic_version WHERE alembic_version.version_num = 'aaaaaaaaaaaa';

GO

DROP TABLE alembic_version;

GO

COMMIT;

GO

