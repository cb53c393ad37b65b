BEGIN TRANSACTION;

CREATE TABLE alembic_version (
    version_num VARCHAR(32) NOT NULL, 
    CONSTRAINT alembic_version_pkc PRIMARY KEY (version_num)
);

GO

-- Running upgrade  -> aaaaaaaaaaaa

CREATE TABLE t (id INTEGER);

GO

INSERT INTO t VALUES ('it''s');

GO

INSERT INTO alembic_version (version_num) OUTPUT inserted.version_num VALUES ('aaaaaaaaaaaa');

GO

-- Running upgrade aaaaaaaaaaaa -> bbbbbbbbbbbb

CREATE TABLE u (id INTEGER);

GO

UPDATE alembic_version SET version_num='bbbbbbbbbbbb' WHERE alembic_version.version_num = 'aaaaaaaaaaaa';

GO

COMMIT;

GO

