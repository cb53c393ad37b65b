CREATE TABLE alembic_version (
    version_num VARCHAR(32) NOT NULL, 
    CONSTRAINT alembic_version_pkc PRIMARY KEY (version_num)
);

-- Running upgrade  -> aaaaaaaaaaaa

CREATE TABLE t (id INTEGER);

INSERT INTO t VALUES ('it''s');

INSERT INTO alembic_version (version_num) VALUES ('aaaaaaaaaaaa');

-- Running upgrade aaaaaaaaaaaa -> bbbbbbbbbbbb

CREATE TABLE u (id INTEGER);

UPDATE alembic_version SET version_num='bbbbbbbbbbbb' WHERE alembic_version.version_num = 'aaaaaaaaaaaa';

